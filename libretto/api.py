"""The libretto's public face: every other app (sync above all) and the site's views call these functions.

Evidence enters through `record_evidence` (idempotent on the evidence id); the holder reads, completes,
exports and may delete their libretto; operators validate self-declared competences.
"""

from __future__ import annotations

import functools
import hashlib
import math
import secrets
from collections.abc import Iterable
from datetime import date
from uuid import UUID, uuid5

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from libretto import badges, xapi
from libretto.data import (
    Ambito,
    CompetenceView,
    CurriculumItemView,
    EntryView,
    EvidenceFacts,
    EvidenceProblem,
    EvidenceView,
    LibrettoView,
    RecordOutcome,
    Status,
)
from libretto.models import (
    ApiClient,
    CompetenceEntry,
    CurriculumItem,
    EvidenceRecord,
    EvidenceTombstone,
    LearnerIdentity,
    Libretto,
    SupportingDocument,
)
from repertory import api as repertory

# Sent after a holder deleted their libretto, with `platform` and `learner`: other apps forget them too.
libretto_deleted = Signal()

MAX_TEXT = 255
BADGE_STATUSES = (Status.ATTESTED, Status.VALIDATED)
BADGE_NAMESPACE = UUID("0b6f5ad4-5b7e-4a59-8f0c-0a8f6a6f2b71")


class EvidenceRejected(ValueError):
    """Evidence that cannot be recorded; `problems` says why, field by field."""

    def __init__(self, problems: list[EvidenceProblem]):
        self.problems = problems
        super().__init__("; ".join(str(problem) for problem in problems))


class NotAllowed(PermissionError):
    """The caller may not do this to that libretto or entry."""


def local_platform() -> str:
    """This instance's platform id: evidence of its own learners is recorded under it."""
    return settings.TOSCA_BASE_URL


# -- evidence -----------------------------------------------------------------------------------------------


def check_evidence(facts: EvidenceFacts) -> list[EvidenceProblem]:
    """Every reason `facts` cannot be recorded (empty when it can): known competences, a past date, a score in 0..1."""
    found: list[EvidenceProblem] = []
    if not xapi._is_url(facts.platform):
        found.append(EvidenceProblem("platform", _("the platform must be an http(s) URL.")))
    for name in ("learner", "module"):
        value = getattr(facts, name)
        if not value or len(value) > MAX_TEXT or "\x00" in value:
            found.append(EvidenceProblem(name, _("must be 1 to %(max)d characters.") % {"max": MAX_TEXT}))
    if len(facts.module_title) > MAX_TEXT:
        found.append(EvidenceProblem("module_title", _("must be at most %(max)d characters.") % {"max": MAX_TEXT}))
    if facts.completed_at.tzinfo is None:
        found.append(EvidenceProblem("completed_at", _("needs a time zone.")))
    elif facts.completed_at > timezone.now() + settings.TOSCA_CLOCK_SKEW:
        found.append(EvidenceProblem("completed_at", _("is in the future.")))
    if facts.score is not None and not (
        isinstance(facts.score, int | float) and math.isfinite(facts.score) and 0 <= facts.score <= 1
    ):
        found.append(EvidenceProblem("score", _("must be a number from 0 to 1.")))
    if not facts.competences:
        found.append(EvidenceProblem("competences", _("name at least one competence.")))
    known = repertory.known_competences(facts.competences)
    for uri in facts.competences:
        if uri not in known:
            found.append(EvidenceProblem("competences", _("unknown competence %(uri)s.") % {"uri": uri[:200]}))
    return found


def record_evidence(facts: EvidenceFacts) -> RecordOutcome:
    """Write evidence into the learner's libretto, once: a second delivery of the same id changes nothing.

    Raises EvidenceRejected (nothing written). Evidence of a deleted libretto is dropped (`tombstoned`).
    """
    (outcome,) = record_evidence_batch([facts])
    if outcome.problems:
        raise EvidenceRejected(list(outcome.problems))
    return outcome


