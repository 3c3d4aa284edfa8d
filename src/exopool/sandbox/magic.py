"""Magic numbers: buying one answers with a chosen outcome, so clients can test their error paths.

Each outcome has one number per cluster; the last three digits name the outcome. They sit in
every sandbox pool, so searches find them, and a purchase of one (through the API or the
dashboard) is refused with its outcome, after the credentials were checked as for any purchase.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from exopool import errors

PREFIXES = {"in": "+918040000", "sg": "+911140000"}  # Bangalore and Delhi landline ranges
RELEASE_FAILS = "555"
RETRY_AFTER_S = 30


@dataclass(frozen=True)
class Outcome:
    suffix: str
    summary: str
    error: Callable[[str], errors.ExopoolError] | None


def _rate_limited(number: str) -> errors.ExopoolError:
    return errors.RateLimited(f"Too many purchases: retry {number} after {RETRY_AFTER_S} seconds",
                              retry_after_s=RETRY_AFTER_S, limit=10, reset_s=RETRY_AFTER_S)


OUTCOMES = (
    Outcome("400", "400 not available", lambda n: errors.NumberNotAvailable(n, _cluster_of(n))),
    Outcome("402", "402 insufficient balance", lambda n: errors.PaymentRequired(
        f"The account balance is too low to buy {n}: recharge and retry")),
    Outcome("403", "403 KYC pending", lambda n: errors.Forbidden(
        f"KYC verification of this account is pending: {n} cannot be bought until it is approved")),
    Outcome("409", "409 already taken",
            lambda n: errors.Conflict(f"PhoneNumber {n} was just taken by another account")),
    Outcome("429", "429 rate limited, Retry-After: 30", _rate_limited),
    Outcome("500", "500 server error", lambda n: errors.InternalError()),
    Outcome(RELEASE_FAILS, "purchase succeeds; its release fails at the carrier until retried", None),
)


def magic_number(cluster: str, suffix: str) -> str:
    return f"{PREFIXES[cluster]}{suffix}"


MAGIC = {magic_number(cluster, o.suffix): o for cluster in PREFIXES for o in OUTCOMES}
FAILING_RELEASES = frozenset(n for n, o in MAGIC.items() if o.suffix == RELEASE_FAILS)


def refuse_purchase(e164: str) -> None:
    """Raise the error a purchase of this number answers with, if it is a magic number that fails."""
    outcome = MAGIC.get(e164)
    if outcome is not None and outcome.error is not None:
        raise outcome.error(e164)


def pool_rows() -> list[dict[str, str]]:
    """The magic numbers as pool rows, for every sandbox seed."""
    return [{"phone_number": number, "cluster": cluster, "type": "Landline",
             "region": "KA" if cluster == "in" else "DL", "rental_price": "499", "one_time_price": "999",
             "incoming_rate": "0.5"}
            for cluster in PREFIXES for number in (magic_number(cluster, o.suffix) for o in OUTCOMES)]


def table() -> list[dict[str, str]]:
    """The magic numbers as the control plane lists them."""
    return [{"phone_number": number, "cluster": cluster, "outcome": outcome.summary}
            for number, outcome in MAGIC.items() for cluster in [_cluster_of(number)]]


def _cluster_of(number: str) -> str:
    return next(cluster for cluster, prefix in PREFIXES.items() if number.startswith(prefix))
