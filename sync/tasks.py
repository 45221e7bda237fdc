"""Celery tasks: used when CELERY_BROKER_URL is set (TOSCA_SYNC_DISPATCH = "celery")."""

from __future__ import annotations

from uuid import UUID

from celery import shared_task

from sync import dispatch


@shared_task(name="sync.deliver_evidence", ignore_result=True)
def deliver_evidence(evidence_ids: list[str]) -> None:
    """Deliver freshly recorded evidence (queued when its transaction committed)."""
    dispatch.deliver_due(evidence_ids=[UUID(evidence_id) for evidence_id in evidence_ids])


@shared_task(name="sync.deliver_due", ignore_result=True)
def deliver_due() -> None:
    """Deliver whatever is due: retries, and anything a lost message left behind (run by beat every 30 s)."""
    dispatch.deliver_due()
