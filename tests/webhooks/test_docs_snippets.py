"""docs/webhooks.md's verification snippets, as written, accept what exopool sent and refuse a forgery."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
from standardwebhooks.webhooks import WebhookVerificationError

from tests.conftest import Persona
from tests.support import IN_LANDLINE, bought_sid
from tests.webhooks.conftest import Call, Receiver, create_endpoint, wait_for

ROOT = Path(__file__).resolve().parents[2]
PAGE = (ROOT / "docs" / "webhooks.md").read_text()
E2E = ROOT / "tests" / "e2e"  # where `make snippets` installs the Node packages


def snippet(language: str) -> str:
    found = re.search(rf"```{language}\n(.*?)```", PAGE, flags=re.DOTALL)
    assert found, f"no {language} snippet in docs/webhooks.md"
    return found.group(1)


@pytest.fixture
def delivered(http: httpx.Client, alice: Persona, receiver: Receiver) -> tuple[str, Call]:
    """The secret of an endpoint, and a delivery a real receiver got from exopool."""
    secret = create_endpoint(http, alice, receiver, events="number.purchased")["secret"]
    bought_sid(http, alice, IN_LANDLINE)
    return secret, wait_for(receiver.received)[0]


def test_python_snippet_verifies_exopools_request_and_refuses_a_forgery(delivered: tuple[str, Call]) -> None:
    secret, call = delivered
    namespace: dict[str, Any] = {"SECRET": secret}
    exec(snippet("python"), namespace)
    event = namespace["handle"](call.body, call.headers)
    assert event["type"] == "number.purchased" and event == json.loads(call.body)
    with pytest.raises(WebhookVerificationError):
        namespace["handle"](call.body.replace(b"purchased", b"released"), call.headers)


def test_node_snippet_verifies_exopools_request_and_refuses_a_forgery(delivered: tuple[str, Call]) -> None:
    secret, call = delivered
    if shutil.which("node") is None or subprocess.run(["node", "-e", "require('standardwebhooks')"], cwd=E2E,
                                                      capture_output=True, timeout=30).returncode != 0:
        pytest.skip("Node and its standardwebhooks package are not installed (make snippets)")
    program = (f"const SECRET = {json.dumps(secret)};\n{snippet('js')}\n"
               "const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));\n"
               "try { console.log(JSON.stringify(handle(input.body, input.headers))); }\n"
               "catch (error) { console.log('refused: ' + error.message); }\n")
    for body, expected in ((call.body.decode(), "number.purchased"),
                           (call.body.decode().replace("purchased", "released"), None)):
        done = subprocess.run(["node", "-e", program], input=json.dumps({"body": body, "headers": call.headers}),
                              cwd=E2E, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        if expected is None:
            assert done.stdout.startswith("refused:"), done.stdout
        else:
            assert json.loads(done.stdout)["type"] == expected
