"""Local TLS: a certificate authority of this machine and a certificate for Exotel's API hosts.

Both are created once in the data directory and kept, so a CA that clients were told to trust
stays valid across restarts. The CA's private key is not kept: nothing else is ever signed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import trustme

from exopool.files import private_directory

HOSTS = ("api.exotel.com", "api.in.exotel.com", "localhost", "127.0.0.1")


@dataclass(frozen=True)
class TlsFiles:
    ca_cert: Path
    cert: Path
    key: Path


def tls_files(data_dir: str | Path) -> TlsFiles:
    folder = Path(data_dir) / "tls"
    return TlsFiles(folder / "ca.pem", folder / "server.pem", folder / "server-key.pem")


def ensure_certificates(data_dir: str | Path) -> TlsFiles:
    """The CA and server certificate in data_dir/tls, created on first use."""
    files = tls_files(data_dir)
    if all(path.exists() for path in (files.ca_cert, files.cert, files.key)):
        return files
    private_directory(files.ca_cert.parent)
    ca = trustme.CA(organization_name="exopool local CA")
    leaf = ca.issue_cert(*HOSTS, common_name=HOSTS[1], organization_name="exopool")
    files.key.touch(mode=0o600)
    leaf.private_key_pem.write_to_path(str(files.key))
    files.cert.write_bytes(b"".join(blob.bytes() for blob in leaf.cert_chain_pems))
    ca.cert_pem.write_to_path(str(files.ca_cert))
    return files


def trust_instructions(files: TlsFiles, port: int) -> str:
    """How to make clients trust the CA and reach this server under Exotel's host names."""
    ca = files.ca_cert.resolve()
    lines = [
        f"HTTPS with a local CA: {ca}",
        "Trust it (each replaces the default trust store for that program; combine with your CA bundle if needed):",
        f"  export SSL_CERT_FILE={ca}        # Python ssl, httpx, curl built on OpenSSL",
        f"  export REQUESTS_CA_BUNDLE={ca}   # requests",
        f"  export NODE_EXTRA_CA_CERTS={ca}  # Node.js (adds to its trust store)",
        "Point Exotel's host names at this machine (/etc/hosts):",
        "  127.0.0.1 api.exotel.com api.in.exotel.com",
    ]
    if port != 443:
        lines.append(f"Clients call port 443; on port {port}, try first with curl "
                     f"--connect-to api.in.exotel.com:443:127.0.0.1:{port} --cacert {ca} https://KEY:TOKEN@api.in.exotel.com/...")
    return "\n".join(lines)