def record_evidence_batch(batch: list[EvidenceFacts]) -> list[RecordOutcome]:
    """Record many evidence at once, each once, in one transaction; an outcome per evidence, in order.

    Evidence with problems is left out (its outcome lists them) and does not stop the rest. Safe to run
    while another process records the same evidence: every insert tolerates what the other one wrote.
    """
    with transaction.atomic():
        ids = [facts.evidence_id for facts in batch]
        tombstoned = set(EvidenceTombstone.objects.filter(evidence_id__in=ids).values_list("evidence_id", flat=True))
        stored = set(EvidenceRecord.objects.filter(evidence_id__in=ids).values_list("evidence_id", flat=True))
        outcomes: dict[UUID, RecordOutcome] = {}
        fresh: dict[UUID, EvidenceFacts] = {}
        for facts in batch:
            if facts.evidence_id in outcomes or facts.evidence_id in fresh:
                continue
            if facts.evidence_id in tombstoned:
                outcomes[facts.evidence_id] = RecordOutcome(facts.evidence_id, created=False, tombstoned=True)
            elif facts.evidence_id in stored:
                outcomes[facts.evidence_id] = RecordOutcome(facts.evidence_id, created=False)
            elif problems := check_evidence(facts):
                outcomes[facts.evidence_id] = RecordOutcome(facts.evidence_id, created=False, problems=tuple(problems))
            else:
                fresh[facts.evidence_id] = facts
        if fresh:
            _write_evidence(list(fresh.values()))
            outcomes.update({evidence_id: RecordOutcome(evidence_id, created=True) for evidence_id in fresh})
    return [outcomes[facts.evidence_id] for facts in batch]


def is_known_evidence(evidence_id: UUID) -> bool:
    """Whether this evidence was recorded here before (or belonged to a libretto since deleted)."""
    return (
        EvidenceRecord.objects.filter(evidence_id=evidence_id).exists()
        or EvidenceTombstone.objects.filter(evidence_id=evidence_id).exists()
    )


def add_client(name: str, platform: str) -> str:
    """Register a remote platform allowed to write its learners' evidence; its token (shown only now)."""
    if not xapi._is_url(platform):
        raise ValueError(_("the platform must be an http(s) URL."))
    token = secrets.token_urlsafe(32)
    ApiClient.objects.create(name=name, platform=platform, token_sha256=hashlib.sha256(token.encode()).hexdigest())
    return token


def revoke_client(name: str) -> bool:
    return bool(ApiClient.objects.filter(name=name, active=True).update(active=False))


def clients() -> list[tuple[str, str, bool]]:
    return list(ApiClient.objects.order_by("name").values_list("name", "platform", "active"))


def _write_evidence(batch: list[EvidenceFacts]) -> None:
    """Bulk writes, a few queries for the whole batch: libretti, entries, evidence and their links."""
    libretti = _libretti_of({(facts.platform, facts.learner) for facts in batch})
    wanted = {(libretti[facts.platform, facts.learner].pk, uri) for facts in batch for uri in facts.competences}
    CompetenceEntry.objects.bulk_create(
        [
            CompetenceEntry(
                libretto_id=libretto_id, competence_uri=uri, ambito=Ambito.NON_FORMAL, status=Status.ATTESTED
            )
            for libretto_id, uri in wanted
        ],
        ignore_conflicts=True,  # entries that exist already (or that a concurrent delivery just created)
    )
    entries = {
        (entry.libretto_id, entry.competence_uri): entry
        for entry in CompetenceEntry.objects.filter(
            libretto_id__in={libretto_id for libretto_id, _uri in wanted},
            competence_uri__in={uri for _libretto, uri in wanted},
            ambito=Ambito.NON_FORMAL,
        )
    }
    records, links, touched = [], [], {}
    for facts in batch:
        libretto = libretti[facts.platform, facts.learner]
        day = timezone.localdate(facts.completed_at)
        records.append(
            EvidenceRecord(
                evidence_id=facts.evidence_id,
                libretto=libretto,
                platform=facts.platform,
                module=facts.module,
                module_title=facts.module_title,
                completed_at=facts.completed_at,
                score=facts.score,
                passed=facts.passed,
            )
        )
        for uri in dict.fromkeys(facts.competences):
            entry = entries[libretto.pk, uri]
            entry.status = Status.ATTESTED
            entry.period_start = min(filter(None, [entry.period_start, day]))
            entry.period_end = max(filter(None, [entry.period_end, day]))
            touched[entry.pk] = entry
            links.append(
                EvidenceRecord.entries.through(evidencerecord_id=facts.evidence_id, competenceentry_id=entry.pk)
            )
    EvidenceRecord.objects.bulk_create(records, ignore_conflicts=True)
    EvidenceRecord.entries.through.objects.bulk_create(links, ignore_conflicts=True)
    now = timezone.now()
    for entry in touched.values():
        entry.updated_at = now
    CompetenceEntry.objects.bulk_update(list(touched.values()), ["status", "period_start", "period_end", "updated_at"])


