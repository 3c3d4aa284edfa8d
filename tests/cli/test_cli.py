"""The exopool command: accounts, API keys, the pool's CSV import and listing, the schema, and --help."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import httpx
import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, inspect, text

from exopool.cli import main
from exopool.config import Settings
from exopool.db import Database
from exopool.migrations import alembic_config
from exopool.models import PhoneNumber
from tests.conftest import Persona, subprocess_env
from tests.support import bought_sid, numbers_path

GOOD_CSV = """phone_number,cluster,type,region,voice,sms,rental_price,one_time_price,incoming_rate,currency
+918048339001,in,Landline,KA,true,false,499,999,0.5,INR
918048339002,in,landline,ka,yes,no,499.25,0,0.000001,
08048339003,sg,Landline,KA,,,,,,
+919845009001,in,Mobile,MU,1,1,99,0,1,INR
"""


def env_of(settings: Settings) -> dict[str, str]:
    return {"EXOPOOL_DATABASE_URL": settings.database_url, "EXOPOOL_DATA_DIR": settings.data_dir,
            "EXOPOOL_SECRET_KEY": settings.secret_key}


@pytest.fixture
def exopool(settings: Settings):  # type: ignore[no-untyped-def]
    """Run `exopool ARGS` in this process against the test's database."""
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(main, list(args), env=env_of(settings), catch_exceptions=False)

    return run


def count_numbers(db: Database) -> int:
    return db.transact(lambda conn: conn.execute(text("SELECT count(*) FROM phone_numbers")).scalar())


def write(tmp_path: Path, name: str, content: str) -> Path:
    path = tmp_path / name
    path.write_text(content)
    return path


def test_accounts_create_then_list_shows_it(exopool) -> None:  # type: ignore[no-untyped-def]
    created = exopool("accounts", "create", "acme1", "--name", "Acme One", "--cluster", "sg")
    assert created.exit_code == 0 and "created account acme1 in cluster sg" in created.output
    listed = exopool("accounts", "list")
    assert listed.exit_code == 0
    row = next(line for line in listed.output.splitlines() if "acme1" in line)
    assert all(word in row for word in ("Acme One", "sg", "IN", "active"))


def test_accounts_create_refuses_a_repeat_and_a_bad_sid_or_cluster(exopool) -> None:  # type: ignore[no-untyped-def]
    assert exopool("accounts", "create", "acme1", "--name", "A", "--cluster", "in").exit_code == 0
    again = exopool("accounts", "create", "acme1", "--name", "A", "--cluster", "in")
    assert again.exit_code == 1 and "Account acme1 already exists" in again.output
    bad_sid = exopool("accounts", "create", "acme/1", "--name", "A", "--cluster", "in")
    assert bad_sid.exit_code == 1 and "must be 1-64 letters" in bad_sid.output
    bad_cluster = exopool("accounts", "create", "acme2", "--name", "A", "--cluster", "eu")
    assert bad_cluster.exit_code == 2 and "'eu' is not one of" in bad_cluster.output


def test_accounts_create_refuses_a_name_the_column_cannot_hold_on_either_engine(exopool) -> None:  # type: ignore[no-untyped-def]
    for name, says in (("n" * 201, "The account name must be at most 200 characters"),
                       ("a\x00b", "The account name contains a NUL character"),
                       ("   ", "The account name must not be blank")):
        refused = exopool("accounts", "create", "acme1", "--name", name, "--cluster", "in")
        assert refused.exit_code == 1 and says in refused.output, refused.output
    assert "acme1" not in exopool("accounts", "list").output
    assert exopool("accounts", "create", "acme1", "--name", "n" * 200, "--cluster", "in").exit_code == 0


def test_api_keys_create_refuses_a_label_the_column_cannot_hold_on_either_engine(exopool) -> None:  # type: ignore[no-untyped-def]
    exopool("accounts", "create", "acme1", "--name", "Acme", "--cluster", "in")
    for label, says in (("l" * 201, "The label must be at most 200 characters"), ("\x00", "The label contains a NUL")):
        refused = exopool("api-keys", "create", "--account", "acme1", "--label", label)
        assert refused.exit_code == 1 and says in refused.output, refused.output
    assert exopool("api-keys", "create", "--account", "acme1", "--label", "l" * 200).exit_code == 0


