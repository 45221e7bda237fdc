"""Matching a file's header to the columns a format expects, with errors that help fix the file."""

from __future__ import annotations

import difflib

from django.utils.translation import gettext as _

from repertory.errors import ImportProblem, ImportRejected
from repertory.importers.source import Table


def _key(column: str) -> str:
    return " ".join(column.replace("\ufeff", "").strip().lower().replace("_", " ").split())


def map_columns(
    table: Table, *, required: tuple[str, ...], optional: tuple[str, ...], ignore_unknown: bool = False
) -> dict[str, int]:
    """{expected column: its index in the header}; every missing or unknown column is one problem."""
    expected = {_key(column): column for column in (*required, *optional)}
    found: dict[str, int] = {}
    problems = []
    for index, header in enumerate(table.header):
        key = _key(header)
        if not key:
            continue
        column = expected.get(key)
        if column is None:
            if not ignore_unknown:
                problems.append(_unknown(table.name, header, expected.values()))
        elif column in found:
            problems.append(
                ImportProblem(
                    file=table.name, row=1, field=header, message=_("the column appears twice in the header.")
                )
            )
        else:
            found[column] = index
    for column in required:
        if column not in found:
            problems.append(
                ImportProblem(
                    file=table.name,
                    row=1,
                    field=column,
                    message=_("required column “%(column)s” is missing from the header (found: %(found)s).")
                    % {"column": column, "found": ", ".join(repr(header) for header in table.header) or "-"},
                )
            )
    if problems:
        raise ImportRejected(problems)
    return found


def _unknown(name: str, header: str, columns) -> ImportProblem:
    suggestion = difflib.get_close_matches(_key(header), [_key(column) for column in columns], n=1, cutoff=0.6)
    by_key = {_key(column): column for column in columns}
    message = _("unknown column “%(column)s”.") % {"column": header}
    if suggestion:
        message += " " + _("Did you mean “%(column)s”?") % {"column": by_key[suggestion[0]]}
    else:
        message += " " + _("Expected columns: %(columns)s.") % {"columns": ", ".join(columns)}
    return ImportProblem(file=name, row=1, field=header, message=message)