def _libretti_of(learners: set[tuple[str, str]]) -> dict[tuple[str, str], Libretto]:
    """{(platform, learner): libretto}, opening a libretto for learners seen for the first time."""
    found = {
        (identity.platform, identity.subject): identity.libretto
        for identity in LearnerIdentity.objects.select_related("libretto").filter(
            platform__in={platform for platform, _learner in learners},
            subject__in={learner for _platform, learner in learners},
        )
    }
    for platform, learner in learners - set(found):
        found[platform, learner] = _libretto_of(platform, learner, create=True)
    return found


def _libretto_of(platform: str, subject: str, *, create: bool) -> Libretto | None:
    identity = LearnerIdentity.objects.select_related("libretto").filter(platform=platform, subject=subject).first()
    if identity is not None:
        return identity.libretto
    if not create:
        return None
    holder = None
    if platform == local_platform():
        from django.contrib.auth import get_user_model

        holder = get_user_model().objects.filter(username=subject).first()
    libretto = getattr(holder, "libretto", None) if holder else None
    if libretto is None:
        libretto = Libretto.objects.create(holder=holder, full_name=_full_name(holder))
    LearnerIdentity.objects.create(libretto=libretto, platform=platform, subject=subject)
    return libretto


def _full_name(user) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else ""


# -- the holder ---------------------------------------------------------------------------------------------


def libretto_for(user) -> LibrettoView:
    """The user's libretto (created empty on first visit, and known as their username on this platform)."""
    return _view(_own_libretto(user))


def _own_libretto(user) -> Libretto:
    libretto = Libretto.objects.filter(holder=user).first()
    if libretto is None:
        identity = LearnerIdentity.objects.filter(platform=local_platform(), subject=user.get_username()).first()
        if identity is not None and identity.libretto.holder_id is None:
            libretto = identity.libretto
            libretto.holder = user
            libretto.full_name = libretto.full_name or _full_name(user)
            libretto.save(update_fields=["holder", "full_name", "updated_at"])
        else:
            libretto = Libretto.objects.create(holder=user, full_name=_full_name(user), email=user.email or "")
            LearnerIdentity.objects.get_or_create(
                platform=local_platform(), subject=user.get_username(), defaults={"libretto": libretto}
            )
    return libretto


def libretto_of(platform: str, learner: str) -> LibrettoView | None:
    libretto = _libretto_of(platform, learner, create=False)
    return _view(libretto) if libretto else None


def update_profile(user, *, full_name: str, email: str) -> None:
    libretto = _own_libretto(user)
    libretto.full_name, libretto.email = full_name, email
    libretto.save(update_fields=["full_name", "email", "updated_at"])


def save_curriculum_item(user, *, item_id: int | None = None, **fields) -> int:
    """Add (or, with `item_id`, change) a Section 1 item of the user's own libretto; its id."""
    libretto = _own_libretto(user)
    if item_id is None:
        return CurriculumItem.objects.create(libretto=libretto, **fields).pk
    updated = CurriculumItem.objects.filter(pk=item_id, libretto=libretto).update(**fields)
    if not updated:
        raise NotAllowed(item_id)
    return item_id


def delete_curriculum_item(user, item_id: int) -> None:
    deleted, _rows = CurriculumItem.objects.filter(pk=item_id, libretto__holder=user).delete()
    if not deleted:
        raise NotAllowed(item_id)