def test_api_key_created_by_the_cli_authenticates_over_http(  # type: ignore[no-untyped-def]
    exopool, http: httpx.Client,
) -> None:
    exopool("accounts", "create", "acme1", "--name", "Acme", "--cluster", "in")
    plain = exopool("api-keys", "create", "--account", "acme1", "--label", "ci")
    assert plain.exit_code == 0 and "shown only this once" in plain.output
    values = dict(line.split(":", 1) for line in plain.output.splitlines() if line.startswith("API "))
    key, token = values["API key"].strip(), values["API token"].strip()
    as_json = exopool("api-keys", "create", "--account", "acme1", "--json")
    issued = json.loads(as_json.stdout)
    assert set(issued) == {"account_sid", "api_key", "api_token", "label"} and issued["account_sid"] == "acme1"
    for credentials in ((key, token), (issued["api_key"], issued["api_token"])):
        response = http.get("/v2_beta/Accounts/acme1/IncomingPhoneNumbers", auth=credentials)
        assert response.status_code == 200, response.text
    assert http.get("/v2_beta/Accounts/acme1/IncomingPhoneNumbers", auth=(key, issued["api_token"])).status_code == 401


def test_api_key_for_an_unknown_account_is_an_error(exopool) -> None:  # type: ignore[no-untyped-def]
    result = exopool("api-keys", "create", "--account", "nobody")
    assert result.exit_code == 1 and "Account nobody not found" in result.output


def test_revoked_api_key_gets_401_over_http(exopool, http: httpx.Client, alice: Persona) -> None:  # type: ignore[no-untyped-def]
    assert http.get(numbers_path(alice), auth=alice.auth).status_code == 200
    revoked = exopool("api-keys", "revoke", alice.key)
    assert revoked.exit_code == 0 and f"revoked {alice.key}" in revoked.output
    assert http.get(numbers_path(alice), auth=alice.auth).status_code == 401
    unknown = exopool("api-keys", "revoke", "f" * 40)
    assert unknown.exit_code == 1 and "not found" in unknown.output


def test_numbers_import_of_a_good_csv_fills_each_clusters_pool(  # type: ignore[no-untyped-def]
    exopool, tmp_path: Path, db: Database, http: httpx.Client, alice: Persona,
) -> None:
    before = count_numbers(db)
    result = exopool("numbers", "import", str(write(tmp_path, "pool.csv", GOOD_CSV)))
    assert result.exit_code == 0, result.output
    assert "imported 4 numbers from pool.csv" in result.output
    assert count_numbers(db) == before + 4
    found = http.get("/v2_beta/Accounts/alice/AvailablePhoneNumbers/IN/Landline", params={"Contains": "4833900"},
                     auth=alice.auth).json()
    assert found == [
        {"friendly_name": "08048339001", "phone_number": "+918048339001", "capabilities": {"voice": True, "sms": False},
         "country": "IN", "region": "KA", "number_type": "Landline", "rental_price": "499.000000",
         "one_time_price": "999.000000", "incoming_rate": "0.500000", "currency": "INR"},
        {"friendly_name": "08048339002", "phone_number": "+918048339002", "capabilities": {"voice": True, "sms": False},
         "country": "IN", "region": "KA", "number_type": "Landline", "rental_price": "499.250000",
         "one_time_price": "0.000000", "incoming_rate": "0.000001", "currency": "INR"},
    ]  # +918048339003 went to the sg pool
    mobile = http.get("/v2_beta/Accounts/alice/AvailablePhoneNumbers/IN/Mobile", params={"Contains": "45009001"},
                      auth=alice.auth).json()
    assert [(c["region"], c["capabilities"]) for c in mobile] == [("MU", {"voice": True, "sms": True})]


