"""The server bounds the head of a request: a request line and headers past the limit are a 431 and a
closed connection, however slowly they arrive, and a request within it is served as ever."""

from __future__ import annotations

import socket

import httpx

from exopool.config import Settings
from tests.conftest import Persona, ServerThread


def answer_to(server: ServerThread, *chunks: bytes) -> bytes:
    """Send chunks on one connection, then read until the server closes it (or 5 s pass)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        try:
            for chunk in chunks:
                sock.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server stopped reading: what it answered is still to read
        received = b""
        try:
            while part := sock.recv(65536):
                received += part
        except (TimeoutError, ConnectionResetError):
            pass
    return received


def test_a_header_that_never_ends_is_cut_off_at_the_limit(server: ServerThread) -> None:
    limit = Settings().max_header_bytes  # the default, as no setting changes it here
    chunks = [b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Long: "] + [b"a" * 16384] * (limit // 16384 + 64)
    answered = answer_to(server, *chunks)
    assert answered.startswith(b"HTTP/1.1 431 ") and b"too large" in answered


def test_a_whole_head_over_the_limit_is_a_431(server: ServerThread) -> None:
    limit = Settings().max_header_bytes  # the default, as no setting changes it here
    answered = answer_to(server, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Long: " + b"a" * limit + b"\r\n\r\n")
    assert answered.startswith(b"HTTP/1.1 431 ")


def test_a_head_within_the_limit_and_a_body_in_the_same_packet_are_served(
    server: ServerThread, alice: Persona,
) -> None:
    with httpx.Client(base_url=server.url, headers={"Host": "api.in.exotel.com"}) as client:
        big = client.post(f"/v2_beta/Accounts/{alice.sid}/IncomingPhoneNumbers", auth=alice.auth,
                          headers={"X-Padding": "p" * 16000}, data={"PhoneNumber": "+918048332510", "Pad": "x" * 50000})
        assert big.status_code == 200, big.text
        for _ in range(3):  # later requests on the same connection are measured afresh
            assert client.get("/healthz", headers={"X-Padding": "p" * 16000}).status_code == 200
