"""Plain values the libretto takes and hands out. Frozen: callers read them, never change them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from django.db import models
from django.utils.translation import gettext_lazy as _

# uuid5 namespace of evidence ids: shared by every Tosca instance, so they agree on the id of the same fact.
EVIDENCE_NAMESPACE = uuid5(NAMESPACE_URL, "https://w3id.org/tosca/evidence")


def evidence_id(platform: str, learner: str, module: str, attempt: str) -> UUID:
    """The deterministic id of a completion: every retry and every destination deduplicates on it."""
    return uuid5(EVIDENCE_NAMESPACE, "\n".join((platform, learner, module, str(attempt))))


class Ambito(models.TextChoices):
    """Where a competence was learnt (the 2005 national libretto's three settings)."""

    FORMAL = "formal", _("formal")
    NON_FORMAL = "non_formal", _("non-formal")
    INFORMAL = "informal", _("informal")


class Status(models.TextChoices):
    """How far a competence entry is backed."""

    ATTESTED = "attested", _("attested by a learning platform")
    SELF_DECLARED = "self_declared", _("self-declared, awaiting validation")
    VALIDATED = "validated", _("validated by an operator")
    REJECTED = "rejected", _("not validated")


class CurriculumKind(models.TextChoices):
    WORK = "work", _("work experience")
    EDUCATION = "education", _("education title")
    TRAINING = "training", _("training course")


@dataclass(frozen=True)
class EvidenceFacts:
    """One module completion, as a platform attests it: the unit of evidence every destination receives."""

    evidence_id: UUID
    platform: str
    learner: str
    """The learner's identifier on `platform` (on this instance: the username)."""
    module: str
    completed_at: datetime
    competences: tuple[str, ...]
    """URIs of the repertory competences the module develops."""
    score: float | None = None
    """Scaled 0..1, when the module is scored."""
    passed: bool | None = None
    module_title: str = ""
    attempt: str = "1"


@dataclass(frozen=True)
class EvidenceProblem:
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


@dataclass(frozen=True)
class RecordOutcome:
    """What recording one piece of evidence into a libretto did."""

    evidence_id: UUID
    created: bool
    """False when the evidence was already there (a redelivery)."""
    tombstoned: bool = False
    """True when the learner had deleted their libretto: the evidence is dropped, not resurrected."""
    problems: tuple[EvidenceProblem, ...] = ()
    """Why the evidence was not recorded (only from record_evidence_batch; record_evidence raises instead)."""
    conflict: bool = False
    """The id was recorded before with other facts: a contradiction, not a retry."""


@dataclass(frozen=True)
class EvidenceView:
    evidence_id: UUID
    platform: str
    module: str
    module_title: str
    completed_at: datetime
    score: float | None
    passed: bool | None


@dataclass(frozen=True)
class CompetenceView:
    uri: str
    code: str
    label: str
    framework: str
    eqf_level: int | None
    figure: str
    """The professional figure (or the top of the tree) the competence belongs to, for grouping."""


@dataclass(frozen=True)
class DocumentView:
    id: int
    name: str


@dataclass(frozen=True)
class EntryView:
    id: int
    competence: CompetenceView
    ambito: str
    status: str
    period_start: date | None
    period_end: date | None
    statement: str
    decision_note: str
    evidence: tuple[EvidenceView, ...]
    documents: tuple[DocumentView, ...]


@dataclass(frozen=True)
class CurriculumItemView:
    id: int
    kind: str
    title: str
    organisation: str
    start: date | None
    end: date | None
    description: str


@dataclass(frozen=True)
class LibrettoView:
    id: int
    holder_name: str
    email: str
    curriculum: tuple[CurriculumItemView, ...]
    entries: tuple[EntryView, ...]
