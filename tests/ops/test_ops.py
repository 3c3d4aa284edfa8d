"""The operator's endpoints: liveness, readiness, Prometheus metrics, and logs carrying request ids."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from exopool.cli.serve import share_metrics
from exopool.config import Settings
from exopool.ops.metrics import MULTIPROCESS_DIR
from tests.conftest import Persona, ServerProcess
from tests.support import bought_sid


def test_healthz_says_the_process_is_up(http: httpx.Client) -> None:
    response = http.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_200_while_the_database_answers(http: httpx.Client) -> None:
    response = http.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


def test_metrics_count_requests_by_route_template_and_status(http: httpx.Client, alice: Persona) -> None:
    path = f"/v2_beta/Accounts/{alice.sid}/IncomingPhoneNumbers"
    assert http.post(path, data={"PhoneNumber": "+918048332510"}, auth=alice.auth).status_code == 200
    assert http.get(f"{path}/PN-none", auth=alice.auth).status_code == 404
    text = http.get("/metrics").text
    template = "/v2_beta/Accounts/{account_sid}/IncomingPhoneNumbers"
    assert f'exopool_http_requests_total{{method="POST",route="{template}",status="200"}} 1.0' in text
    assert f'exopool_http_requests_total{{method="GET",route="{template}/{{sid}}",status="404"}} 1.0' in text
    assert f'exopool_http_request_duration_seconds_count{{route="{template}"}} 1.0' in text


def test_metrics_report_release_jobs_by_state_and_the_queue_depth(http: httpx.Client, alice: Persona) -> None:
    path = f"/v2_beta/Accounts/{alice.sid}/IncomingPhoneNumbers"
    sid = http.post(path, data={"PhoneNumber": "+918048332510"}, auth=alice.auth).json()["sid"]
    assert http.delete(f"{path}/{sid}", auth=alice.auth).status_code == 202
    text = http.get("/metrics").text
    assert 'exopool_release_jobs{state="queued"} 1.0' in text
    assert "exopool_release_queue_depth 1.0" in text
    assert 'exopool_phone_numbers{state="releasing"} 1.0' in text
    assert "exopool_database_up 1.0" in text


def test_unknown_paths_are_counted_as_unmatched_not_by_their_path(http: httpx.Client) -> None:
    assert http.get("/no/such/thing").status_code == 404
    text = http.get("/metrics").text
    assert 'route="unmatched",status="404"' in text
    assert "/no/such/thing" not in text


def test_log_lines_written_during_a_request_carry_its_id(http: httpx.Client, alice: Persona, caplog) -> None:  # type: ignore[no-untyped-def]
    from exopool.logs import JsonFormatter

    caplog.set_level("INFO")
    response = http.get(f"/v2_beta/Accounts/{alice.sid}/IncomingPhoneNumbers", auth=alice.auth)
    lines = [json.loads(JsonFormatter().format(record)) for record in caplog.records]
    access = [line for line in lines if line["logger"] == "exopool.access"]
    assert access and access[-1]["request_id"] == response.headers["x-request-id"]
    assert access[-1]["status"] == 200 and access[-1]["path"].endswith("/IncomingPhoneNumbers")


def test_a_server_process_writes_one_json_access_line_per_request_with_its_id(
    settings: Settings, alice: Persona,
) -> None:
    with ServerProcess(settings, EXOPOOL_LOG_JSON="true") as server, httpx.Client(base_url=server.url) as http:
        sid = bought_sid(http, alice)
        numbers = f"/v2_beta/Accounts/{alice.sid}/IncomingPhoneNumbers"
        answers = [http.delete(f"{numbers}/{sid}", auth=alice.auth), http.get(f"{numbers}/{sid}", auth=alice.auth),
                   http.get("/nowhere")]
        server.process.terminate()
        output = server.process.communicate(timeout=20)[0].decode()
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    access = {line["request_id"]: line for line in lines if line["logger"] == "exopool.access"}
    assert len(access) == 4  # the purchase and the three above, each once
    for answer in answers:
        line = access[answer.headers["x-request-id"]]
        assert (line["method"], line["path"], line["status"]) == \
            (answer.request.method, answer.request.url.path, answer.status_code)
        assert line["level"] == "info" and line["message"] == "request" and line["time"].endswith("Z")
    assert [answer.status_code for answer in answers] == [202, 404, 404]


def test_with_several_server_processes_every_scrape_counts_the_requests_of_all(
    settings: Settings, alice: Persona,
) -> None:
    template = "/v2_beta/Accounts/{account_sid}/IncomingPhoneNumbers"
    counted = f'exopool_http_requests_total{{method="GET",route="{template}",status="200"}} 40.0'
    with ServerProcess(settings, "--workers", "2", "--no-release-worker") as server:
        for _ in range(40):  # a connection each, so the kernel hands them to both processes
            with httpx.Client(base_url=server.url, headers={"Host": "api.in.exotel.com"}) as client:
                assert client.get(f"/v2_beta/Accounts/{alice.sid}/IncomingPhoneNumbers",
                                  auth=alice.auth).status_code == 200
        scrapes = []
        for _ in range(8):
            with httpx.Client(base_url=server.url) as client:
                scrapes.append(client.get("/metrics").text)
    assert all(counted in text for text in scrapes), [line for line in scrapes[0].splitlines() if "GET" in line]
    assert all("exopool_database_up 1.0" in text for text in scrapes)
    assert (Path(settings.data_dir) / "metrics").is_dir()


def test_shared_metrics_start_from_an_empty_directory_unless_the_operator_chose_one(tmp_path: Path) -> None:
    left = tmp_path / "data" / "metrics" / "counter_123.db"
    left.parent.mkdir(parents=True)
    left.write_bytes(b"counts of an earlier run")
    environ: dict[str, str] = {}
    share_metrics(Settings(data_dir=str(tmp_path / "data")), environ)
    assert environ == {MULTIPROCESS_DIR: str(left.parent.resolve())}
    assert not left.exists()

    chosen = tmp_path / "chosen"
    chosen.mkdir()
    (chosen / "counter_9.db").write_bytes(b"the operator's")
    environ = {MULTIPROCESS_DIR: str(chosen)}
    share_metrics(Settings(data_dir=str(tmp_path / "data")), environ)
    assert environ == {MULTIPROCESS_DIR: str(chosen)} and (chosen / "counter_9.db").exists()

    missing = tmp_path / "not" / "yet"  # prometheus_client refuses to read a directory that is not there
    share_metrics(Settings(data_dir=str(tmp_path / "data")), {MULTIPROCESS_DIR: str(missing)})
    assert missing.is_dir()
