"""`tosca sync run|status|retry`: deliver evidence, see how delivery stands, retry what was given up."""

from __future__ import annotations

import argparse
import time
from uuid import UUID

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sync import api


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1
    if not 0 < seconds < 86_400:
        raise argparse.ArgumentTypeError(_("give a number of seconds above 0, such as 5."))
    return seconds


class Command(BaseCommand):
    help = gettext_lazy("Deliver recorded evidence to its destinations, and report on delivery.")

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{run,status,retry}")
        run = actions.add_parser("run", help=_("Deliver every delivery that is due now."))
        run.add_argument("--destination", help=_("Only this destination."))
        run.add_argument("--limit", type=int, help=_("Try at most this many deliveries."))
        run.add_argument(
            "--loop",
            type=_seconds,
            metavar="SECONDS",
            help=_("Keep running, looking for due deliveries every SECONDS."),
        )
        actions.add_parser("status", help=_("Deliveries per destination and state, and the oldest waiting."))
        retry = actions.add_parser("retry", help=_("Queue dead-lettered deliveries again."))
        retry.add_argument("--destination", help=_("Only this destination."))
        retry.add_argument("--evidence", type=UUID, help=_("Only this evidence id."))

    def handle(self, *args, action: str, **options) -> None:
        getattr(self, f"_{action}")(**options)

    def _run(self, *, destination: str | None, limit: int | None, loop: float | None, **_options) -> None:
        if destination and destination not in {row.destination for row in api.status()}:
            raise CommandError(_("No destination is called “%(name)s”.") % {"name": destination})
        while True:
            report = api.deliver_due(limit=limit, destination=destination)
            if report.delivered or report.retrying or report.dead or loop is None:
                self.stdout.write(
                    _("delivered: %(delivered)d, to retry: %(retrying)d, dead-lettered: %(dead)d")
                    % {"delivered": report.delivered, "retrying": report.retrying, "dead": report.dead}
                )
            if loop is None:
                return
            time.sleep(loop)

    def _status(self, **_options) -> None:
        now = timezone.now()
        header = [_("destination"), _("pending"), _("sending"), _("delivered"), _("dead"), _("oldest waiting")]
        rows = [
            [
                row.destination,
                str(row.pending),
                str(row.sending),
                str(row.delivered),
                str(row.dead),
                _("%(seconds)d s") % {"seconds": (now - row.oldest_pending).total_seconds()}
                if row.oldest_pending
                else "-",
            ]
            for row in api.status()
        ]
        widths = [max(len(line[column]) for line in [header, *rows]) for column in range(len(header))]
        for line in [header, *rows]:
            cells = [
                line[0].ljust(widths[0]),
                *(cell.rjust(width) for cell, width in zip(line[1:-1], widths[1:-1], strict=True)),
            ]
            self.stdout.write("  ".join([*cells, line[-1]]))

    def _retry(self, *, destination: str | None, evidence: UUID | None, **_options) -> None:
        if destination and destination not in {row.destination for row in api.status()}:
            raise CommandError(_("No destination is called “%(name)s”.") % {"name": destination})
        count = api.retry_dead(destination=destination, evidence=evidence)
        self.stdout.write(_("%(count)d dead-lettered deliveries queued again.") % {"count": count})
