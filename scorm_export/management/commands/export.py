"""`tosca export scorm COURSE|MODULE --version 1.2|2004 -o FILE`: a SCORM package for an LMS without LTI."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from repertory.api import ProgressBar
from scorm_export import api
from scorm_export.data import SCO_LAYOUTS, SCO_PER_MODULE, VERSIONS


class ExportProgress(ProgressBar):
    STAGES = {"pages": gettext_lazy("writing pages"), "files": gettext_lazy("packing files")}


class Command(BaseCommand):
    help = gettext_lazy("Export a course or a module in a format other platforms import.")

    def add_arguments(self, parser: CommandParser) -> None:
        formats = parser.add_subparsers(dest="format", required=True, metavar="{scorm}")
        scorm = formats.add_parser(
            "scorm", help=_("A SCORM package (zip) that LMSs without LTI import: one SCO per module, or per page.")
        )
        scorm.add_argument("target", help=_("A course key (course-v1:…) or a module's usage id (block-v1:…)."))
        scorm.add_argument("--version", required=True, choices=VERSIONS, dest="scorm_version", help=_("SCORM version."))
        scorm.add_argument(
            "--layout",
            choices=SCO_LAYOUTS,
            default=SCO_PER_MODULE,
            help=_("One SCO per module (default; its pages navigate inside it) or one SCO per page."),
        )
        scorm.add_argument("--output", "-o", required=True, help=_("The zip file to write."))
        scorm.add_argument(
            "--progress",
            choices=["auto", "always", "never"],
            default="auto",
            help=_("Progress bar on standard error (auto: when it is a terminal)."),
        )

    def handle(self, *args, target: str, scorm_version: str, layout: str, output: str, progress: str, **options):
        destination = Path(output)
        if not destination.parent.is_dir():
            raise CommandError(_("The folder “%(folder)s” does not exist.") % {"folder": destination.parent})
        show = progress == "always" or (progress == "auto" and sys.stderr.isatty())
        bar = ExportProgress(sys.stderr) if show else None
        try:
            package = api.export_package(
                target, scorm_version, layout=layout, everything=True, progress=bar.update if bar else None
            )
        except api.ExportRefused as refused:
            if bar:
                bar.finish()
            lines = [str(refused)] + [f"  {problem}" for problem in refused.problems]
            raise CommandError("\n".join(lines)) from None
        if bar:
            bar.finish()
        # Written next to its destination and renamed: a reader never sees half a package.
        handle, temporary = tempfile.mkstemp(dir=destination.parent, prefix=".tosca-", suffix=".zip.part")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(package.content)
            os.replace(temporary, destination)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        for warning in package.warnings:
            self.stderr.write(_("warning: %(warning)s") % {"warning": warning})
        self.stdout.write(
            _(
                "Wrote %(file)s: SCORM %(version)s, %(scos)d SCO(s), %(files)d files, %(size)s KB;"
                " checked against the ADL schemas."
            )
            % {
                "file": destination,
                "version": package.version,
                "scos": package.scos,
                "files": package.files,
                "size": f"{len(package.content) / 1024:,.0f}",
            }
        )