def test_numbers_import_of_a_bad_csv_imports_nothing_and_lists_each_bad_row(  # type: ignore[no-untyped-def]
    exopool, tmp_path: Path, db: Database, pool: int,
) -> None:
    bad = ("phone_number,cluster,type,region,sms,rental_price\n"
           "+918048339001,in,Landline,KA,false,499\n"  # line 2: good
           "+91804833,in,Landline,KA,,\n"  # line 3
           "+918048339004,eu,Landline,KA,,\n"  # line 4
           "+918048339001,in,Landline,KA,,\n"  # line 5: repeats line 2
           "+919845009001,in,Landline,KA,,\n"  # line 6: a mobile number
           "+918048339005,in,Landline,ZZ,,\n"  # line 7
           "+918048339006,in,Landline,KA,maybe,\n"  # line 8
           "+918048339007,in,Landline,KA,,-1\n"  # line 9
           "+918048332510,in,Landline,KA,,\n"  # line 10: already in the pool
           ",in,Landline,KA,,\n"  # line 11
           "+918048339008,in,Landline,KA,,,surplus\n")  # line 12
    before = count_numbers(db)
    result = exopool("numbers", "import", str(write(tmp_path, "bad.csv", bad)))
    assert result.exit_code == 1
    lines = [line for line in result.stdout.splitlines() if line.startswith("line ")]
    assert lines == [
        "line 3: phone_number '+91804833' is not a valid phone number",
        "line 4: cluster 'eu' is not one of sg, in",
        "line 5: +918048339001 repeats line 2",
        "line 6: +919845009001 is not a Landline number",
        "line 7: region 'ZZ' is not an Indian telecom circle",
        "line 8: sms must be true or false, not 'maybe'",
        "line 9: rental_price must be a non-negative amount with at most six decimals, not '-1'",
        "line 10: +918048332510 is already in the database",
        "line 11: missing phone_number",
        "line 12: more values than the header has columns",
    ]
    assert "10 invalid row(s); nothing was imported" in result.stderr
    assert count_numbers(db) == before


def test_a_bad_row_names_every_reason_and_a_missing_column_as_missing(  # type: ignore[no-untyped-def]
    exopool, tmp_path: Path, db: Database,
) -> None:
    no_region = "phone_number,cluster,type\n+918048339001,in,Landline\n"
    result = exopool("numbers", "import", str(write(tmp_path, "no-region.csv", no_region)))
    assert result.exit_code == 1
    assert "line 2: region is missing: the file has no region column, and an Indian number needs its telecom circle" \
        in result.stdout and "'IN'" not in result.stdout
    several = "phone_number,cluster,type,region,sms,currency\n+918048339001,eu,Landline,ZZ,maybe,rupees\n"
    result = exopool("numbers", "import", str(write(tmp_path, "several.csv", several)))
    assert result.exit_code == 1
    assert ("line 2: cluster 'eu' is not one of sg, in; region 'ZZ' is not an Indian telecom circle; "
            "sms must be true or false, not 'maybe'; currency 'RUPEES' is not a three-letter code") in result.stdout
    assert count_numbers(db) == 0


def test_numbers_import_rejects_a_header_it_cannot_use(exopool, tmp_path: Path, db: Database) -> None:  # type: ignore[no-untyped-def]
    cases = {
        "phone_number,cluster,type,colour,size\n+918048339001,in,Landline,red,1\n":
            "unknown column(s): colour, size; the columns are phone_number, cluster, type, region",
        "phone_number,type\n+918048339001,Landline\n": "missing required column(s): cluster",
        "": "the file is empty",
    }
    for content, message in cases.items():
        result = exopool("numbers", "import", str(write(tmp_path, "header.csv", content)))
        assert result.exit_code == 1 and message in result.stderr, result.output
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("phone_number,cluster,type,region\n+918048339001,in,Landline,KA,Bengalur\xfa\n".encode("latin-1"))
    result = exopool("numbers", "import", str(latin1))
    assert result.exit_code == 1 and "latin1.csv is not a UTF-8 CSV file" in result.stderr
    assert count_numbers(db) == 0


def test_numbers_import_reads_header_names_in_any_case_and_spacing(  # type: ignore[no-untyped-def]
    exopool, tmp_path: Path, db: Database,
) -> None:
    result = exopool("numbers", "import", str(write(tmp_path, "p.csv", " Phone_Number ,CLUSTER,Type,Region\n"
                                                                  "+918048339001,in,Landline,KA\n")))
    assert result.exit_code == 0, result.output
    assert count_numbers(db) == 1


