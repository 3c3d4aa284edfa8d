"""The signature check in docs/lifecycle.md runs, and accepts what the webhook carrier signs."""

from __future__ import annotations

import re
from pathlib import Path

from exopool.carriers.webhook import sign

DOC = Path(__file__).resolve().parents[2] / "docs" / "lifecycle.md"


def test_the_documented_verification_accepts_the_webhook_carriers_signature() -> None:
    [snippet] = [block for block in re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S) if "def verify" in block]
    namespace: dict[str, object] = {}
    exec(compile(snippet, str(DOC), "exec"), namespace)
    verify = namespace["verify"]
    timestamp, body = "1767225600", b'{"type":"number.deprovision"}'
    assert verify("s3cret", timestamp, sign("s3cret", timestamp, body), body, tolerance_s=10**10)  # type: ignore[operator]
    assert not verify("other", timestamp, sign("s3cret", timestamp, body), body, tolerance_s=10**10)  # type: ignore[operator]
