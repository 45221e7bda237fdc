"""Reading raw input safely: size limits, encodings, CSV dialects, spreadsheets, ZIP archives.

Everything here fails with `ImportRejected` naming the file and, where it can, the row.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from repertory.errors import reject
from repertory.importers import xml

ZIP_MAGIC = b"PK\x03\x04"
UTF8_BOM = codecs.BOM_UTF8
DELIMITERS = (",", ";", "\t")
# A valid multi-byte UTF-8 sequence: in a file that is otherwise Windows-1252, a sign of mixed encodings.
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
# How UTF-8 bytes look once mis-decoded as Windows-1252 ("Ã¨" for "è").
_MOJIBAKE = re.compile("[ÂÃ][\u0080-\u00bf\u2018-\u203a\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc]")
ENCODING_ALIASES = {"auto": "auto", "utf8": "utf-8", "utf-8-sig": "utf-8"}
MAX_SHEET_COLUMNS = 16_384  # XFD, the last column of an .xlsx sheet

# One cell may be as large as a whole import (Python's default stops at 128 KB with an English message).
csv.field_size_limit(2**31 - 1)


@dataclass(frozen=True)
class RawFile:
    name: str
    data: bytes


def max_bytes() -> int:
    return settings.TOSCA_REPERTORY_MAX_IMPORT_BYTES


def read_file(path: Path) -> RawFile:
    """The bytes of `path`, refused before reading when the file is larger than the import limit."""
    name = path.name
    try:
        size = path.stat().st_size
        if size > max_bytes():
            raise too_large(name, size)
        with path.open("rb") as handle:
            data = handle.read(max_bytes() + 1)
    except FileNotFoundError:
        raise reject(str(path), _("no such file.")) from None
    except IsADirectoryError:
        raise reject(str(path), _("is a directory; this format reads one file.")) from None
    except PermissionError:
        raise reject(str(path), _("cannot be read (permission denied).")) from None
    except OSError as error:
        raise reject(str(path), _("cannot be read: %(error)s.") % {"error": error.strerror or error}) from None
    if len(data) > max_bytes():
        raise too_large(name, len(data))
    return RawFile(name=name, data=data)


def too_large(name: str, size: int):
    return reject(
        name,
        _("the file is %(size)s, larger than the import limit of %(limit)s (setting TOSCA_REPERTORY_MAX_IMPORT_BYTES).")
        % {"size": _megabytes(size), "limit": _megabytes(max_bytes())},
    )


def _megabytes(size: int) -> str:
    return str(filesizeformat(size))


def decode(raw: RawFile, encoding: str = "auto") -> str:
    """The text of `raw`. `auto` accepts UTF-8 (with or without BOM) and Windows-1252, but not a mix."""
    encoding = ENCODING_ALIASES.get(encoding.lower(), encoding.lower())
    data = raw.data
    if data.startswith(UTF8_BOM) and encoding in ("auto", "utf-8"):
        data = data[len(UTF8_BOM) :]
    if encoding == "auto":
        return _decode_auto(raw.name, data)
    try:
        is_text = codecs.lookup(encoding)._is_text_encoding
    except LookupError:
        is_text = False
    if not is_text:
        raise reject(raw.name, _("unknown encoding “%(encoding)s”.") % {"encoding": encoding})
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        hint = _("the file looks like Windows-1252: try --encoding cp1252.") if encoding == "utf-8" else ""
        raise reject(
            raw.name,
            _("byte 0x%(byte)02X is not valid %(encoding)s. %(hint)s")
            % {"byte": data[error.start], "encoding": encoding, "hint": hint},
            row=_row_of(data, error.start),
        ) from None
    if encoding != "utf-8":
        _refuse_utf8_read_as_single_byte(raw.name, text, encoding)
    return text


def _decode_auto(name: str, data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        bad_at = error.start
    utf8_sequence = _UTF8_SEQUENCE.search(data)
    if utf8_sequence:
        raise reject(
            name,
            _(
                "mixed encodings: row %(utf8_row)d is UTF-8 but row %(other_row)d is not "
                "(perhaps Windows-1252). Save the whole file as UTF-8 and import it again."
            )
            % {"utf8_row": _row_of(data, utf8_sequence.start()), "other_row": _row_of(data, bad_at)},
            row=_row_of(data, bad_at),
        )
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as error:
        raise reject(
            name,
            _("byte 0x%(byte)02X is neither UTF-8 nor Windows-1252; give the file's encoding with --encoding.")
            % {"byte": data[error.start]},
            row=_row_of(data, error.start),
        ) from None


def _refuse_utf8_read_as_single_byte(name: str, text: str, encoding: str) -> None:
    found = _MOJIBAKE.search(text)
    if found:
        raise reject(
            name,
            _("the text looks like UTF-8 read as %(encoding)s (“%(sample)s”); import it with --encoding utf-8.")
            % {"encoding": encoding, "sample": found.group()},
            row=text.count("\n", 0, found.start()) + 1,
        )


def _row_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


@dataclass(frozen=True)
class Table:
    """A header and its rows, from a CSV file or a spreadsheet's first sheet."""

    name: str
    header: list[str]
    rows: list[tuple[int, list[str]]]
    """(row number as a spreadsheet shows it, cells) for every non-empty row after the header."""


