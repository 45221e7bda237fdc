"""`tosca worker`: a Celery worker (with its beat schedule) for evidence deliveries."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class Command(BaseCommand):
    help = gettext_lazy("Run a Celery worker that delivers evidence (needs CELERY_BROKER_URL).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--concurrency", type=int, default=2)
        parser.add_argument("--no-beat", action="store_true", help=_("Do not also run the periodic sweep."))
        parser.add_argument("--loglevel", default="INFO")

    def handle(self, *args, concurrency: int, no_beat: bool, loglevel: str, **options) -> None:
        if not settings.CELERY_BROKER_URL:
            raise CommandError(_("Set CELERY_BROKER_URL (for example redis://127.0.0.1:6379/0) to run a worker."))
        from tosca.celery import app

        arguments = ["worker", f"--concurrency={concurrency}", f"--loglevel={loglevel}"]
        if not no_beat:
            arguments.append("--beat")
        app.worker_main(arguments)
