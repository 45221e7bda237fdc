"""record_module_completion: the one way evidence enters, in the caller's transaction, once."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from libretto import api as libretto
from sync import api
from sync.data import State
from sync.models import Delivery, Evidence

LRS = {"name": "lrs", "type": "xapi", "endpoint": "http://127.0.0.1:9/xAPI/", "username": "u", "password": "p"}


def test_recording_writes_evidence_and_a_delivery_per_destination_in_the_callers_transaction(
    db, units, yesterday, settings
):
    settings.TOSCA_DESTINATIONS = [{"name": "local", "type": "local"}, LRS]
    settings.TOSCA_SYNC_DISPATCH = "manual"
    receipt = api.record_module_completion("giulia", "modulo-1", yesterday, 0.8, units[:2])
    evidence = Evidence.objects.get()
    assert receipt.created and evidence.id == receipt.evidence_id and evidence.competences == units[:2]
    assert sorted(Delivery.objects.values_list("destination", "state")) == [("local", "pending"), ("lrs", "pending")]


def test_a_rolled_back_caller_leaves_no_evidence_and_no_delivery(db, units, yesterday):
    with pytest.raises(RuntimeError), transaction.atomic():
        api.record_module_completion("giulia", "modulo-1", yesterday, None, units[:1])
        raise RuntimeError("the completion that caused it failed")
    assert not Evidence.objects.exists() and not Delivery.objects.exists()


def test_evidence_ids_are_deterministic_and_recording_the_same_facts_again_is_a_no_op(db, units, yesterday):
    first = api.record_module_completion("giulia", "modulo-1", yesterday, 0.5, units[:1], attempt=2)
    again = api.record_module_completion("giulia", "modulo-1", yesterday, 0.5, units[:1], attempt=2)
    assert (
        first.evidence_id == again.evidence_id == api.evidence_id(libretto.local_platform(), "giulia", "modulo-1", "2")
    )
    assert first.created and not again.created
    assert Evidence.objects.count() == 1 and Delivery.objects.count() == 1


def test_other_facts_under_the_same_id_are_a_conflict_not_an_overwrite(db, units, yesterday):
    api.record_module_completion("giulia", "modulo-1", yesterday, 0.5, units[:1])
    with pytest.raises(api.EvidenceConflict):
        api.record_module_completion("giulia", "modulo-1", yesterday, 0.9, units[:1])
    assert Evidence.objects.get().score == 0.5


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"competences": ["urn:tosca:repertory:NOPE:X"]}, "competences"),
        ({"competences": []}, "competences"),
        ({"completed_at": timezone.now() + timedelta(days=2)}, "completed_at"),
        ({"completed_at": timezone.now().replace(tzinfo=None)}, "completed_at"),
        ({"score": 1.5}, "score"),
        ({"score": -0.1}, "score"),
        ({"score": math.nan}, "score"),
        ({"platform": "not a url"}, "platform"),
        ({"learner": ""}, "learner"),
        ({"module": "m" * 300}, "module"),
    ],
)
def test_bad_evidence_is_refused_naming_the_field_and_nothing_is_stored(db, units, yesterday, change, field):
    facts = {
        "learner": "giulia",
        "module": "modulo-1",
        "completed_at": yesterday,
        "score": 0.5,
        "competences": units[:1],
    }
    facts.update(change)
    with pytest.raises(api.EvidenceRejected) as rejected:
        api.record_module_completion(**facts)
    assert field in [problem.field for problem in rejected.value.problems]
    assert not Evidence.objects.exists() and not Delivery.objects.exists()


def test_inline_dispatch_puts_the_evidence_in_the_libretto_once_the_transaction_commits(
    db, units, learner, yesterday, django_capture_on_commit_callbacks, settings
):
    settings.TOSCA_SYNC_DISPATCH = "inline"
    with django_capture_on_commit_callbacks(execute=True):
        api.record_module_completion("giulia", "modulo-1", yesterday, 0.75, units[:2], module_title="Modulo uno")
    view = libretto.libretto_for(learner)
    assert sorted(entry.competence.uri for entry in view.entries) == sorted(units[:2])
    assert all(entry.status == "attested" and entry.ambito == "non_formal" for entry in view.entries)
    assert Delivery.objects.get().state == State.DELIVERED


def test_manual_dispatch_waits_for_sync_run(
    db, units, learner, yesterday, django_capture_on_commit_callbacks, settings
):
    settings.TOSCA_SYNC_DISPATCH = "manual"
    with django_capture_on_commit_callbacks(execute=True):
        api.record_module_completion("giulia", "modulo-1", yesterday, None, units[:1])
    assert libretto.libretto_for(learner).entries == ()
    report = api.deliver_due()
    assert report.delivered == 1 and len(libretto.libretto_for(learner).entries) == 1


def test_a_failing_destination_is_retried_with_growing_delays_then_dead_lettered(db, units, yesterday, settings):
    settings.TOSCA_DESTINATIONS = [LRS]
    settings.TOSCA_SYNC_DISPATCH = "manual"
    settings.TOSCA_SYNC = {**settings.TOSCA_SYNC, "max_attempts": 4, "timeout": 0.5}
    api.record_module_completion("giulia", "modulo-1", yesterday, None, units[:1])
    delays = []
    for _attempt in range(3):
        before = timezone.now()
        assert api.deliver_due().retrying == 1
        delivery = Delivery.objects.get()
        delays.append((delivery.next_attempt_at - before).total_seconds())
        assert delivery.state == State.PENDING and "LRS unreachable" in delivery.last_error
        Delivery.objects.update(next_attempt_at=timezone.now())
    assert 20 < delays[0] < 40 and 45 < delays[1] < 75 and 95 < delays[2] < 145
    assert api.deliver_due().dead == 1
    delivery = Delivery.objects.get()
    assert delivery.state == State.DEAD and delivery.attempts == 4 and "gave up after 4 attempts" in delivery.last_error
    assert api.status()[0].dead == 1
    assert api.retry_dead(destination="lrs") == 1
    assert Delivery.objects.get().state == State.PENDING


def test_a_delivery_whose_dispatcher_died_is_sent_again_when_its_lease_ends(db, units, learner, yesterday, settings):
    settings.TOSCA_SYNC_DISPATCH = "manual"
    from sync import dispatch

    api.record_module_completion("giulia", "modulo-1", yesterday, None, units[:1])
    claimed = dispatch.claim(10, destinations=["local"])
    assert len(claimed) == 1
    assert dispatch.claim(10, destinations=["local"]) == []  # held by the (now dead) dispatcher
    Delivery.objects.update(next_attempt_at=timezone.now())  # …until its lease runs out
    assert api.deliver_due().delivered == 1
    assert len(libretto.libretto_for(learner).entries) == 1


def test_status_reports_counts_per_destination_and_the_oldest_waiting(db, units, yesterday, settings):
    settings.TOSCA_DESTINATIONS = [{"name": "local", "type": "local"}, LRS]
    settings.TOSCA_SYNC_DISPATCH = "manual"
    for module in ("a", "b", "c"):
        api.record_module_completion("giulia", module, yesterday, None, units[:1])
    api.deliver_due(destination="local")
    rows = {row.destination: row for row in api.status()}
    assert (rows["local"].delivered, rows["local"].pending, rows["local"].oldest_pending) == (3, 0, None)
    assert rows["lrs"].pending == 3 and rows["lrs"].oldest_pending is not None


def test_sync_commands_report_deliver_and_retry(db, units, yesterday, settings, capsys):
    from django.core.management import call_command

    settings.TOSCA_SYNC_DISPATCH = "manual"
    api.record_module_completion("giulia", "modulo-1", yesterday, None, units[:1])
    call_command("sync", "status")
    assert "local" in capsys.readouterr().out
    call_command("sync", "run")
    assert "delivered: 1" in capsys.readouterr().out
    call_command("sync", "retry")
    assert "0 dead-lettered deliveries queued again" in capsys.readouterr().out


def test_admin_lists_deliveries_and_retries_the_dead_ones(admin_client, units, yesterday, settings):
    settings.TOSCA_DESTINATIONS = [LRS]
    settings.TOSCA_SYNC_DISPATCH = "manual"
    api.record_module_completion("giulia", "modulo-1", yesterday, None, units[:1])
    Delivery.objects.update(state=State.DEAD, last_error="LRS answered 500")
    assert admin_client.get("/admin/sync/delivery/?state=dead").status_code == 200
    assert admin_client.get("/admin/sync/evidence/").status_code == 200
    response = admin_client.post(
        "/admin/sync/delivery/",
        {
            "action": "retry_now",
            "_selected_action": [str(delivery.pk) for delivery in Delivery.objects.all()],
        },
    )
    assert response.status_code == 302 and Delivery.objects.get().state == State.PENDING


def test_a_delivery_whose_dispatchers_keep_dying_is_given_up_after_the_last_attempt(db, units, yesterday, settings):
    from sync import dispatch

    settings.TOSCA_SYNC_DISPATCH = "manual"
    settings.TOSCA_SYNC = {**settings.TOSCA_SYNC, "max_attempts": 3}
    api.record_module_completion("giulia", "modulo-1", yesterday, None, units[:1])
    for _crash in range(3):
        assert len(dispatch.claim(10, destinations=["local"])) == 1  # …and the dispatcher dies while sending
        Delivery.objects.update(next_attempt_at=timezone.now())  # its lease runs out
    assert dispatch.claim(10, destinations=["local"]) == []
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempts) == (State.DEAD, 3) and "dispatcher stopping" in delivery.last_error


def test_a_dispatcher_that_lost_its_lease_does_not_overwrite_the_new_owners_outcome(db, units, yesterday, settings):
    from sync import dispatch

    settings.TOSCA_SYNC_DISPATCH = "manual"
    api.record_module_completion("giulia", "modulo-1", yesterday, None, units[:1])
    (slow,) = dispatch.claim(10, destinations=["local"])
    Delivery.objects.update(next_attempt_at=timezone.now())  # the slow dispatcher's lease ran out
    assert api.deliver_due().delivered == 1  # a second dispatcher delivered it
    from sync.destinations import retry

    report = dispatch._record([slow], {slow.evidence_id: retry("late answer of the slow dispatcher")}, "")
    assert report.retrying == 0 and Delivery.objects.get().state == State.DELIVERED


def test_a_broker_outage_does_not_fail_the_recording_and_the_delivery_waits_for_the_sweep(
    db, units, yesterday, settings, django_capture_on_commit_callbacks, caplog
):
    from celery import Celery

    from tosca.celery import app as tosca_app

    settings.TOSCA_SYNC_DISPATCH = "celery"
    # A Celery app of its own, whose broker nothing answers, so the site's app keeps its configuration.
    down = Celery("broker-down", broker="redis://127.0.0.1:9/0", set_as_current=True)
    down.conf.broker_transport_options = {"max_retries": 0}
    try:
        with django_capture_on_commit_callbacks(execute=True):
            receipt = api.record_module_completion("giulia", "modulo-1", yesterday, None, units[:1])
    finally:
        tosca_app.set_current()
    assert receipt.created and Delivery.objects.get().state == State.PENDING
    assert "could not queue the delivery" in caplog.text


def test_sync_commands_refuse_an_unknown_destination_and_a_negative_loop(db):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="No destination is called"):
        call_command("sync", "run", "--destination", "nope")
    with pytest.raises(CommandError):
        call_command("sync", "run", "--loop", "-1")
