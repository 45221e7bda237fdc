"""`tosca scorm validate ZIP`: every problem of any SCORM package, as Tosca checks its own before writing them."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from scorm_export import api
from scorm_export.data import WARNING


class Command(BaseCommand):
    help = gettext_lazy("Check SCORM packages.")

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{validate}")
        validate = actions.add_parser(
            "validate",
            help=_("Check a SCORM 1.2 or 2004 zip: its entries, its manifest against the ADL schemas, and its files."),
        )
        validate.add_argument("package", help=_("The zip file."))

    def handle(self, *args, action: str, package: str, **options) -> None:
        path = Path(package)
        if not path.is_file():
            raise CommandError(_("There is no file “%(file)s”.") % {"file": path})
        report = api.validate_package(path.read_bytes(), name=path.name)
        for problem in report.problems:
            label = _("warning") if problem.severity == WARNING else _("error")
            self.stdout.write(f"{label}: {problem}")
        version = report.version or "?"
        if not report.valid:
            raise CommandError(
                _("%(file)s (SCORM %(version)s): %(count)d error(s).")
                % {"file": path.name, "version": version, "count": len(report.errors)}
            )
        self.stdout.write(
            _("%(file)s: a valid SCORM %(version)s package (%(warnings)d warning(s)).")
            % {"file": path.name, "version": version, "warnings": len(report.problems)}
        )
