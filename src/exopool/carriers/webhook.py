"""The webhook carrier: an operator's HTTP endpoint does the de-provisioning.

Each attempt is a signed JSON POST; a 2xx answer confirms, anything else (or no answer in
time) is a failed attempt, retried with back-off. The body names the release sid, which stays
the same across attempts, so the receiver can recognise a repeat and not act twice. A restore
asks for the number back with a `number.reprovision` POST naming the same release sid: after it,
a release of the number is a new one, even under that sid.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import httpx

from exopool.carriers import CarrierError, ReleaseOrder, RestoreOrder

TIMESTAMP_HEADER = "X-Exopool-Timestamp"
SIGNATURE_HEADER = "X-Exopool-Signature"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 over timestamp + "." + body, as the signature header carries it."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def payload(order: ReleaseOrder) -> bytes:
    return json.dumps({
        "type": "number.deprovision", "release_sid": order.release_sid,
        "phone_number": order.phone_number, "attempt": order.attempt,
    }, separators=(",", ":")).encode()


def restore_payload(order: RestoreOrder) -> bytes:
    return json.dumps({"type": "number.reprovision", "release_sid": order.release_sid,
                       "phone_number": order.phone_number}, separators=(",", ":")).encode()


class WebhookCarrier:
    def __init__(self, url: str, secret: str, timeout_s: float = 5.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.url, self.secret = url, secret
        self.client = httpx.Client(timeout=timeout_s, transport=transport)

    def deprovision(self, order: ReleaseOrder) -> None:
        self._send(payload(order))

    def reprovision(self, order: RestoreOrder) -> None:
        self._send(restore_payload(order))

    def _send(self, body: bytes) -> None:
        """POST body signed; a CarrierError unless the receiver answered 2xx in time."""
        timestamp = str(int(time.time()))
        headers = {"Content-Type": "application/json", TIMESTAMP_HEADER: timestamp,
                   SIGNATURE_HEADER: sign(self.secret, timestamp, body)}
        try:
            response = self.client.post(self.url, content=body, headers=headers)
        except httpx.TimeoutException as error:
            raise CarrierError(f"webhook timed out: {type(error).__name__}") from error
        except httpx.HTTPError as error:
            raise CarrierError(f"webhook unreachable: {error}") from error
        if not response.is_success:
            raise CarrierError(f"webhook answered {response.status_code}")