def declare_competence(
    user,
    *,
    competence_uri: str,
    statement: str,
    period_start: date | None,
    period_end: date | None,
    documents: Iterable = (),
) -> int:
    """A competence the holder says they learnt informally, with supporting documents, for an operator to validate.

    `documents` are uploaded files already checked for type and size by the form. Returns the entry's id.
    """
    if competence_uri not in repertory.get_competences([competence_uri]):
        problem = EvidenceProblem("competence", _("unknown competence %(uri)s.") % {"uri": competence_uri[:200]})
        raise EvidenceRejected([problem])
    with transaction.atomic():
        libretto = _own_libretto(user)
        entry, _created = CompetenceEntry.objects.update_or_create(
            libretto=libretto,
            competence_uri=competence_uri,
            ambito=Ambito.INFORMAL,
            defaults={
                "status": Status.SELF_DECLARED,
                "statement": statement,
                "period_start": period_start,
                "period_end": period_end,
                "decided_by": None,
                "decided_at": None,
                "decision_note": "",
            },
        )
        for upload in documents:
            SupportingDocument.objects.create(
                entry=entry,
                file=upload,
                original_name=upload.name[:255],
                content_type=getattr(upload, "content_type", "") or "",
                size=upload.size,
            )
    return entry.pk


def pending_declarations() -> list[tuple[str, EntryView]]:
    """(holder's name, entry) of every self-declared competence awaiting an operator, oldest first."""
    entries = (
        CompetenceEntry.objects.filter(status=Status.SELF_DECLARED)
        .select_related("libretto__holder")
        .prefetch_related("documents", "evidence")
        .order_by("updated_at", "id")
    )
    uris = [entry.competence_uri for entry in entries]
    competences, ancestors = repertory.get_competences(uris), repertory.ancestors_of(uris)
    return [(str(entry.libretto), _entry_view(entry, competences, ancestors)) for entry in entries]


def decide_declaration(operator, entry_id: int, *, approve: bool, note: str) -> None:
    """An operator validates (or rejects, saying why) a self-declared competence."""
    with transaction.atomic():
        entry = CompetenceEntry.objects.select_for_update().filter(pk=entry_id, status=Status.SELF_DECLARED).first()
        if entry is None:
            raise NotAllowed(entry_id)
        entry.status = Status.VALIDATED if approve else Status.REJECTED
        entry.decided_by, entry.decided_at, entry.decision_note = operator, timezone.now(), note
        entry.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"])


def documents_of(user) -> list[SupportingDocument]:
    return list(SupportingDocument.objects.filter(entry__libretto__holder=user).order_by("id"))


def document_of(user, document_id: int, *, operator: bool = False) -> SupportingDocument:
    """A supporting document, for its holder or an operator only."""
    documents = SupportingDocument.objects.filter(pk=document_id)
    if not operator:
        documents = documents.filter(entry__libretto__holder=user)
    document = documents.first()
    if document is None:
        raise NotAllowed(document_id)
    return document


# -- exports ------------------------------------------------------------------------------------------------


def export_data(user) -> dict:
    """Everything the libretto holds about its holder, as JSON (schema: libretto/schemas/libretto.schema.json)."""
    return view_to_json(libretto_for(user))


def view_to_json(view: LibrettoView) -> dict:
    return {
        "schema": "https://tosca.example/schemas/libretto/v1",
        "generated_at": timezone.now().isoformat(),
        "holder": {"name": view.holder_name, "email": view.email},
        "curriculum": [
            {
                "kind": item.kind,
                "title": item.title,
                "organisation": item.organisation,
                "from": item.start.isoformat() if item.start else None,
                "to": item.end.isoformat() if item.end else None,
                "description": item.description,
            }
            for item in view.curriculum
        ],
        "competences": [
            {
                "uri": entry.competence.uri,
                "code": entry.competence.code,
                "label": entry.competence.label,
                "framework": entry.competence.framework,
                "eqf_level": entry.competence.eqf_level,
                "ambito": entry.ambito,
                "status": entry.status,
                "from": entry.period_start.isoformat() if entry.period_start else None,
                "to": entry.period_end.isoformat() if entry.period_end else None,
                "statement": entry.statement,
                "operator_note": entry.decision_note,
                "documents": list(entry.documents),
                "evidence": [
                    {
                        "id": str(evidence.evidence_id),
                        "platform": evidence.platform,
                        "module": evidence.module,
                        "module_title": evidence.module_title,
                        "completed_at": evidence.completed_at.isoformat(),
                        "score": evidence.score,
                        "passed": evidence.passed,
                    }
                    for evidence in entry.evidence
                ],
            }
            for entry in view.entries
        ],
    }


