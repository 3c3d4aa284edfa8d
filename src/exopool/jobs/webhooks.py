"""Claim due webhook deliveries, sign and send them outside any transaction, then record the answer."""

from __future__ import annotations

import logging
import random
import threading
import time
from datetime import UTC, datetime

from cryptography.fernet import InvalidToken
from standardwebhooks import Webhook

from exopool.backoff import Backoff
from exopool.clock import Clock
from exopool.config import Settings
from exopool.db import Database
from exopool.jobs.polling import PollingWorker
from exopool.jobs.worker import worker_name
from exopool.senders import Answer, HttpxSender, Sender
from exopool.services.deliveries import (
    WEBHOOK_QUEUED,
    Outgoing,
    Sent,
    claim_deliveries,
    record_attempt,
    unclaim_deliveries,
)
from exopool.services.webhooks import unseal

log = logging.getLogger("exopool.webhooks")
LEASE_MARGIN_S = 5.0  # a lease outlasts the receiver's timeout by this much


def signed_headers(secret: str, message_id: str, sent_at: datetime, body: bytes) -> dict[str, str]:
    """The Standard Webhooks headers of one attempt: the same id at every attempt, a fresh timestamp."""
    signature = Webhook(secret).sign(message_id, sent_at, body)
    return {"content-type": "application/json", "webhook-id": message_id,
            "webhook-timestamp": str(int(sent_at.timestamp())), "webhook-signature": signature}


class DeliveryWorker(PollingWorker):
    """Sends webhook deliveries until told to stop; a stop lets the delivery in hand finish.

    Woken by every delivery this process queues (db.notify), and looking for due deliveries
    every worker_poll_s otherwise. Schedules follow the app's clock (the sandbox's, which moves);
    the signature's timestamp is the wall clock's, which receivers compare with their own.
    """

    what = "webhook worker"

    def __init__(self, db: Database, settings: Settings, clock: Clock, sender: Sender | None = None,
                 rng: random.Random | None = None) -> None:
        self.db, self.settings, self.clock = db, settings, clock
        self.sender = sender or HttpxSender(settings.webhook_delivery_timeout_s)
        self.backoff = Backoff(2**31, settings.webhook_backoff_base_s, settings.webhook_backoff_max_s)
        self.lease_s = settings.webhook_delivery_timeout_s + LEASE_MARGIN_S
        self.rng = rng or random.Random()
        self.name = worker_name()
        self.stopping = threading.Event()
        self.wake = db.notifier.subscribe(WEBHOOK_QUEUED)

    def run_once(self) -> int:
        """Claim and send one batch; how many deliveries it claimed."""
        batch = self.db.transact(claim_deliveries, self.clock.now(), self.name, self.lease_s,
                                 self.settings.worker_batch)
        for index, delivery in enumerate(batch):
            if self.stopping.is_set():
                self.db.transact(unclaim_deliveries, self.clock.now(), batch[index:])
                break
            self.deliver(delivery)
        return len(batch)

    def deliver(self, delivery: Outgoing) -> None:
        body = delivery.payload.encode()
        sent_at = datetime.now(UTC)
        try:
            secret = unseal(self.settings.secret_key, delivery.secret_sealed)
        except InvalidToken:  # the instance's secret key changed since the endpoint was made
            self._unsendable(delivery, "the endpoint's secret cannot be read with this instance's secret key")
            return
        headers = signed_headers(secret, delivery.sid, sent_at, body)
        started = time.monotonic()
        try:
            answer = self.sender.send(delivery.url, headers, body)
        except Exception as error:  # a broken sender must cost one attempt, not the worker
            log.exception("webhook %s: sender crashed", delivery.sid)
            answer = Answer(None, None, f"sender error: {type(error).__name__}")
        sent = Sent(headers["webhook-timestamp"], headers["webhook-signature"], answer.status, answer.excerpt,
                    answer.error, int((time.monotonic() - started) * 1000))
        state = self.db.transact(record_attempt, self.clock.now(), delivery, sent, self.backoff,
                                 self.settings.webhook_retry_period_s, self.rng)
        if not sent.succeeded:
            log.info("webhook %s attempt %s to %s failed (%s): %s", delivery.sid, delivery.attempts, delivery.url,
                     state or "stale", answer.error or f"HTTP {answer.status}")

    def _unsendable(self, delivery: Outgoing, why: str) -> None:
        log.error("webhook %s: not sent: %s", delivery.sid, why)
        self.db.transact(record_attempt, self.clock.now(), delivery, Sent("", "", None, None, why, 0), self.backoff,
                         self.settings.webhook_retry_period_s, self.rng)
