"""Plain values the sync app hands out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from uuid import UUID

from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    PENDING = "pending", _("pending")
    SENDING = "sending", _("sending")
    DELIVERED = "delivered", _("delivered")
    DEAD = "dead", _("dead-lettered")


@dataclass(frozen=True)
class Receipt:
    evidence_id: UUID
    created: bool
    """False when the same evidence had been recorded before (the call was a no-op)."""


@dataclass(frozen=True)
class DispatchReport:
    delivered: int = 0
    retrying: int = 0
    dead: int = 0

    def __add__(self, other: DispatchReport) -> DispatchReport:
        return DispatchReport(self.delivered + other.delivered, self.retrying + other.retrying, self.dead + other.dead)


@dataclass(frozen=True)
class DestinationStatus:
    destination: str
    pending: int
    sending: int
    delivered: int
    dead: int
    oldest_pending: datetime | None


@dataclass(frozen=True)
class Outcome:
    """What a destination says of one evidence it was given: delivered, retry later, or give up (dead-letter)."""

    result: Literal["delivered", "retry", "dead"]
    detail: str = ""


DELIVERED = Outcome("delivered")


def retry(detail: str) -> Outcome:
    return Outcome("retry", detail[:2000])


def dead(detail: str) -> Outcome:
    return Outcome("dead", detail[:2000])
