"""Import problems are values with a place (file, row, field) and a translated message.

Parsers and validators collect them; an import with any problem writes nothing and shows them all.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

MAX_SHOWN = 50


@dataclass(frozen=True)
class ImportProblem:
    file: str
    message: str
    row: int | None = None
    """1-based, as a spreadsheet numbers rows (the header is row 1); for JSON, the item's position."""
    field: str | None = None
    """The column (CSV) or the JSON path of the value at fault."""

    def __str__(self) -> str:
        place = [self.file]
        if self.row is not None:
            place.append(_("row %(row)d") % {"row": self.row})
        if self.field:
            place.append(_("field “%(field)s”") % {"field": self.field})
        return f"{', '.join(place)}: {self.message}"


class ImportRejected(Exception):
    """The input cannot be imported; nothing was written. `problems` says every reason found."""

    def __init__(self, problems: list[ImportProblem]):
        self.problems = list(problems)
        super().__init__(self.summary())

    def summary(self) -> str:
        lines = [str(problem) for problem in self.problems[:MAX_SHOWN]]
        hidden = len(self.problems) - MAX_SHOWN
        if hidden > 0:
            lines.append(_("… and %(count)d more problems.") % {"count": hidden})
        return "\n".join(lines)


def reject(file: str, message: str, *, row: int | None = None, field: str | None = None) -> ImportRejected:
    """One problem that stops parsing at once (the file cannot be read further)."""
    return ImportRejected([ImportProblem(file=file, message=message, row=row, field=field)])


class FrameworkNotFound(LookupError):
    """No framework has that code."""


class CompetenceNotFound(LookupError):
    """No node has that URI (or that code in that framework)."""
