"""The sync app's public face: record evidence (the one way it enters the system), dispatch, report."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from datetime import datetime
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Min, Q
from django.utils import timezone

from libretto import api as libretto
from libretto.api import EvidenceRejected
from libretto.data import EvidenceFacts, evidence_id
from sync import dispatch
from sync.data import DELIVERED, DestinationStatus, DispatchReport, Outcome, Receipt, State, dead, retry
from sync.destinations import REGISTERED, Registered
from sync.models import Delivery, Evidence

__all__ = [
    "DELIVERED",
    "EvidenceConflict",
    "EvidenceRejected",
    "Outcome",
    "dead",
    "deliver_due",
    "evidence_id",
    "forget_learner",
    "is_recorded",
    "record_module_completion",
    "register_destination",
    "retry",
    "retry_dead",
    "status",
]


class EvidenceConflict(ValueError):
    """The same (platform, learner, module, attempt) was recorded before with different facts."""


def record_module_completion(
    learner: str,
    module: str,
    completed_at: datetime,
    score: float | None,
    competences: Iterable[str],
    platform: str | None = None,
    attempt: str | int = 1,
    *,
    module_title: str = "",
    passed: bool | None = None,
) -> Receipt:
    """Record that `learner` completed `module` on `platform` (default: this instance), developing `competences`.

    Writes the immutable evidence and one delivery per configured destination in the caller's transaction
    (transactional outbox): if the caller rolls back, nothing was recorded; once it commits, delivery is
    certain. Recording the same facts again is a no-op. Raises EvidenceRejected (unknown competence, a future
    date, a score outside 0..1…) or EvidenceConflict, and then nothing is written.
    """
    platform = platform or libretto.local_platform()
    facts = EvidenceFacts(
        evidence_id=evidence_id(platform, learner, module, str(attempt)),
        platform=platform,
        learner=learner,
        module=module,
        module_title=module_title,
        completed_at=completed_at,
        score=score,
        passed=passed,
        competences=tuple(dict.fromkeys(competences)),
        attempt=str(attempt),
    )
    problems = libretto.check_evidence(facts)
    if problems:
        raise EvidenceRejected(problems)
    if libretto.is_tombstoned(facts.evidence_id):
        return Receipt(evidence_id=facts.evidence_id, created=False)  # its learner deleted their libretto
    try:
        # Most evidence is new: insert first (a savepoint inside the caller's transaction, else our own
        # transaction), and look at what is stored only when the id turns out to be taken.
        with transaction.atomic():
            _write(facts)
            transaction.on_commit(functools.partial(dispatch.after_commit, [facts.evidence_id]))
    except IntegrityError:
        existing = Evidence.objects.filter(pk=facts.evidence_id).first()
        if existing is None:
            raise
        return _same_or_conflict(existing, facts)
    return Receipt(evidence_id=facts.evidence_id, created=True)


def register_destination(
    name: str,
    send: Callable[[list[EvidenceFacts]], dict[UUID, Outcome]],
    *,
    accepts: Callable[[EvidenceFacts], bool],
    batch_size: int = 50,
) -> None:
    """Add a destination that a channel app brings, such as an LMS's grade service: evidence `accepts` takes
    gets a delivery to it in the outbox, with the same retries, backoff and dead letters as any destination.
    `send` answers {evidence id: Outcome} (DELIVERED, retry(why), dead(why)) for every evidence of its batch."""
    REGISTERED[name] = Registered(name, send, accepts, batch_size)


def _write(facts: EvidenceFacts) -> None:
    """Two plain INSERTs: recording sits on the learner's path, where building models and compiling queries
    for every completion would cost more than the database does."""
    evidence_sql, delivery_sql = _insert_statements()
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(evidence_sql, _evidence_values(facts, now))
        destinations = [destination["name"] for destination in settings.TOSCA_DESTINATIONS]
        destinations += [name for name, extra in REGISTERED.items() if extra.accepts(facts)]
        if destinations:
            values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(destinations))
            cursor.execute(
                delivery_sql + values,
                [value for name in destinations for value in _delivery_values(facts, name, now)],
            )


@functools.cache
def _insert_statements() -> tuple[str, str]:
    quote = connection.ops.quote_name

    def head(model, fields: list[str]) -> str:
        columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
        return f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES "

    evidence = head(Evidence, EVIDENCE_FIELDS) + "(" + ", ".join(["%s"] * len(EVIDENCE_FIELDS)) + ")"
    return evidence, head(Delivery, DELIVERY_FIELDS)


EVIDENCE_FIELDS = [
    "id",
    "platform",
    "learner",
    "module",
    "module_title",
    "attempt",
    "completed_at",
    "score",
    "passed",
    "competences",
    "recorded_at",
]
DELIVERY_FIELDS = ["evidence", "destination", "state", "attempts", "next_attempt_at", "last_error", "created_at"]


def _evidence_values(facts: EvidenceFacts, now) -> list:
    fields = {field.name: field for field in Evidence._meta.fields}
    raw = {
        "id": facts.evidence_id,
        "platform": facts.platform,
        "learner": facts.learner,
        "module": facts.module,
        "module_title": facts.module_title,
        "attempt": facts.attempt,
        "completed_at": facts.completed_at,
        "score": facts.score,
        "passed": facts.passed,
        "competences": list(facts.competences),
        "recorded_at": now,
    }
    return [fields[name].get_db_prep_save(raw[name], connection) for name in EVIDENCE_FIELDS]


def _delivery_values(facts: EvidenceFacts, destination: str, now) -> list:
    fields = {field.name: field for field in Delivery._meta.fields}
    raw = {
        "evidence": facts.evidence_id,
        "destination": destination,
        "state": State.PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "last_error": "",
        "created_at": now,
    }
    return [fields[name].get_db_prep_save(raw[name], connection) for name in DELIVERY_FIELDS]


def _same_or_conflict(existing: Evidence, facts: EvidenceFacts) -> Receipt:
    stored = (existing.completed_at, existing.score, existing.passed, sorted(existing.competences))
    given = (facts.completed_at, facts.score, facts.passed, sorted(facts.competences))
    if stored != given:
        raise EvidenceConflict(
            f"evidence {facts.evidence_id} was recorded before with other facts; record a new attempt instead"
        )
    return Receipt(evidence_id=facts.evidence_id, created=False)


def is_recorded(platform: str, learner: str, module: str, attempt: str | int) -> bool:
    return Evidence.objects.filter(pk=evidence_id(platform, learner, module, str(attempt))).exists()


def facts_of(evidence: Evidence) -> EvidenceFacts:
    return EvidenceFacts(
        evidence_id=evidence.id,
        platform=evidence.platform,
        learner=evidence.learner,
        module=evidence.module,
        module_title=evidence.module_title,
        completed_at=evidence.completed_at,
        score=evidence.score,
        passed=evidence.passed,
        competences=tuple(evidence.competences),
        attempt=evidence.attempt,
    )


def deliver_due(*, limit: int | None = None, destination: str | None = None) -> DispatchReport:
    """Deliver every delivery that is due now (first attempts and retries), in batches; what happened."""
    return dispatch.deliver_due(limit=limit, destination=destination)


def status() -> list[DestinationStatus]:
    """Per destination: how many deliveries are in each state, and since when the oldest one waits."""
    configured = [destination["name"] for destination in settings.TOSCA_DESTINATIONS] + list(REGISTERED)
    rows = {
        row["destination"]: row
        for row in Delivery.objects.values("destination").annotate(
            pending=Count("id", filter=Q(state=State.PENDING)),
            sending=Count("id", filter=Q(state=State.SENDING)),
            delivered=Count("id", filter=Q(state=State.DELIVERED)),
            dead=Count("id", filter=Q(state=State.DEAD)),
            oldest=Min("created_at", filter=Q(state__in=[State.PENDING, State.SENDING])),
        )
    }
    names = configured + sorted(set(rows) - set(configured))
    return [
        DestinationStatus(
            destination=name,
            pending=rows.get(name, {}).get("pending", 0),
            sending=rows.get(name, {}).get("sending", 0),
            delivered=rows.get(name, {}).get("delivered", 0),
            dead=rows.get(name, {}).get("dead", 0),
            oldest_pending=rows.get(name, {}).get("oldest"),
        )
        for name in names
    ]


def retry_dead(*, destination: str | None = None, evidence: UUID | None = None) -> int:
    """Put dead-lettered deliveries back in the queue, due now; how many."""
    dead = Delivery.objects.filter(state=State.DEAD)
    if destination:
        dead = dead.filter(destination=destination)
    if evidence:
        dead = dead.filter(evidence_id=evidence)
    return dead.update(state=State.PENDING, attempts=0, next_attempt_at=timezone.now())


def forget_learner(platform: str, learner: str) -> list[UUID]:
    """Erase a learner's evidence from the outbox, deliveries not yet made included; the ids it had."""
    evidence = Evidence.objects.filter(platform=platform, learner=learner)
    ids = list(evidence.values_list("id", flat=True))
    evidence.delete()
    return ids


def taxonomy_export_id(framework_code: str) -> str | None:
    """The export_id `tosca openedx push-taxonomy` gives a framework's taxonomy in Open edX (None if it has none):
    what lets the blocks read Studio's own tags of a module as competences of the repertory."""
    from sync.openedx_taxonomy import TaxonomyPushFailed, export_id_for

    try:
        return export_id_for(framework_code)
    except TaxonomyPushFailed:
        return None
