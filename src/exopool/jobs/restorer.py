"""Restore a released number: take its job from the release pipeline, ask the carrier, give it back.

The steps are services.restores'; this runs them in their order, each in its own transaction,
with the carrier called between them outside any. Every edge restores through it: the API (whose
last step keeps the Idempotency-Key's answer), the dashboard and the CLI.
"""

from __future__ import annotations

import logging
import time
import uuid

from exopool.carriers import Carrier, CarrierError
from exopool.clock import Clock
from exopool.config import Settings
from exopool.db import Database
from exopool.entities import Actor, Number
from exopool.errors import CarrierRefused, NumberNotRestorable, RestoreBusy
from exopool.services.restores import Taken, give_back_restore, restore_phone_number, take_restore

log = logging.getLogger("exopool.restore")
WAIT_S = 15.0  # how long a restore waits for a release's carrier call in flight before it answers busy
POLL_S = 0.05


def new_holder() -> str:
    """The name a restore holds a release job under (as a worker does)."""
    return f"restore:{uuid.uuid4().hex}"


class Restorer:
    def __init__(self, db: Database, settings: Settings, carrier: Carrier, clock: Clock,
                 wait_s: float = WAIT_S) -> None:
        self.db, self.settings, self.carrier, self.clock, self.wait_s = db, settings, carrier, clock, wait_s

    def prepare(self, actor: Actor, sid: str, holder: str) -> None:
        """Take the number's release job for holder, and have the carrier provision the number again if it
        may have de-provisioned it. Not restorable: nothing to do here; the last step says why."""
        try:
            taken = self._take(actor, sid, holder)
        except NumberNotRestorable:
            return
        if taken.order is None:
            return
        try:
            self.carrier.reprovision(taken.order)
        except CarrierError as error:
            self.give_back(holder)
            raise CarrierRefused(sid, str(error)) from error
        except Exception as error:  # a broken adapter is the carrier's failure, not the restore's crash
            log.exception("restore of %s: carrier adapter crashed", sid, extra={"release_sid": taken.order.release_sid})
            self.give_back(holder)
            raise CarrierRefused(sid, f"carrier adapter error: {type(error).__name__}") from error

    def _take(self, actor: Actor, sid: str, holder: str) -> Taken:
        """Take the job, waiting while a carrier call is in flight; RestoreBusy past the wait."""
        deadline = time.monotonic() + self.wait_s
        while True:
            taken = self.db.transact(take_restore, self.clock.now(), actor, sid, self.settings.restore_window,
                                     holder, self.settings.release_lease_s)
            if not taken.busy:
                return taken
            if time.monotonic() > deadline:
                raise RestoreBusy(sid)
            time.sleep(POLL_S)

    def give_back(self, holder: str) -> None:
        """Hand an unfinished restore's job back to the release pipeline (nothing once it finished)."""
        self.db.transact(give_back_restore, self.clock.now(), holder)

    def restore_phone_number(self, actor: Actor, sid: str) -> Number:
        """Every step in turn, on this thread: for the dashboard and the CLI."""
        holder = new_holder()
        try:
            self.prepare(actor, sid, holder)
            return self.db.transact(restore_phone_number, self.clock, actor, sid, self.settings.restore_window,
                                    holder)
        finally:
            self.give_back(holder)
