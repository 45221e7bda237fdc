"""Deleting a libretto: confirmed, complete, and final: a late redelivery does not bring it back."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from libretto import api
from libretto.data import EvidenceFacts
from libretto.models import EvidenceRecord, EvidenceTombstone, Libretto, SupportingDocument
from sync.models import Evidence


def test_deleting_needs_an_explicit_confirmation(signed_in, attested):
    response = signed_in.post(reverse("libretto:delete"), {})
    assert response.status_code == 200 and Libretto.objects.exists()


def test_deleting_removes_the_libretto_its_documents_and_the_outbox_copy(
    signed_in, learner, attested, units, django_capture_on_commit_callbacks
):
    api.declare_competence(
        learner,
        competence_uri=units[3],
        statement="…",
        period_start=None,
        period_end=None,
        documents=[SimpleUploadedFile("a.pdf", b"%PDF-1.4 x", "application/pdf")],
    )
    stored = SupportingDocument.objects.get().file.path
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(reverse("libretto:delete"), {"confirm": "on"})
    assert response.status_code == 302
    assert not Libretto.objects.exists() and not EvidenceRecord.objects.exists()
    assert not SupportingDocument.objects.exists()
    import os

    assert not os.path.exists(stored)
    assert not Evidence.objects.filter(learner="giulia").exists()
    assert set(EvidenceTombstone.objects.values_list("evidence_id", flat=True)) == set(attested)


def test_a_late_redelivery_of_deleted_evidence_does_not_resurrect_the_libretto(signed_in, learner, attested):
    view = api.libretto_for(learner)
    evidence = view.entries[0].evidence[0]
    facts = EvidenceFacts(
        evidence_id=evidence.evidence_id,
        platform=evidence.platform,
        learner="giulia",
        module=evidence.module,
        completed_at=evidence.completed_at,
        competences=(view.entries[0].competence.uri,),
    )
    api.delete_libretto(learner)
    outcome = api.record_evidence(facts)
    assert outcome.tombstoned and not outcome.created
    assert not Libretto.objects.exists()


def test_deleting_the_account_deletes_the_libretto_the_same_complete_way(learner, attested):
    learner.delete()
    assert not Libretto.objects.exists() and not Evidence.objects.exists()
    assert set(EvidenceTombstone.objects.values_list("evidence_id", flat=True)) == set(attested)


def test_operators_cannot_delete_a_libretto_from_the_admin(admin_client, attested):
    libretto = Libretto.objects.get()
    assert admin_client.get(reverse("admin:libretto_libretto_delete", args=[libretto.pk])).status_code == 403


def test_evidence_still_in_the_outbox_is_not_recorded_after_the_libretto_was_deleted(
    learner, units, settings, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from sync import api as sync

    settings.TOSCA_SYNC_DISPATCH = "manual"  # recorded, not yet delivered when Giulia deletes her libretto
    moment = timezone.now() - timedelta(hours=1)
    pending = sync.record_module_completion("giulia", "modulo-x", moment, None, units[:1])
    api.libretto_for(learner)
    api.delete_libretto(learner)
    assert not Evidence.objects.exists()
    again = sync.record_module_completion("giulia", "modulo-x", moment, None, units[:1])
    assert again.evidence_id == pending.evidence_id and not again.created
    assert not Evidence.objects.exists() and not Libretto.objects.filter(holder=learner).exists()


def test_a_reused_username_does_not_receive_the_previous_owners_evidence(
    learner, attested, units, django_user_model, settings, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from sync import api as sync

    giulias = Libretto.objects.get(holder=learner)
    learner.username = "giulia.rossi"
    learner.save()
    newcomer = django_user_model.objects.create_user("giulia", password="x")
    with django_capture_on_commit_callbacks(execute=True):
        sync.record_module_completion("giulia", "modulo-nuovo", timezone.now() - timedelta(hours=1), None, units[:1])
    assert [entry.competence.uri for entry in api.libretto_for(newcomer).entries] == units[:1]
    assert EvidenceRecord.objects.filter(libretto=giulias).count() == 2