def xapi_statements(user) -> list[dict]:
    """The libretto's evidence as xAPI statements (the same ones sent to a learning record store)."""
    libretto = _own_libretto(user)
    return [xapi.statement(_facts_of(record)) for record in libretto.evidence.prefetch_related("entries")]


def statement_for(facts: EvidenceFacts) -> dict:
    """The xAPI statement of one piece of evidence; `statement_problems` checks one."""
    return xapi.statement(facts)


def statement_problems(statement: dict) -> list[str]:
    return xapi.problems(statement)


def _facts_of(record: EvidenceRecord) -> EvidenceFacts:
    identity = record.libretto.identities.filter(platform=record.platform).first()
    return EvidenceFacts(
        evidence_id=record.evidence_id,
        platform=record.platform,
        learner=identity.subject if identity else "",
        module=record.module,
        module_title=record.module_title,
        completed_at=record.completed_at,
        score=record.score,
        passed=record.passed,
        competences=tuple(entry.competence_uri for entry in record.entries.all()),
    )


def badge_credentials(user) -> list[tuple[EntryView, str]]:
    """(entry, signed VC-JWT) of an Open Badges 3.0 credential for each attested or validated competence."""
    libretto = _own_libretto(user)
    view = _view(libretto)
    return [(entry, _badge(libretto, entry)) for entry in view.entries if entry.status in BADGE_STATUSES]


def verify_badge(token: str, *, public_keys: dict | None = None) -> dict:
    """The credential inside `token` once its signature and structure check out; raises badges.BadgeInvalid.

    By default the token is checked against this instance's published keys, and must have been issued here.
    """
    if public_keys is None:
        return badges.verify_credential(token, issuer_keys(), expected_issuer=issuer_id())
    return badges.verify_credential(token, public_keys)


def issuer_id() -> str:
    return f"{settings.TOSCA_BASE_URL}/libretto/issuer/"


def issuer_keys() -> dict:
    """The JWK set verifiers fetch from /libretto/issuer/jwks.json."""
    return badges.jwks(_signing_key())


def issuer_profile() -> dict:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2", badges.OB3_CONTEXT],
        "id": issuer_id(),
        "type": ["Profile"],
        "name": settings.TOSCA_ISSUER_NAME,
        "url": settings.TOSCA_BASE_URL,
    }


@functools.cache
def _signing_key():
    # Loaded once per process: a key file read per badge would be wasted work.
    return badges.load_or_create_signing_key(settings.TOSCA_SIGNING_KEY_FILE)


def _badge(libretto: Libretto, entry: EntryView) -> str:
    competence = entry.competence
    attested = entry.status == Status.ATTESTED
    criteria = (
        _("Completed open learning modules that develop this competence (learning evidence, not a certificate).")
        if attested
        else _("Declared by the holder and validated by an operator of the regional libretto.")
    )
    achievement = badges.CompetenceAchievement(
        id=f"urn:uuid:{uuid5(BADGE_NAMESPACE, competence.uri)}",
        name=competence.label,
        description=_("Competence %(code)s of the framework %(framework)s.")
        % {"code": competence.code, "framework": competence.framework},
        criteria=criteria,
        alignments=(
            badges.Alignment(
                uri=competence.uri, code=competence.code, name=competence.label, framework=competence.framework
            ),
        ),
    )
    moments = [evidence.completed_at for evidence in entry.evidence]
    credential = badges.build_credential(
        credential_id=f"urn:uuid:{uuid5(BADGE_NAMESPACE, f'{libretto.public_id}|{entry.id}')}",
        issuer_id=issuer_id(),
        issuer_name=settings.TOSCA_ISSUER_NAME,
        subject_id=f"urn:uuid:{libretto.public_id}",
        achievement=achievement,
        valid_from=max(moments) if moments else timezone.now(),
        evidence=tuple(
            badges.BadgeEvidence(
                id=f"urn:uuid:{evidence.evidence_id}",
                name=evidence.module_title or evidence.module,
                description=_("Module completed on %(date)s.") % {"date": evidence.completed_at.date().isoformat()},
            )
            for evidence in entry.evidence
        ),
    )
    return badges.sign_credential(
        credential, _signing_key(), jwks_url=f"{settings.TOSCA_BASE_URL}/libretto/issuer/jwks.json"
    )


