"""`tosca load_demo`: the demo repertory, loaded idempotently (a second run changes nothing)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from repertory import api
from repertory.data import Format

DEMO_DIR = Path(__file__).resolve().parent.parent.parent / "demo"
DEMO_FILES = ((DEMO_DIR / "repertorio-toscana-demo.csv", Format.RRFP_CSV),)


class Command(BaseCommand):
    help = gettext_lazy("Load the demo competence repertory (safe to run again).")

    def handle(self, *args, **options) -> None:
        for path, source_format in DEMO_FILES:
            try:
                report = api.import_framework(path, source_format=source_format)
            except api.ImportRejected as rejected:
                raise CommandError(rejected.summary()) from None
            if report.is_noop:
                self.stdout.write(_("Demo framework %(code)s is up to date.") % {"code": report.framework})
            else:
                self.stdout.write(
                    _("Demo framework %(code)s loaded: %(added)d added, %(changed)d changed.")
                    % {"code": report.framework, "added": len(report.added), "changed": len(report.changed)}
                )