def test_numbers_import_shows_a_progress_bar_on_a_terminal(settings: Settings, tmp_path: Path) -> None:
    rows = "".join(f"+9180483{i:05d},in,Landline,KA\n" for i in range(2000))
    path = write(tmp_path, "large.csv", "phone_number,cluster,type,region\n" + rows)
    done = subprocess.run([sys.executable, "-m", "exopool", "numbers", "import", str(path)],
                          env=subprocess_env(settings, FORCE_COLOR="1", COLUMNS="100"),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "checking and importing" in done.stdout and "100%" in done.stdout
    assert "imported" in done.stdout and "2000" in done.stdout  # and `python -m exopool` runs as a program


def test_numbers_list_filters_by_cluster_state_and_account(  # type: ignore[no-untyped-def]
    exopool, http: httpx.Client, alice: Persona, bob: Persona,
) -> None:
    bought_sid(http, alice)
    bought_sid(http, bob, "+918048332520")

    def listed(*args: str) -> list[str]:
        result = exopool("numbers", "list", "--limit", "1000", *args)
        assert result.exit_code == 0, result.output
        return [line.split()[1] for line in result.output.splitlines() if line.startswith("│ +")]

    everything = listed()
    assert len(everything) == 165 and everything == sorted(everything)
    sg = listed("--cluster", "sg")
    assert len(sg) == 80 and "+911141110000" in sg and "+918048332510" not in sg
    assert listed("--state", "active") == ["+918048332510", "+918048332520"]
    assert listed("--account", "alice") == ["+918048332510"]
    assert listed("--cluster", "in", "--state", "active", "--account", "bob") == ["+918048332520"]
    assert listed("--cluster", "sg", "--state", "active") == []
    assert len(listed("--state", "available", "--cluster", "in")) == 83
    assert len(listed("--limit", "3")) == 3


def test_db_upgrade_creates_the_schema_in_an_empty_database(tmp_path: Path, settings: Settings) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    result = CliRunner().invoke(main, ["db", "upgrade"], env={**env_of(settings), "EXOPOOL_DATABASE_URL": url})
    assert result.exit_code == 0 and "applied 0001: initial schema" in result.output
    assert "migrations applied now" in result.output.splitlines()[-1]
    again = CliRunner().invoke(main, ["db", "upgrade"], env={**env_of(settings), "EXOPOOL_DATABASE_URL": url})
    assert again.exit_code == 0 and again.output.strip().endswith("nothing to apply")
    engine = create_engine(url)
    try:
        tables = set(inspect(engine).get_table_names())
        with engine.connect() as conn:
            version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()
    assert {"accounts", "api_keys", "phone_numbers", "events", "release_jobs", PhoneNumber.__tablename__} <= tables
    from alembic.script import ScriptDirectory

    assert version == ScriptDirectory.from_config(alembic_config(create_engine(url))).get_current_head()


def every_command(group: click.Group, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield prefix
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from every_command(command, (*prefix, name))
        else:
            yield (*prefix, name)


@pytest.mark.parametrize(("args", "says"), [
    (("serve", "--port", "99999"), "99999 is not in the range 1<=x<=65535"),
    (("serve", "--port", "0"), "0 is not in the range 1<=x<=65535"),
    (("serve", "--workers", "0"), "0 is not in the range x>=1"),
    (("releases", "list", "--limit", "-5"), "-5 is not in the range x>=1"),
    (("numbers", "list", "--limit", "0"), "0 is not in the range x>=1"),
])
def test_numbers_out_of_range_are_refused_before_anything_runs(exopool, args: tuple[str, ...], says: str) -> None:  # type: ignore[no-untyped-def]
    refused = exopool(*args)
    assert refused.exit_code == 2 and says in refused.output, refused.output


def test_every_command_has_help_text(exopool) -> None:  # type: ignore[no-untyped-def]
    commands = list(every_command(main))
    assert {("serve",), ("db", "upgrade"), ("accounts", "create"), ("accounts", "list"), ("api-keys", "create"),
            ("api-keys", "revoke"), ("numbers", "import"), ("numbers", "list")} <= set(commands)
    for path in commands:
        result = exopool(*path, "--help")
        assert result.exit_code == 0, path
        described = result.output.split("Options:")[0].split("\n", 1)[1].strip()
        assert len(described) > 10, (path, result.output)


def test_no_command_list_cuts_a_help_text_mid_sentence() -> None:
    for path in every_command(main):
        command: click.Command = main
        for name in path:
            assert isinstance(command, click.Group)
            command = command.commands[name]
        if isinstance(command, click.Group):
            limit = 80 - 6 - max(map(len, command.commands))  # what click leaves on an 80-column terminal
            for name, sub in command.commands.items():
                short = sub.get_short_help_str(limit=limit)
                assert short.endswith(".") and not short.endswith(("...", "e.g.")), \
                    f"exopool {' '.join(path)} {name}: {short}"
