"""What a unit of work may ask of its transaction: something done after it commits, and a memo.

A unit is `work(conn, *args)`, run by `Database.run` or `Database.transact` in a transaction.
Group commit may run a unit twice (see group_commit), so a unit changes nothing but the database
itself; whatever else must happen once it has committed (waking a worker, say) it hands to
`after_commit`, which runs it once, after the commit that holds the unit's writes, and never for
a unit whose writes were rolled back.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, exc

log = logging.getLogger("exopool.db")
_HOOKS = "exopool.after_commit"
_MEMO = "exopool.memo"
_NOTIFIER = "exopool.notifier"


def after_commit(conn: Connection, callback: Callable[[], None]) -> None:
    """Call callback once the transaction conn is in has committed; not at all if it rolls back."""
    hooks_of(conn).append(callback)


def notify(conn: Connection, topic: str) -> None:
    """Tell this process's subscribers of topic, once the transaction has committed (see Notifier)."""
    info = conn.info
    notifier: Notifier | None = info.get(_NOTIFIER)
    if notifier is not None:
        info.setdefault(_HOOKS, []).append(notifier.publisher(topic))


def transaction_memo(conn: Connection) -> dict[Any, Any]:
    """A dict that lives as long as conn's current transaction: what one transaction may reuse.

    Rows read in a transaction cannot change under it, so a batch of units sharing it may keep
    what one of them looked up. A new transaction (a new object) starts with an empty memo.
    """
    transaction = conn.get_transaction()
    if transaction is None:
        return {}
    held = conn.info.get(_MEMO)
    if held is None or held[0] is not transaction:
        held = conn.info[_MEMO] = (transaction, {})
    memo: dict[Any, Any] = held[1]
    return memo


class Notifier:
    """Topics that threads wait on: a unit's `notify` sets every event subscribed to its topic."""

    def __init__(self) -> None:
        self._events: dict[str, list[threading.Event]] = {}
        self._publishers: dict[str, Callable[[], None]] = {}
        self._lock = threading.Lock()

    def subscribe(self, topic: str) -> threading.Event:
        event = threading.Event()
        with self._lock:
            self._events.setdefault(topic, []).append(event)
        return event

    def publisher(self, topic: str) -> Callable[[], None]:
        """publish(topic), as a hook; one per topic, made once (notify runs on every release)."""
        found = self._publishers.get(topic)
        if found is None:
            found = self._publishers[topic] = functools.partial(self.publish, topic)
        return found

    def publish(self, topic: str) -> None:
        with self._lock:
            events = list(self._events.get(topic, ()))
        for event in events:
            if not event.is_set():  # set() takes a lock even when the event is set already
                event.set()


# The parts of a transaction's life that Database and GroupCommit drive.

def attach_notifier(info: dict[str, Any], notifier: Notifier) -> None:
    """Give a new driver connection (its info dict) the notifier of the database it belongs to."""
    info[_NOTIFIER] = notifier


def hooks_of(conn: Connection) -> list[Callable[[], None]]:
    """The transaction's hooks so far, as a list its driver may cut back (group commit drops a failed
    unit's hooks by truncating it to where the unit began)."""
    hooks: list[Callable[[], None]] = conn.info.setdefault(_HOOKS, [])
    return hooks


def take_hooks(conn: Connection) -> list[Callable[[], None]]:
    """The transaction's hooks, which it no longer holds: to run after its commit, or to forget."""
    try:
        info = conn.info
    except exc.SQLAlchemyError:  # a connection lost with its transaction: nothing of it will run
        return []
    hooks: list[Callable[[], None]] = info.pop(_HOOKS, None) or []
    return hooks


def run_hooks(hooks: list[Callable[[], None]]) -> None:
    """Each hook in turn; one that fails is logged, and the others still run."""
    for hook in hooks:
        try:
            hook()
        except Exception:
            log.exception("an after-commit hook failed")
