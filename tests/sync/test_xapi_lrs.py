"""Delivering to a real xAPI LRS (Ralph), through a proxy that injects the faults of a real network."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from libretto import api as libretto
from libretto.data import EvidenceFacts
from sync import api
from sync.data import State
from sync.models import Delivery

COMPLETIONS = 1000


@pytest.fixture
def lrs(faulty_proxy, ralph_server, settings):
    """Evidence goes to Ralph through the proxy; dispatch only when the test says so."""
    settings.TOSCA_DESTINATIONS = [
        {
            "name": "lrs",
            "type": "xapi",
            "endpoint": faulty_proxy.url,
            "username": ralph_server.username,
            "password": ralph_server.password,
        }
    ]
    settings.TOSCA_SYNC_DISPATCH = "manual"
    settings.TOSCA_SYNC = {**settings.TOSCA_SYNC, "timeout": 1.0, "batch_size": 200, "max_attempts": 20}
    faulty_proxy.delay = 2.0
    return faulty_proxy


def record(units, count: int) -> list[uuid.UUID]:
    """`count` completions of modules unique to this test (Ralph keeps statements for the whole session)."""
    run = uuid.uuid4().hex[:8]
    moment = timezone.now() - timedelta(hours=1)
    return [
        api.record_module_completion(
            f"learner-{n % 50}", f"{run}-module-{n}", moment, (n % 10) / 10, units[:2], module_title=f"Modulo {n}"
        ).evidence_id
        for n in range(count)
    ]


def everything_due_now() -> None:
    """Time passes: every retry waiting in the outbox becomes due."""
    Delivery.objects.exclude(state=State.DELIVERED).update(next_attempt_at=timezone.now())


def test_a_delivered_statement_in_the_lrs_is_the_evidence_we_recorded(lrs, ralph_server, units):
    (evidence_id,) = record(units, 1)
    assert api.deliver_due().delivered == 1
    stored = ralph_server.get_statement(str(evidence_id))
    assert stored["actor"]["account"]["name"] == "learner-0"
    assert stored["verb"]["id"] == "http://adlnet.gov/expapi/verbs/completed"
    assert {item["id"] for item in stored["context"]["contextActivities"]["other"]} == set(units[:2])
    assert stored["result"]["completion"] is True and stored["timestamp"]


def test_every_evidence_reaches_the_lrs_exactly_once_through_outages_errors_and_timeouts(lrs, ralph_server, units):
    ids = record(units, COMPLETIONS)
    rounds = ["down", "error500", "slow", "lost_answer", "pass"]
    for mode in rounds:
        lrs.mode = mode
        report = api.deliver_due()
        expected = COMPLETIONS if mode == "pass" else 0
        assert report.delivered == expected, (mode, report)
        everything_due_now()
    batches = COMPLETIONS // 200
    assert {mode: lrs.seen[mode] for mode in rounds} == dict.fromkeys(rounds, batches)
    assert Counter(Delivery.objects.values_list("state", flat=True)) == {State.DELIVERED: COMPLETIONS}
    assert set(Delivery.objects.values_list("attempts", flat=True)) == {len(rounds)}
    # lost_answer stored every batch once before the client saw an error; the retry stored nothing new.
    assert lrs.posted_ids == dict.fromkeys(map(str, ids), 2)
    stored = [statement["id"] for statement in ralph_server.all_statements()]
    ours = Counter(statement_id for statement_id in stored if uuid.UUID(statement_id) in set(ids))
    assert len(ours) == COMPLETIONS and set(ours.values()) == {1}


def test_a_different_statement_already_under_the_id_is_dead_lettered_with_the_lrs_answer(lrs, ralph_server, units):
    (evidence_id,) = record(units, 1)
    impostor = libretto.statement_for(
        EvidenceFacts(
            evidence_id=evidence_id,
            platform="https://other.example.org",
            learner="x",
            module="y",
            completed_at=timezone.now() - timedelta(days=9),
            competences=tuple(units[:1]),
        )
    )
    assert ralph_server.post_statements([impostor]).status_code == 200
    report = api.deliver_due()
    assert report.dead == 1
    assert "409" in Delivery.objects.get().last_error


def test_a_batch_with_one_conflict_delivers_the_others(lrs, ralph_server, units):
    ids = record(units, 5)
    impostor = libretto.statement_for(
        EvidenceFacts(
            evidence_id=ids[2],
            platform="https://other.example.org",
            learner="x",
            module="y",
            completed_at=timezone.now() - timedelta(days=9),
            competences=tuple(units[:1]),
        )
    )
    ralph_server.post_statements([impostor])
    report = api.deliver_due()
    assert (report.delivered, report.dead) == (4, 1)
    assert Delivery.objects.get(state=State.DEAD).evidence_id == ids[2]
