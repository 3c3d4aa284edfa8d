"""The pytest plugin, loaded with -p as an installed exopool loads it through its pytest11 entry point."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "examples" / "test_buy_number.py"


@pytest.fixture
def run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")  # only the plugin under test, however installed

    def run_tests(*args: str) -> pytest.RunResult:
        return pytester.runpytest_inprocess("-p", "exopool.testing.plugin", "-p", "no:cacheprovider", *args)

    return run_tests


def test_pyproject_declares_the_pytest11_entry_point() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["entry-points"]["pytest11"] == {"exopool": "exopool.testing.plugin"}


def test_fixture_serves_the_documented_example_a_marker_seed_and_the_control_methods(  # type: ignore[no-untyped-def]
    pytester: pytest.Pytester, run,
) -> None:
    # One inner session for all of these: each inner session migrates its own template database.
    pytester.makepyfile(test_example=EXAMPLE.read_text(), test_marker=MARKER_TESTS, test_control=CONTROL_TESTS)
    examples = len([line for line in EXAMPLE.read_text().splitlines() if line.startswith("def test_")])
    run("-q").assert_outcomes(passed=examples + 3 + 1)


MARKER_TESTS = '''
import pytest

SEED = {
    "accounts": [{"sid": "acme", "cluster": "in", "api_keys": [{"key": "acme_key", "token": "acme_token"}]}],
    "pool": [{"phone_number": "+918048332500", "cluster": "in", "type": "Landline", "region": "KA", "count": 2}],
}

@pytest.mark.exopool_seed(SEED)
@pytest.mark.parametrize("round", [1, 2])
def test_buy_then_find_it_in_the_journal(exopool_sandbox, round):
    assert exopool_sandbox.account.sid == "acme" and exopool_sandbox.account.auth == ("acme_key", "acme_token")
    with exopool_sandbox.client() as client:
        assert client.get("/v2_beta/Accounts/acme/IncomingPhoneNumbers").json()["incoming_phone_numbers"] == []
        assert client.post("/v2_beta/Accounts/acme/IncomingPhoneNumbers",
                           data={"PhoneNumber": "+918048332500"}).status_code == 200
    [entry] = exopool_sandbox.requests(method="POST")
    assert entry["api_key"] == "acme_key" and "acme_token" not in str(entry)

def test_default_seed_is_the_demo_data(exopool_sandbox):
    assert set(exopool_sandbox.accounts) == {"demo_in", "demo_sg"}
    with exopool_sandbox.client("demo_sg") as client:
        assert client.get("/v2_beta/Accounts/demo_sg/IncomingPhoneNumbers").status_code == 200
'''

CONTROL_TESTS = '''
def test_control_methods(exopool_sandbox):
    sandbox = exopool_sandbox
    numbers = "/v2_beta/Accounts/demo_in/IncomingPhoneNumbers"
    sandbox.add_fault(action="error", status=503, count=1)
    with sandbox.client() as client:
        assert client.get(numbers).status_code == 503
        assert client.get(numbers).status_code == 200
        sandbox.release_timing("manual")
        sid = client.get(numbers).json()["incoming_phone_numbers"][0]["sid"]
        assert client.delete(f"{numbers}/{sid}").status_code == 202
    assert sandbox.complete_release(sid)["state"] == "done"
    before = sandbox.now()
    assert sandbox.advance(days=1) > before
    assert len(sandbox.requests()) == 4
    sandbox.clear_requests()
    assert sandbox.requests() == []
    sandbox.reset()
    assert sandbox.faults() == []
'''


def test_fixture_override_chooses_the_seed_from_a_yaml_file(pytester: pytest.Pytester, run) -> None:  # type: ignore[no-untyped-def]
    pytester.makefile(".yaml", seed='''
accounts:
  - {sid: yak, cluster: sg, api_keys: [{key: yak_key, token: yak_token}]}
''')
    pytester.makeconftest('''
import pathlib, pytest

@pytest.fixture
def exopool_seed():
    return pathlib.Path(__file__).parent / "seed.yaml"
''')
    pytester.makepyfile(test_yaml='''
def test_yak(exopool_sandbox):
    assert exopool_sandbox.account.host == "api.exotel.com"
    with exopool_sandbox.client() as client:
        assert client.get("/v2_beta/Accounts/yak/IncomingPhoneNumbers").status_code == 200
''')
    run("-q").assert_outcomes(passed=1)