def read_table(raw: RawFile, encoding: str = "auto") -> Table:
    """A CSV file (comma, semicolon or tab separated) or the first sheet of an .xlsx workbook."""
    if raw.data.startswith(ZIP_MAGIC):
        return read_xlsx(raw)
    return read_csv_text(raw.name, decode(raw, encoding))


def read_csv_text(name: str, text: str) -> Table:
    if not text.strip():
        raise reject(name, _("the file is empty."))
    if "\x00" in text:
        raise reject(
            name,
            _("the file contains NUL bytes: it is not a text (CSV) file."),
            row=text.count("\n", 0, text.index("\x00")) + 1,
        )
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    record = 0
    try:
        for cells in reader:
            record += 1
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = cells
                continue
            rows.append((record, cells))
    except csv.Error as error:
        raise reject(name, _csv_problem(str(error)), row=record + 1) from None
    if header is None:
        raise reject(name, _("the file is empty."))
    return Table(name=name, header=header, rows=rows)


def _csv_problem(error: str) -> str:
    """Python's csv messages, told in the user's language where we know them."""
    if "end of data" in error or "EOF" in error:
        return _('a quoted value is never closed (a missing “"”).')
    if "expected after" in error:
        return _('a closing quote is followed by other characters; double a quote inside a quoted value (“""”).')
    if "new-line character" in error:
        return _("a line break inside a value that is not quoted.")
    return _("the CSV is malformed: %(error)s.") % {"error": error}


