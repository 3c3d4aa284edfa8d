"""The documents name everything they promise to: every setting, CSV column and command."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import fields
from pathlib import Path

import click

from exopool.cli import main
from exopool.config import Settings
from exopool.services.pool import COLUMNS, import_numbers

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_readme_lists_every_setting_as_an_environment_variable() -> None:
    documented = set(re.findall(r"`(EXOPOOL_[A-Z_]+)`", README)) - {"EXOPOOL_TEST_POSTGRES_URL"}
    assert documented == {f"EXOPOOL_{f.name.upper()}" for f in fields(Settings)}


def test_readme_describes_every_csv_column_and_its_example_imports(db, clock) -> None:  # type: ignore[no-untyped-def]
    table = {row.split("|")[1].strip(" `") for row in README.splitlines() if row.startswith("| `")}
    assert set(COLUMNS) <= table
    example = README.split("```csv\n", 1)[1].split("```", 1)[0]
    reader = csv.DictReader(io.StringIO(example))
    assert db.transact(import_numbers, clock.now(), [(reader.line_num, row) for row in reader]) == 3


def test_cli_document_covers_every_command() -> None:
    text = (ROOT / "docs" / "cli.md").read_text()
    for name, command in main.commands.items():
        names = [f"{name} {sub}" for sub in command.commands] if isinstance(command, click.Group) else [name]
        for full in names:
            assert f"`exopool {full}" in text, full


def test_readme_links_point_at_documents_that_exist() -> None:
    for target in re.findall(r"\]\((docs/[^)]+)\)", README):
        path, _, anchor = target.partition("#")
        assert (ROOT / path).is_file(), target
        if anchor:
            assert anchor in _anchors((ROOT / path).read_text()), target


def _anchors(markdown: str) -> set[str]:
    """The ids a Markdown renderer gives each heading: lower case, punctuation dropped, spaces as dashes."""
    headings = re.findall(r"^#+ (.+)$", markdown, flags=re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h).strip().lower().replace(" ", "-") for h in headings}
