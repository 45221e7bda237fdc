"""Working through the outbox: claim due deliveries, send them in batches, record what happened.

Claiming marks a delivery `sending` with a lease (its next attempt moves to the end of the lease) inside a
short transaction that skips rows another dispatcher holds, so two dispatchers never send the same delivery.
If a dispatcher dies after sending and before recording, the lease runs out and the delivery is sent again:
destinations deduplicate on the evidence id, so nothing is lost and nothing is duplicated.
"""

from __future__ import annotations

import logging
import random
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from sync.data import DispatchReport, State
from sync.destinations import configured
from sync.models import Delivery, Evidence

logger = logging.getLogger(__name__)
ABANDONED = "gave up: every attempt ended with its dispatcher stopping before it could record the outcome"


def after_commit(evidence_ids: list[UUID]) -> None:
    """Called once the recording transaction committed: deliver now, hand over to Celery, or leave it for later."""
    mode = settings.TOSCA_SYNC_DISPATCH
    if mode == "inline":
        try:
            deliver_due(evidence_ids=evidence_ids)
        except Exception:
            logger.exception("in-process delivery of %s failed; it stays due", evidence_ids)
    elif mode == "celery":
        from sync import tasks

        try:
            tasks.deliver_evidence.delay([str(evidence_id) for evidence_id in evidence_ids])
        except Exception:
            logger.exception("could not queue the delivery of %s; the periodic sweep will deliver it", evidence_ids)


def deliver_due(
    *, limit: int | None = None, destination: str | None = None, evidence_ids: Iterable[UUID] | None = None
) -> DispatchReport:
    """Deliver what is due, batch after batch, until nothing is due (or `limit` deliveries were tried)."""
    report = DispatchReport()
    destinations = configured()
    if destination is not None:
        destinations = {name: value for name, value in destinations.items() if name == destination}
    ids = list(evidence_ids) if evidence_ids is not None else None
    tried = 0
    while limit is None or tried < limit:
        claim_size = settings.TOSCA_SYNC["claim_size"]
        size = min(claim_size, limit - tried) if limit is not None else claim_size
        claimed = claim(size, destinations=list(destinations), evidence_ids=ids)
        if not claimed:
            break
        tried += len(claimed)
        report += _send(claimed, destinations)
    return report


def claim(limit: int, *, destinations: list[str], evidence_ids: list[UUID] | None = None) -> list[Delivery]:
    """Take up to `limit` due deliveries for this dispatcher: they become `sending` until the lease ends."""
    now = timezone.now()
    with transaction.atomic():
        # A delivery whose every attempt ended with its dispatcher dying (its lease ran out) is given up too.
        Delivery.objects.filter(
            state=State.SENDING,
            next_attempt_at__lte=now,
            attempts__gte=settings.TOSCA_SYNC["max_attempts"],
            destination__in=destinations,
        ).update(state=State.DEAD, last_error=ABANDONED, next_attempt_at=now)
        due = Delivery.objects.filter(
            state__in=[State.PENDING, State.SENDING], next_attempt_at__lte=now, destination__in=destinations
        )
        if evidence_ids is not None:
            due = due.filter(evidence_id__in=evidence_ids)
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        # SQLite has no row locks: its IMMEDIATE transactions (see tosca.config) serialise the claims instead.
        claimed = list(due.order_by("next_attempt_at", "id")[:limit])
        lease_end = now + settings.TOSCA_SYNC["lease"]
        if claimed:
            # The attempt counts now, not when it ends: a batch that keeps killing its dispatcher still
            # reaches the last attempt and is dead-lettered instead of being tried for ever.
            Delivery.objects.filter(pk__in=[delivery.pk for delivery in claimed]).update(
                state=State.SENDING, next_attempt_at=lease_end, attempts=F("attempts") + 1
            )
    for delivery in claimed:
        delivery.state = State.SENDING
        delivery.attempts += 1
        delivery.next_attempt_at = lease_end  # the lease is also this dispatcher's token: see _record
    return claimed


def _send(claimed: list[Delivery], destinations: dict) -> DispatchReport:
    from sync.api import facts_of

    evidence = Evidence.objects.in_bulk([delivery.evidence_id for delivery in claimed])
    by_destination: dict[str, list[Delivery]] = defaultdict(list)
    for delivery in claimed:
        by_destination[delivery.destination].append(delivery)
    report = DispatchReport()
    for name, deliveries in by_destination.items():
        destination = destinations[name]
        for start in range(0, len(deliveries), destination.batch_size):
            batch = deliveries[start : start + destination.batch_size]
            try:
                outcomes = destination.send([facts_of(evidence[delivery.evidence_id]) for delivery in batch])
            except Exception as error:
                logger.exception("destination %s failed on a batch", name)
                outcomes = {}
                failure = f"{type(error).__name__}: {error}"
            else:
                failure = "the destination gave no answer for this evidence"
            report += _record(batch, outcomes, failure)
    return report


def _record(batch: list[Delivery], outcomes: dict, failure: str) -> DispatchReport:
    now = timezone.now()
    delivered = retrying = dead = 0
    with transaction.atomic():
        for delivery in batch:
            outcome = outcomes.get(delivery.evidence_id)
            result, detail = (outcome.result, outcome.detail) if outcome else ("retry", failure)
            attempts = delivery.attempts
            if result == "retry" and attempts >= settings.TOSCA_SYNC["max_attempts"]:
                result, detail = "dead", f"gave up after {attempts} attempts: {detail}"
            # Still ours only if no other dispatcher took it over after our lease ran out.
            mine = Delivery.objects.filter(
                pk=delivery.pk, state=State.SENDING, next_attempt_at=delivery.next_attempt_at
            )
            if result == "delivered":
                delivered += mine.update(state=State.DELIVERED, delivered_at=now, last_error="", next_attempt_at=now)
            elif result == "dead":
                dead += mine.update(state=State.DEAD, last_error=detail, next_attempt_at=now)
            else:
                retrying += mine.update(state=State.PENDING, last_error=detail, next_attempt_at=retry_at(attempts, now))
    return DispatchReport(delivered=delivered, retrying=retrying, dead=dead)


def retry_at(attempts: int, now: datetime) -> datetime:
    """Exponential backoff with jitter: 30 s, 1 min, 2 min, … up to 6 h, each ±20 %, so retries do not stampede."""
    first, longest = settings.TOSCA_SYNC["first_retry"], settings.TOSCA_SYNC["longest_retry"]
    delay = min(longest, first * (2 ** max(0, attempts - 1)))
    return now + delay * random.uniform(0.8, 1.2)