def sniff_delimiter(text: str) -> str:
    """The delimiter of the header line: Italian spreadsheets write `;`, others `,` or tabs."""
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    unquoted = re.sub(r'"[^"]*"', "", first_line)
    counts = {delimiter: unquoted.count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def iter_cells(table: Table, columns: dict[str, int]) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows as {column: stripped value}, refusing rows with more values than the header has columns."""
    width = len(table.header)
    for row_number, cells in table.rows:
        if len(cells) > width and any(cell.strip() for cell in cells[width:]):
            raise reject(
                table.name,
                _("the row has %(count)d values but the header has %(width)d columns (is a value missing its quotes?).")
                % {"count": len(cells), "width": width},
                row=row_number,
            )
        yield (
            row_number,
            {column: (cells[index].strip() if index < len(cells) else "") for column, index in columns.items()},
        )


def open_zip(raw: RawFile) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(raw.data))
    except (zipfile.BadZipFile, OSError) as error:
        raise reject(raw.name, _("not a valid ZIP archive: %(error)s.") % {"error": error}) from None


def read_member(archive: zipfile.ZipFile, member: str, archive_name: str) -> RawFile:
    """One member of a ZIP archive, read with the import size limit whatever its header claims."""
    name = f"{archive_name}:{member}"
    try:
        with archive.open(member) as handle:
            data = handle.read(max_bytes() + 1)
    except KeyError:
        raise reject(archive_name, _("the archive has no member “%(member)s”.") % {"member": member}) from None
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as error:
        raise reject(name, _("cannot be read from the archive: %(error)s.") % {"error": error}) from None
    if len(data) > max_bytes():
        raise too_large(name, len(data))
    return RawFile(name=name, data=data)


def read_xlsx(raw: RawFile) -> Table:
    """The first worksheet of an Office Open XML workbook, as text cells."""
    archive = open_zip(raw)
    names = set(archive.namelist())
    if "xl/workbook.xml" not in names:
        raise reject(raw.name, _("a ZIP archive, but not an .xlsx workbook; save the sheet as CSV or .xlsx."))
    shared = _shared_strings(archive, raw.name) if "xl/sharedStrings.xml" in names else []
    sheet_path = _first_sheet_path(archive, raw.name)
    sheet = xml.parse(read_member(archive, sheet_path, raw.name))
    rows: list[tuple[int, list[str]]] = []
    for row in sheet.iter(f"{{{xml.SPREADSHEET}}}row"):
        cells: list[str] = []
        for cell in row.iter(f"{{{xml.SPREADSHEET}}}c"):
            column = _column_index(cell.get("r", ""), default=len(cells))
            if column >= MAX_SHEET_COLUMNS:
                raise reject(
                    raw.name, _("a cell lies beyond the last column a spreadsheet can have."), row=len(rows) + 1
                )
            cells.extend([""] * (column - len(cells)))
            cells.append(_cell_text(cell, shared))
        row_number = int(row.get("r") or len(rows) + 1) if (row.get("r") or "").isdigit() else len(rows) + 1
        if any(cell.strip() for cell in cells):
            rows.append((row_number, cells))
    if not rows:
        raise reject(raw.name, _("the first sheet of the workbook is empty."))
    (_header_row, header), *body = rows
    return Table(name=raw.name, header=header, rows=body)


def _shared_strings(archive: zipfile.ZipFile, name: str) -> list[str]:
    root = xml.parse(read_member(archive, "xl/sharedStrings.xml", name))
    return ["".join(item.itertext()) for item in root.iter(f"{{{xml.SPREADSHEET}}}si")]


def _first_sheet_path(archive: zipfile.ZipFile, name: str) -> str:
    workbook = xml.parse(read_member(archive, "xl/workbook.xml", name))
    sheet = next(workbook.iter(f"{{{xml.SPREADSHEET}}}sheet"), None)
    if sheet is None:
        raise reject(name, _("the workbook has no sheet."))
    relation_id = sheet.get(f"{{{xml.OFFICE_RELATIONSHIPS}}}id")
    relations = xml.parse(read_member(archive, "xl/_rels/workbook.xml.rels", name))
    for relation in relations.iter(f"{{{xml.PACKAGE_RELATIONSHIPS}}}Relationship"):
        if relation.get("Id") == relation_id:
            target = relation.get("Target", "").lstrip("/")
            return target if target.startswith("xl/") else f"xl/{target}"
    raise reject(name, _("the workbook's first sheet cannot be found."))


def _column_index(reference: str, *, default: int) -> int:
    letters = "".join(char for char in reference if char.isalpha()).upper()
    if not letters:
        return default
    index = 0
    for letter in letters:
        index = index * 26 + (ord(letter) - ord("A") + 1)
    return index - 1


def _cell_text(cell, shared: list[str]) -> str:
    kind = cell.get("t")
    if kind == "inlineStr":
        inline = cell.find(f"{{{xml.SPREADSHEET}}}is")
        return "".join(inline.itertext()) if inline is not None else ""
    value = cell.find(f"{{{xml.SPREADSHEET}}}v")
    text = value.text if value is not None and value.text else ""
    if kind == "s":
        index = int(text) if text.isdigit() else -1
        return shared[index] if 0 <= index < len(shared) else ""
    if kind in (None, "n") and text.endswith(".0"):
        # Spreadsheets store whole numbers such as an EQF level as floats.
        return text[:-2]
    return text
