"""Local TLS: a client calling https://KEY:TOKEN@api.in.exotel.com/... reaches exopool unchanged.

Only name resolution is pointed at this machine (curl --connect-to keeps the URL, the Host header
and the TLS server name exactly as written) and the local CA is trusted (--cacert).
"""

from __future__ import annotations

import json
import shutil
import stat
import subprocess
from pathlib import Path

from click.testing import CliRunner
from cryptography import x509

from exopool.cli import main
from exopool.config import Settings
from exopool.sandbox.tls import HOSTS, ensure_certificates, tls_files, trust_instructions
from tests.conftest import ServerProcess

SEED = {
    "accounts": [
        {"sid": "mum", "cluster": "in", "api_keys": [{"key": "mum_key", "token": "mum_token"}],
         "numbers": ["+918048332500"]},
        {"sid": "sin", "cluster": "sg", "api_keys": [{"key": "sin_key", "token": "sin_token"}]},
    ],
    "pool": [{"phone_number": "+918048332500", "cluster": "in", "type": "Landline", "region": "KA", "count": 2}],
}


def test_certificates_are_created_once_for_the_exotel_hosts(tmp_path: Path) -> None:
    first = ensure_certificates(tmp_path)
    contents = [p.read_bytes() for p in (first.ca_cert, first.cert, first.key)]
    again = ensure_certificates(tmp_path)
    assert [p.read_bytes() for p in (again.ca_cert, again.cert, again.key)] == contents
    cert = x509.load_pem_x509_certificate(first.cert.read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert set(names.get_values_for_type(x509.DNSName)) == set(HOSTS[:3])
    assert [str(ip) for ip in names.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
    assert stat.S_IMODE(first.key.stat().st_mode) == 0o600


def test_trust_instructions_name_the_ca_for_each_client_and_the_hosts_line(tmp_path: Path) -> None:
    text = trust_instructions(tls_files(tmp_path), 443)
    ca = str(tls_files(tmp_path).ca_cert.resolve())
    for variable in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "NODE_EXTRA_CA_CERTS"):
        assert f"export {variable}={ca}" in text
    assert "127.0.0.1 api.exotel.com api.in.exotel.com" in text


def curl(port: int, ca: Path | None, url: str) -> tuple[int, str]:
    """curl as a client would run it, with only the connection redirected to 127.0.0.1:port."""
    args = ["curl", "-sS", "-o", "-", "-w", "\n%{http_code}", "--max-time", "10",
            "--connect-to", f"api.in.exotel.com:443:127.0.0.1:{port}",
            "--connect-to", f"api.exotel.com:443:127.0.0.1:{port}", url]
    if ca is not None:
        args[1:1] = ["--cacert", str(ca)]
    done = subprocess.run(args, capture_output=True, text=True, timeout=20)
    body, _, status = done.stdout.rpartition("\n")
    return int(status or 0), body


def test_https_client_with_exotel_url_reaches_the_mumbai_cluster(settings: Settings, tmp_path: Path) -> None:
    assert shutil.which("curl"), "curl is needed for the end-to-end TLS test"
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps(SEED))
    with ServerProcess(settings, "--sandbox", "--tls", "--seed", str(seed)) as server:
        ca = tls_files(settings.data_dir).ca_cert
        mumbai = "https://mum_key:mum_token@api.in.exotel.com/v2_beta/Accounts/mum/IncomingPhoneNumbers"
        status, body = curl(server.port, ca, mumbai)
        assert status == 200, body
        assert [n["phone_number"] for n in json.loads(body)["incoming_phone_numbers"]] == ["+918048332500"]
        singapore_on_mumbai = "https://sin_key:sin_token@api.in.exotel.com/v2_beta/Accounts/sin/IncomingPhoneNumbers"
        assert curl(server.port, ca, singapore_on_mumbai)[0] == 401
        singapore = "https://sin_key:sin_token@api.exotel.com/v2_beta/Accounts/sin/IncomingPhoneNumbers"
        assert curl(server.port, ca, singapore)[0] == 200
        assert curl(server.port, None, mumbai)[0] == 0  # without trusting the CA, the handshake fails


def test_serve_checks_the_seed_and_the_sandbox_options_before_starting(tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text("{}")
    # serve writes its options into the environment; naming them here makes the runner restore them.
    env = {"EXOPOOL_DATA_DIR": str(tmp_path / "data"), "EXOPOOL_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
           "EXOPOOL_SANDBOX": None, "EXOPOOL_SANDBOX_SEED": None, "EXOPOOL_SECRET_KEY": None}
    runner = CliRunner()
    assert "--seed needs sandbox mode" in runner.invoke(main, ["serve", "--seed", str(seed)], env=env).output
    both = runner.invoke(main, ["serve", "--sandbox", "--seed", str(seed), "--demo"], env=env)
    assert both.exit_code == 2 and "one of --seed and --demo" in both.output
    many = runner.invoke(main, ["serve", "--sandbox", "--workers", "2"], env=env)
    assert many.exit_code == 2 and "--workers 1" in many.output
    seed.write_text('{"accounts": [{"sid": "x"}]}')
    bad = runner.invoke(main, ["serve", "--sandbox", "--seed", str(seed)], env=env)
    assert bad.exit_code == 1 and "accounts[0].cluster: required" in bad.output
