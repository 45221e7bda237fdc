"""`tosca repertory import|export|list`: the operator's command line for the competence repertory."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from repertory import api
from repertory.data import EXPORT_FORMATS, IMPORT_FORMATS, ImportReport

SHOWN_CODES = 10


class Command(BaseCommand):
    help = gettext_lazy("Import, export and list competence frameworks.")

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{import,export,list}")

        importing = actions.add_parser("import", help=_("Import a framework file (all or nothing)."))
        importing.add_argument("path", help=_("The file; for esco-csv, the folder or ZIP archive of ESCO CSVs."))
        importing.add_argument("--format", required=True, choices=[str(value) for value in IMPORT_FORMATS])
        importing.add_argument(
            "--dry-run", action="store_true", help=_("Check the file and report what would change, without writing.")
        )
        importing.add_argument(
            "--encoding",
            default="auto",
            help=_("Text encoding: auto (UTF-8 with or without BOM, or Windows-1252), utf-8, cp1252, …"),
        )
        importing.add_argument(
            "--language", default="it", choices=["it", "en"], help=_("Language of single-language files (Moodle CSV).")
        )
        importing.add_argument(
            "--framework-version", default="", help=_("Version label to record, when the file does not give one.")
        )
        importing.add_argument(
            "--progress",
            choices=["auto", "always", "never"],
            default="auto",
            help=_("Progress bar on standard error (auto: when it is a terminal)."),
        )

        exporting = actions.add_parser("export", help=_("Export a framework."))
        exporting.add_argument("framework", help=_("The framework's code."))
        exporting.add_argument("--format", required=True, choices=[str(value) for value in EXPORT_FORMATS])
        exporting.add_argument("--output", "-o", help=_("File to write (default: standard output)."))

        actions.add_parser("list", help=_("List the frameworks."))

    def handle(self, *args, action: str, **options) -> None:
        getattr(self, f"_{action}")(**options)

    def _import(
        self,
        *,
        path: str,
        format: str,
        dry_run: bool,
        encoding: str,
        language: str,
        framework_version: str,
        progress: str,
        **_options,
    ) -> None:
        show = progress == "always" or (progress == "auto" and sys.stderr.isatty())
        bar = ProgressBar(sys.stderr) if show else None
        try:
            report = api.import_framework(
                Path(path),
                source_format=format,
                encoding=encoding,
                language=language,
                version=framework_version,
                dry_run=dry_run,
                progress=bar.update if bar else None,
            )
        except api.ImportRejected as rejected:
            if bar:
                bar.finish()
            count = len(rejected.problems)
            raise CommandError(
                _("Import refused; nothing was written. %(count)d problem(s):") % {"count": count}
                + "\n"
                + rejected.summary()
            ) from None
        if bar:
            bar.finish()
        self.stdout.write(describe(report))

    def _export(self, *, framework: str, format: str, output: str | None, **_options) -> None:
        try:
            _name, content = api.export_framework(framework, export_format=format)
        except api.FrameworkNotFound:
            raise CommandError(_("No framework has the code “%(code)s”.") % {"code": framework}) from None
        if output:
            try:
                Path(output).write_bytes(content)
            except OSError as error:
                raise CommandError(
                    _("Cannot write %(path)s: %(error)s.") % {"path": output, "error": error.strerror or error}
                ) from None
            self.stderr.write(_("Wrote %(path)s (%(size)d bytes).") % {"path": output, "size": len(content)})
        else:
            sys.stdout.buffer.write(content)
            sys.stdout.flush()

    def _list(self, **_options) -> None:
        for framework in api.list_frameworks():
            self.stdout.write(f"{framework.code}\t{framework.version}\t{framework.node_count}\t{framework.title}")


def describe(report: ImportReport) -> str:
    """The import report as an operator reads it."""
    if report.dry_run:
        head = _("Dry run of %(file)s: nothing was written.")
    elif report.is_noop:
        head = _("%(file)s: already up to date, nothing changed.")
    else:
        head = _("Imported %(file)s.")
    lines = [head % {"file": report.source_name}]
    lines.append(
        _("Framework %(code)s, version %(version)s%(new)s.")
        % {
            "code": report.framework,
            "version": report.version or "-",
            "new": _(" (new framework)") if report.created_framework else "",
        }
    )
    for line, codes in (
        (_("added: %(count)d"), report.added),
        (_("changed: %(count)d"), report.changed),
        (_("retired: %(count)d"), report.retired),
        (_("restored: %(count)d"), report.restored),
    ):
        sample = ", ".join(codes[:SHOWN_CODES]) + (", …" if len(codes) > SHOWN_CODES else "")
        lines.append("  " + line % {"count": len(codes)} + (f" ({sample})" if codes else ""))
    lines.append("  " + _("unchanged: %(count)d") % {"count": report.unchanged})
    lines.extend("  " + _("warning: %(warning)s") % {"warning": warning} for warning in report.warnings[:SHOWN_CODES])
    return "\n".join(lines)


class ProgressBar(api.ProgressBar):
    """The import's stages, named."""

    STAGES = {
        "reading": gettext_lazy("reading"),
        "validating": gettext_lazy("checking"),
        "nodes": gettext_lazy("writing nodes"),
        "associations": gettext_lazy("writing links"),
        "index": gettext_lazy("indexing"),
    }