# -- privacy ------------------------------------------------------------------------------------------------


def delete_libretto(user) -> int:
    """Delete the user's libretto and everything in it; its evidence ids stay as tombstones. How many evidence."""
    libretto = Libretto.objects.filter(holder=user).first()
    if libretto is None:
        return 0
    identities = list(libretto.identities.values_list("platform", "subject"))
    with transaction.atomic():
        evidence_ids = list(libretto.evidence.values_list("evidence_id", flat=True))
        EvidenceTombstone.objects.bulk_create(
            [EvidenceTombstone(evidence_id=evidence_id) for evidence_id in evidence_ids], ignore_conflicts=True
        )
        for document in SupportingDocument.objects.filter(entry__libretto=libretto):
            document.file.delete(save=False)
        libretto.delete()
        for platform, subject in identities:
            transaction.on_commit(
                functools.partial(libretto_deleted.send, sender=Libretto, platform=platform, learner=subject)
            )
    return len(evidence_ids)


# -- views of the data --------------------------------------------------------------------------------------


def _view(libretto: Libretto) -> LibrettoView:
    entries = list(
        libretto.entries.prefetch_related(
            "documents", Prefetch("evidence", queryset=EvidenceRecord.objects.order_by("-completed_at"))
        )
    )
    uris = [entry.competence_uri for entry in entries]
    competences, ancestors = repertory.get_competences(uris), repertory.ancestors_of(uris)
    return LibrettoView(
        id=libretto.pk,
        holder_name=str(libretto),
        email=libretto.email,
        curriculum=tuple(
            CurriculumItemView(
                id=item.pk,
                kind=item.kind,
                title=item.title,
                organisation=item.organisation,
                start=item.start,
                end=item.end,
                description=item.description,
            )
            for item in libretto.curriculum.all()
        ),
        entries=tuple(_entry_view(entry, competences, ancestors) for entry in entries),
    )


def _entry_view(entry: CompetenceEntry, competences: dict, ancestors: dict) -> EntryView:
    return EntryView(
        id=entry.pk,
        competence=_competence_view(
            entry.competence_uri, competences.get(entry.competence_uri), ancestors.get(entry.competence_uri, ())
        ),
        ambito=entry.ambito,
        status=entry.status,
        period_start=entry.period_start,
        period_end=entry.period_end,
        statement=entry.statement,
        decision_note=entry.decision_note,
        evidence=tuple(
            EvidenceView(
                evidence_id=record.evidence_id,
                platform=record.platform,
                module=record.module,
                module_title=record.module_title,
                completed_at=record.completed_at,
                score=record.score,
                passed=record.passed,
            )
            for record in entry.evidence.all()
        ),
        documents=tuple(document.original_name for document in entry.documents.all()),
    )


def _figure(ancestors: tuple) -> str:
    """The professional figure a competence belongs to (else its top ancestor), for grouping the libretto."""
    figures = [ancestor.label for ancestor in ancestors if ancestor.kind == "figure"]
    if figures:
        return figures[-1]
    return ancestors[0].label if ancestors else ""


def _competence_view(uri: str, ref, ancestors: tuple) -> CompetenceView:
    if ref is None:
        return CompetenceView(uri=uri, code="", label=uri, framework="", eqf_level=None, figure="")
    return CompetenceView(
        uri=uri,
        code=ref.code,
        label=ref.label,
        framework=ref.framework,
        eqf_level=ref.eqf_level,
        figure=_figure(ancestors),
    )
