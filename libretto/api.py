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
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from libretto import badges, xapi
from libretto.data import (
    Ambito,
    CompetenceView,
    CurriculumItemView,
    DocumentView,
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
MAX_ATTEMPT = 64
# Evidence dated before this year is a mistake (a default date, a broken clock), not e-learning.
EARLIEST_YEAR = 1990
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
    if not xapi._is_url(facts.platform) or not _storable_text(facts.platform, MAX_TEXT):
        found.append(EvidenceProblem("platform", _("the platform must be an http(s) URL.")))
    for name in ("learner", "module"):
        if not getattr(facts, name) or not _storable_text(getattr(facts, name), MAX_TEXT):
            found.append(EvidenceProblem(name, _("must be 1 to %(max)d characters.") % {"max": MAX_TEXT}))
    if not _storable_text(facts.module_title, MAX_TEXT):
        found.append(EvidenceProblem("module_title", _("must be at most %(max)d characters.") % {"max": MAX_TEXT}))
    if not facts.attempt or not _storable_text(facts.attempt, MAX_ATTEMPT):
        found.append(EvidenceProblem("attempt", _("must be 1 to %(max)d characters.") % {"max": MAX_ATTEMPT}))
    if facts.completed_at.tzinfo is None:
        found.append(EvidenceProblem("completed_at", _("needs a time zone.")))
    elif facts.completed_at > timezone.now() + settings.TOSCA_CLOCK_SKEW:
        found.append(EvidenceProblem("completed_at", _("is in the future.")))
    elif facts.completed_at.year < EARLIEST_YEAR:
        found.append(EvidenceProblem("completed_at", _("is before %(year)d.") % {"year": EARLIEST_YEAR}))
    if facts.score is not None and not _is_scaled_score(facts.score):
        found.append(EvidenceProblem("score", _("must be a number from 0 to 1.")))
    if not facts.competences:
        found.append(EvidenceProblem("competences", _("name at least one competence.")))
    known = repertory.known_competences(facts.competences)
    for uri in facts.competences:
        if uri not in known:
            found.append(EvidenceProblem("competences", _("unknown competence %(uri)s.") % {"uri": uri[:200]}))
    return found


def _storable_text(value, limit: int) -> bool:
    """Text that fits its column and that every database stores (PostgreSQL refuses NUL)."""
    return isinstance(value, str) and len(value) <= limit and "\x00" not in value


def _is_scaled_score(score) -> bool:
    if isinstance(score, bool) or not isinstance(score, int | float):
        return False
    try:
        return math.isfinite(float(score)) and 0 <= score <= 1
    except OverflowError:  # an integer too large for a float
        return False


def same_facts(a: EvidenceFacts, b: EvidenceFacts) -> bool:
    """Whether two deliveries of an evidence id say the same thing (a retry), or contradict each other."""
    return (a.platform, a.learner, a.module, a.completed_at, a.score, a.passed, sorted(a.competences)) == (
        b.platform,
        b.learner,
        b.module,
        b.completed_at,
        b.score,
        b.passed,
        sorted(b.competences),
    )


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
        stored = {record.evidence_id: _facts_of(record) for record in _records(ids)}
        seen: dict[UUID, EvidenceFacts] = {}
        outcomes: list[RecordOutcome] = []
        fresh: dict[UUID, EvidenceFacts] = {}
        for facts in batch:
            earlier = stored.get(facts.evidence_id) or seen.get(facts.evidence_id)
            seen.setdefault(facts.evidence_id, facts)
            if facts.evidence_id in tombstoned:
                outcome = RecordOutcome(facts.evidence_id, created=False, tombstoned=True)
            elif earlier is not None and not same_facts(earlier, facts):
                conflict = EvidenceProblem("id", _("this evidence was recorded before with other facts."))
                outcome = RecordOutcome(facts.evidence_id, created=False, problems=(conflict,), conflict=True)
            elif earlier is not None:  # a redelivery, or the same evidence twice in one batch
                outcome = RecordOutcome(facts.evidence_id, created=False)
            elif problems := check_evidence(facts):
                outcome = RecordOutcome(facts.evidence_id, created=False, problems=tuple(problems))
            else:
                fresh[facts.evidence_id] = facts
                outcome = RecordOutcome(facts.evidence_id, created=True)
            outcomes.append(outcome)
        if fresh:
            _write_evidence(list(fresh.values()))
    return outcomes


def _records(ids: list[UUID]):
    return EvidenceRecord.objects.filter(evidence_id__in=ids).prefetch_related("entries")


def add_client(name: str, platform: str) -> str:
    """Register a remote platform allowed to write its learners' evidence; its token (shown only now)."""
    if not xapi._is_url(platform) or not _storable_text(platform, MAX_TEXT):
        raise ValueError(_("the platform must be an http(s) URL."))
    if platform.rstrip("/") == local_platform().rstrip("/"):
        raise ValueError(_("this instance's own platform cannot be a client: its learners are its users."))
    if not name or not _storable_text(name, 100):
        raise ValueError(_("a client's name has 1 to 100 characters."))
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
        # Locked: a concurrent batch for the same learner would otherwise overwrite the periods computed here.
        for entry in CompetenceEntry.objects.select_for_update().filter(
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
                learner=facts.learner,
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
    local = local_platform()
    found = {
        (identity.platform, identity.subject): identity.libretto
        for identity in LearnerIdentity.objects.select_related("libretto").filter(
            platform__in={platform for platform, _learner in learners},
            subject__in={learner for _platform, learner in learners},
        )
        if identity.platform != local  # this platform's learners are users: see _libretto_of
    }
    for platform, learner in learners - set(found):
        found[platform, learner] = _libretto_of(platform, learner, create=True)
    return found


def _libretto_of(platform: str, subject: str, *, create: bool) -> Libretto | None:
    """The libretto of `subject` on `platform`. On this platform the learner is the user with that username
    now (usernames can be reused), so their own libretto is the answer, whatever an old identity says."""
    if platform == local_platform():
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.filter(username=subject).first()
        if user is not None:
            return _own_libretto(user)
    identity = LearnerIdentity.objects.select_related("libretto").filter(platform=platform, subject=subject).first()
    if identity is not None or not create:
        return identity.libretto if identity else None
    try:
        with transaction.atomic():
            libretto = Libretto.objects.create()
            LearnerIdentity.objects.create(libretto=libretto, platform=platform, subject=subject)
            return libretto
    except IntegrityError:  # another delivery opened it a moment ago
        return LearnerIdentity.objects.select_related("libretto").get(platform=platform, subject=subject).libretto


def _full_name(user) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else ""


# -- the holder ---------------------------------------------------------------------------------------------


def libretto_for(user) -> LibrettoView:
    """The user's libretto (created empty on first visit, and known as their username on this platform)."""
    return _view(_own_libretto(user))


def _own_libretto(user) -> Libretto:
    """The user's libretto, opened on first use; evidence that arrived for their username before they had an
    account (a libretto without holder) becomes theirs."""
    libretto = Libretto.objects.filter(holder=user).first()
    if libretto is not None:
        return libretto
    local, username = local_platform(), user.get_username()
    try:
        with transaction.atomic():
            identity = (
                LearnerIdentity.objects.select_for_update()
                .select_related("libretto")
                .filter(platform=local, subject=username)
                .first()
            )
            if identity is not None and identity.libretto.holder_id is None:
                libretto = identity.libretto
                libretto.holder = user
                libretto.full_name = libretto.full_name or _full_name(user)
                libretto.save(update_fields=["holder", "full_name", "updated_at"])
                return libretto
            libretto = Libretto.objects.create(holder=user, full_name=_full_name(user), email=user.email or "")
            if identity is not None:
                # The username belonged to someone else before (renamed): from now on it names this user.
                identity.libretto = libretto
                identity.save(update_fields=["libretto"])
            else:
                LearnerIdentity.objects.create(libretto=libretto, platform=local, subject=username)
            return libretto
    except IntegrityError:  # a concurrent first visit or delivery opened it
        return Libretto.objects.get(holder=user)


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

    Declaring it again (after a rejection, or while it waits) replaces the statement and the documents; a
    validated declaration stays as it is. `documents` are uploads the form already checked for type and size.
    Returns the entry's id.
    """
    if competence_uri not in repertory.known_competences([competence_uri]):
        problem = EvidenceProblem("competence", _("unknown competence %(uri)s.") % {"uri": competence_uri[:200]})
        raise EvidenceRejected([problem])
    saved: list[str] = []
    try:
        with transaction.atomic():
            libretto = _own_libretto(user)
            entry, _created = CompetenceEntry.objects.select_for_update().get_or_create(
                libretto=libretto,
                competence_uri=competence_uri,
                ambito=Ambito.INFORMAL,
                defaults={"status": Status.SELF_DECLARED},
            )
            if entry.status == Status.VALIDATED:
                problem = EvidenceProblem("competence", _("this declaration was validated already."))
                raise EvidenceRejected([problem])
            replaced = [document.file.name for document in entry.documents.all()]
            entry.documents.all().delete()
            entry.status, entry.statement = Status.SELF_DECLARED, statement
            entry.period_start, entry.period_end = period_start, period_end
            entry.decided_by, entry.decided_at, entry.decision_note = None, None, ""
            entry.save()
            for upload in documents:
                document = SupportingDocument(
                    entry=entry,
                    original_name=upload.name[:255],
                    content_type=getattr(upload, "content_type", "") or "",
                    size=upload.size,
                )
                document.file = upload
                document.save()
                saved.append(document.file.name)
            transaction.on_commit(functools.partial(_delete_files, replaced))
    except BaseException:
        _delete_files(saved)  # the rows were rolled back: their files must go too
        raise
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
                "documents": [document.name for document in entry.documents],
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
    return EvidenceFacts(
        evidence_id=record.evidence_id,
        platform=record.platform,
        learner=record.learner,
        module=record.module,
        module_title=record.module_title,
        completed_at=record.completed_at,
        score=record.score,
        passed=record.passed,
        competences=tuple(entry.competence_uri for entry in record.entries.all()),
    )


def badge_entries(user) -> list[EntryView]:
    """The entries of the user's libretto that an Open Badge can be issued for."""
    return [entry for entry in _view(_own_libretto(user)).entries if entry.status in BADGE_STATUSES]


def badge_credential(user, entry_id: int) -> tuple[EntryView, str] | None:
    """The signed credential of one entry of the user's own libretto (None if not theirs or not badgeable)."""
    libretto = _own_libretto(user)
    entry = next((entry for entry in _view(libretto).entries if entry.id == entry_id), None)
    if entry is None or entry.status not in BADGE_STATUSES:
        return None
    return entry, _badge(libretto, entry)


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
    """Delete the user's libretto and everything in it, for good; how many evidence it held.

    Evidence ids stay as tombstones, so a late redelivery does not bring the libretto back; the documents'
    files go once the deletion committed; other apps forget the learner in the same transaction.
    """
    with transaction.atomic():
        libretto = Libretto.objects.select_for_update().filter(holder=user).first()
        if libretto is None:
            return 0
        evidence_ids = list(libretto.evidence.values_list("evidence_id", flat=True))
        add_tombstones(evidence_ids)
        files = [document.file.name for document in SupportingDocument.objects.filter(entry__libretto=libretto)]
        for platform, subject in libretto.identities.values_list("platform", "subject"):
            libretto_deleted.send(sender=Libretto, platform=platform, learner=subject)
        libretto.delete()
        transaction.on_commit(functools.partial(_delete_files, files))
    return len(evidence_ids)


def on_user_deleted(sender, instance, **kwargs) -> None:
    delete_libretto(instance)


def _delete_files(names: list[str]) -> None:
    storage = SupportingDocument._meta.get_field("file").storage
    for name in names:
        storage.delete(name)


def add_tombstones(evidence_ids: Iterable[UUID]) -> None:
    """Evidence that must never be recorded here again (its learner deleted their libretto)."""
    EvidenceTombstone.objects.bulk_create(
        [EvidenceTombstone(evidence_id=evidence_id) for evidence_id in evidence_ids], ignore_conflicts=True
    )


def is_tombstoned(evidence_id: UUID) -> bool:
    return EvidenceTombstone.objects.filter(evidence_id=evidence_id).exists()


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
        documents=tuple(DocumentView(document.pk, document.original_name) for document in entry.documents.all()),
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
