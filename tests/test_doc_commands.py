"""The documents' curl commands, run as written against a live sandbox: each answers what the document
says it answers.

Every shell block of README.md, docs/api.md, docs/errors.md and docs/sandbox.md is read; the commands
that reach a local sandbox (127.0.0.1:8000 or :8080, or `$S`, `$A`, `$EXO`) run in one bash per
document, in order, on the demo seed. README's and api.md's blocks are one tour, each going on from
the last; sandbox.md's stand alone, so the demo seed is restored before each. What a command must answer:

- the status of the `http` answer block right after its shell block, when the document shows one;
- the status a trailing comment starts with (`# 400: the number is aging`);
- otherwise a success, or an error status the comments around it name (`# ... 404, in Exotel's error shape`).

Lines that start servers or containers, install things or change the machine (`exopool serve`, `podman`,
`sudo`, `export`, `make`, `pip`) and requests to other hosts (api.exotel.com over TLS) are not run:
tests/sandbox/test_tls.py, tests/cli and tests/image cover those.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from exopool.app import create_app
from exopool.clock import ManualClock
from exopool.config import Settings
from tests.conftest import SECRET, ServerThread

ROOT = Path(__file__).resolve().parent.parent
# Each document, and whether each of its blocks starts from the demo seed again.
DOCUMENTS = {"README.md": False, "docs/api.md": False, "docs/errors.md": False, "docs/sandbox.md": True}
LOCAL = re.compile(r"127\.0\.0\.1:80[08]0\b|\$(S|A|EXO)\b")
NOT_RUN = re.compile(r"^(sudo|export|echo|make|pip|podman|docker|exopool|EXOPOOL_\w+=\S+ exopool)\b")
FENCE = re.compile(r"```(\w*)\n(.*?)```", re.S)
NAMED_FILE = re.compile(r"\(`([\w.-]+\.ya?ml)`\):\s*```yaml\n(.*?)```", re.S)
# Each curl reports its status on stderr, so that output piped on (| python3 -m json.tool) stays as it was.
PREAMBLE = "curl() { command curl -w '%{stderr}HTTP %{http_code}\\n' \"$@\"; }\n"
AGING_S = 7_776_000  # docs/sandbox.md's aging example starts its sandbox with 90 days of aging


@dataclass(frozen=True)
class Command:
    text: str  # as the document writes it, continuation lines and all
    comments: str  # its trailing comment and the comment lines just above it
    stated: int | None  # the status the document says it answers, if it says one


def blocks(markdown: str) -> Iterator[list[Command]]:
    """The runnable commands of each shell block, with what the document says they answer."""
    fences = list(FENCE.finditer(markdown))
    for index, fence in enumerate(fences):
        if fence.group(1) != "sh":
            continue
        after = fences[index + 1] if index + 1 < len(fences) else None
        answer = None
        if after is not None and after.group(1) == "http" and not markdown[fence.end():after.start()].strip():
            answer = int(after.group(2).split()[1])
        found = [c for c in commands(fence.group(2)) if LOCAL.search(c.text) and not NOT_RUN.search(c.text)]
        if len(found) == 1 and answer is not None:
            found = [Command(found[0].text, found[0].comments, answer)]
        if found:
            yield found


def commands(block: str) -> list[Command]:
    """The block's commands; a comment is about the command right above it (its answer), or, after a
    blank line, about the next one."""
    found: list[Command] = []
    above: list[str] = []
    pending, answering = "", False
    for line in block.splitlines():
        if not pending and line.lstrip().startswith("#"):
            if answering:
                last = found[-1]
                found[-1] = Command(last.text, f"{last.comments} {line}", last.stated)
            else:
                above.append(line)
            continue
        pending += line + "\n"
        if pending.rstrip().endswith("\\") or not _complete(pending):
            continue
        answering = bool(pending.strip())
        if answering:
            trailing = re.search(r"\s#\s(.*)$", pending.rstrip())
            comment = trailing.group(1) if trailing else ""
            stated = re.match(r"(\d{3})\b", comment)
            found.append(Command(pending.rstrip(), " ".join([*above, comment]),
                                 int(stated.group(1)) if stated else None))
            above = []
        pending = ""
    return found


def _complete(text: str) -> bool:
    try:
        shlex.split(text, comments=True)
    except ValueError:  # a quote still open: the command goes on on the next line
        return False
    return True


def allowed(command: Command, status: int) -> bool:
    if command.stated is not None:
        return status == command.stated
    return status < 400 or str(status) in re.findall(r"\b[1-5]\d\d\b", command.comments)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    directory = tmp_path_factory.mktemp("doc-commands")
    settings = Settings(database_url=f"sqlite:///{directory / 'docs.db'}", data_dir=str(directory / "data"),
                        secret_key=SECRET, sandbox=True, run_worker=True, aging_period_s=AGING_S, log_json=False)
    with ServerThread(create_app(settings, clock=ManualClock())) as server:
        yield server


def script(markdown: str, port: int, seed: Path, each_block: bool) -> tuple[str, list[Command]]:
    """One bash script of the document's commands on the demo seed, restored before each block if each_block."""
    restore = (f"command curl -sf -o /dev/null -X POST http://127.0.0.1:{port}/_sandbox/seed "
               f"-H 'Content-Type: application/json' --data-binary @{seed} && "
               f"command curl -sf -o /dev/null -X POST http://127.0.0.1:{port}/_sandbox/reset\n")
    lines, ran = [PREAMBLE], []
    for number, found in enumerate(blocks(markdown)):
        if each_block or number == 0:
            lines.append(restore)
        for command in found:
            lines.append(re.sub(r"127\.0\.0\.1:80[08]0\b", f"127.0.0.1:{port}", command.text) + "\n")
            ran.append(command)
    return "".join(lines), [command for command in ran if "curl" in command.text]


@pytest.mark.parametrize("document", DOCUMENTS)
def test_the_documents_commands_answer_what_they_say(sandbox: ServerThread, document: str, tmp_path: Path) -> None:
    curl = shutil.which("curl")
    assert curl, "these tests run the documents' curl commands: install curl"
    markdown = (ROOT / document).read_text()
    for name, text in NAMED_FILE.findall(markdown):
        (tmp_path / name).write_text(text)
    seed = tmp_path / "demo-seed.json"
    seed.write_text(json.dumps(httpx.get(f"{sandbox.url}/_sandbox/seed").json()["seed"]))
    text, ran = script(markdown, sandbox.port, seed, DOCUMENTS[document])
    assert ran, f"{document} has no command to run"
    done = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", text], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    statuses = [int(line.split()[1]) for line in done.stderr.splitlines() if line.startswith("HTTP ")]
    failed_at = ran[len(statuses) - 1].text if done.returncode and statuses else ""
    assert done.returncode == 0, f"{document}: bash stopped ({done.returncode}) at {failed_at!r}: {done.stderr[-800:]}"
    assert len(statuses) == len(ran), f"{document}: {len(ran)} commands, {len(statuses)} answers"
    wrong = [(c.text, status, c.stated) for c, status in zip(ran, statuses, strict=True) if not allowed(c, status)]
    assert wrong == []
