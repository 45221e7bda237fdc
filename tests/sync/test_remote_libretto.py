"""Delivering to another Tosca acting as the regional libretto, over its REST API, through faults."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from sync import api
from sync.data import State
from sync.models import Delivery
from tests.peers.faults import FaultyProxy


@pytest.fixture
def regional(remote_tosca, settings):
    with FaultyProxy(remote_tosca.url + "/").start() as proxy:
        settings.TOSCA_DESTINATIONS = [
            {"name": "regione", "type": "libretto_api", "url": proxy.url, "token": remote_tosca.token, "batch_size": 50}
        ]
        settings.TOSCA_SYNC_DISPATCH = "manual"
        settings.TOSCA_SYNC = {**settings.TOSCA_SYNC, "timeout": 5.0}
        yield proxy


def record(units, learner: str, count: int) -> list[uuid.UUID]:
    run = uuid.uuid4().hex[:8]
    moment = timezone.now() - timedelta(hours=1)
    return [
        api.record_module_completion(learner, f"{run}-m{n}", moment, 0.5, units[:2]).evidence_id for n in range(count)
    ]


def remote_evidence(remote_tosca, settings, learner: str) -> list[str]:
    libretto = remote_tosca.libretto_of(settings.TOSCA_BASE_URL, learner) or {"competences": []}
    return sorted({item["id"] for entry in libretto["competences"] for item in entry["evidence"]})


def test_evidence_lands_in_the_remote_libretto_once_whatever_the_network_does(regional, remote_tosca, units, settings):
    learner = f"anna-{uuid.uuid4().hex[:6]}"
    ids = record(units, learner, 120)
    for mode in ("down", "error500", "lost_answer", "pass"):
        regional.mode = mode
        api.deliver_due()
        Delivery.objects.exclude(state=State.DELIVERED).update(next_attempt_at=timezone.now())
    assert set(Delivery.objects.values_list("state", flat=True)) == {State.DELIVERED}
    assert remote_evidence(remote_tosca, settings, learner) == sorted(map(str, ids))
    assert regional.seen["lost_answer"] == 3  # those batches were stored remotely, then sent again as duplicates


def test_evidence_the_remote_libretto_refuses_is_dead_lettered_the_rest_delivered(
    regional, remote_tosca, units, settings, fixtures_dir
):
    from repertory import api as repertory

    repertory.import_framework(fixtures_dir / "rrfp-v1.csv", source_format="rrfp-csv")  # known here, not there
    local_only = repertory.search_competences("volontari", framework="RRFP-TEST").results[0].ref.uri
    learner = f"bruno-{uuid.uuid4().hex[:6]}"
    good = record(units, learner, 3)
    bad = api.record_module_completion(
        learner, f"x-{uuid.uuid4().hex[:6]}", timezone.now() - timedelta(hours=1), None, [local_only]
    ).evidence_id
    report = api.deliver_due()
    assert (report.delivered, report.dead) == (3, 1)
    refusal = Delivery.objects.get(evidence_id=bad).last_error
    assert "remote libretto refused it" in refusal and local_only in refusal and "competences" in refusal
    assert remote_evidence(remote_tosca, settings, learner) == sorted(map(str, good))


def test_a_wrong_token_is_retried_not_lost(regional, remote_tosca, units, settings):
    settings.TOSCA_DESTINATIONS = [{**settings.TOSCA_DESTINATIONS[0], "token": "not-the-token"}]
    learner = f"carla-{uuid.uuid4().hex[:6]}"
    ids = record(units, learner, 2)
    assert api.deliver_due().retrying == 2
    assert "401" in Delivery.objects.first().last_error
    settings.TOSCA_DESTINATIONS = [{**settings.TOSCA_DESTINATIONS[0], "token": remote_tosca.token}]
    Delivery.objects.update(next_attempt_at=timezone.now())
    assert api.deliver_due().delivered == 2
    assert remote_evidence(remote_tosca, settings, learner) == sorted(map(str, ids))
