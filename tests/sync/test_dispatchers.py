"""Dispatchers as separate processes on a shared database: killed mid-batch, or two at once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from sync import api
from sync.data import State
from sync.models import Delivery

COMPLETIONS = 600


@pytest.fixture
def lrs_destination(faulty_proxy, ralph_server, settings) -> dict:
    destination = {
        "name": "lrs",
        "type": "xapi",
        "endpoint": faulty_proxy.url,
        "username": ralph_server.username,
        "password": ralph_server.password,
        "batch_size": 100,
    }
    settings.TOSCA_DESTINATIONS = [destination]
    settings.TOSCA_SYNC_DISPATCH = "manual"
    return destination


def dispatcher(
    database_url: str, destination: dict, tmp_path, *, timeout: float = 30, claim_size: int = 1000
) -> subprocess.Popen:
    """`tosca sync run` in its own process, on the test database."""
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "TOSCA_DESTINATIONS": json.dumps([destination]),
        "TOSCA_SYNC_DISPATCH": "manual",
        "TOSCA_SYNC_TIMEOUT": str(timeout),
        "TOSCA_SYNC_CLAIM_SIZE": str(claim_size),
        "TOSCA_VAR_DIR": str(tmp_path / "var"),
        "DJANGO_SETTINGS_MODULE": "tosca.settings",
        "TOSCA_LANGUAGE": "en",  # the test reads the command's report
    }
    return subprocess.Popen(
        [sys.executable, "-m", "tosca.cli", "sync", "run"],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def record(units, count: int) -> list[uuid.UUID]:
    run = uuid.uuid4().hex[:8]
    moment = timezone.now() - timedelta(hours=1)
    return [
        api.record_module_completion(f"l{n}", f"{run}-m{n}", moment, None, units[:1]).evidence_id for n in range(count)
    ]


def wait_for(condition, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True)
def test_a_dispatcher_killed_after_the_lrs_stored_a_batch_loses_nothing_and_duplicates_nothing(
    lrs_destination, faulty_proxy, ralph_server, units, database_url, tmp_path
):
    ids = record(units, 300)
    faulty_proxy.mode, faulty_proxy.delay = "hold", 30  # the LRS stores the batch; the answer never comes back
    process = dispatcher(database_url, lrs_destination, tmp_path)
    wait_for(lambda: faulty_proxy.forwarded >= 1)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    in_flight = Delivery.objects.filter(state=State.SENDING).count()
    assert in_flight == 300  # all claimed (one claim per 1,000), one batch of 100 stored, none recorded
    faulty_proxy.mode = "pass"
    Delivery.objects.update(next_attempt_at=timezone.now())  # the dead dispatcher's lease runs out
    assert api.deliver_due().delivered == 300
    stored = Counter(statement["id"] for statement in ralph_server.all_statements())
    assert all(stored[str(evidence_id)] == 1 for evidence_id in ids)
    assert sum(faulty_proxy.posted_ids[str(evidence_id)] for evidence_id in ids) == 300 + 100


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_at_once_never_send_the_same_evidence_twice(
    lrs_destination, faulty_proxy, ralph_server, units, database_url, tmp_path
):
    ids = record(units, COMPLETIONS)
    # Small claims, and an LRS that takes a moment to answer each one, so that the two processes interleave: on a
    # fast database the first one started could otherwise deliver everything before the second has even booted.
    faulty_proxy.mode, faulty_proxy.delay = "hold", 0.2
    processes = [dispatcher(database_url, lrs_destination, tmp_path, claim_size=20) for _ in range(2)]
    outputs = [process.communicate(timeout=300) for process in processes]
    assert all(process.returncode == 0 for process in processes), outputs
    delivered = [int(out.split("delivered: ")[1].split(",")[0]) for out, _err in outputs]
    assert sum(delivered) == COMPLETIONS and min(delivered) > 0, delivered  # both worked, on different rows
    assert Counter(Delivery.objects.values_list("state", flat=True)) == {State.DELIVERED: COMPLETIONS}
    assert {faulty_proxy.posted_ids[str(evidence_id)] for evidence_id in ids} == {1}
    stored = Counter(statement["id"] for statement in ralph_server.all_statements())
    assert all(stored[str(evidence_id)] == 1 for evidence_id in ids)
