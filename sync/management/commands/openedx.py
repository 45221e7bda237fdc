"""`tosca openedx push-taxonomy FRAMEWORK`: a framework as a taxonomy of Open edX's tagging (Studio's “Manage tags”).

Where Open edX is and how to sign in come from the options, else the environment (TOSCA_OPENEDX_CMS_URL,
TOSCA_OPENEDX_LMS_URL, TOSCA_OPENEDX_CLIENT_ID, TOSCA_OPENEDX_CLIENT_SECRET, TOSCA_OPENEDX_ORGS,
TOSCA_OPENEDX_ALL_ORGS, TOSCA_OPENEDX_TIMEOUT), else the TOSCA_OPENEDX setting (a dict with the same keys in
lower case, without the prefix). The secret is better kept out of the command line, where `ps` shows it.
"""

from __future__ import annotations

import argparse

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from sync import openedx_taxonomy
from sync.openedx_taxonomy import ENVIRONMENT, PushReport, TaxonomyPushFailed

DEFAULT_TIMEOUT = 30.0
REQUIRED = ("cms_url", "lms_url", "client_id", "client_secret")


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1
    if not 0 < seconds <= 3600:
        raise argparse.ArgumentTypeError(_("give a number of seconds above 0, such as 30."))
    return seconds


class Command(BaseCommand):
    help = gettext_lazy("Push competence frameworks into Open edX's own tagging (Studio's “Manage tags”).")

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{push-taxonomy}")
        push = actions.add_parser(
            "push-taxonomy",
            help=_("Create the framework's taxonomy in Open edX, or update its tags when it is there."),
        )
        push.add_argument("framework", help=_("The framework's code."))
        push.add_argument("--cms-url", help=_("Studio's address, such as https://studio.example.org."))
        push.add_argument("--lms-url", help=_("The LMS's address, which gives the OAuth2 token."))
        push.add_argument("--client-id", help=_("Client id of the OAuth2 application (client credentials)."))
        push.add_argument(
            "--client-secret",
            help=_("Its secret (better in TOSCA_OPENEDX_CLIENT_SECRET: the command line is visible to others)."),
        )
        push.add_argument(
            "--org",
            action="append",
            dest="orgs",
            metavar="ORG",
            help=_("Make the taxonomy available to this organization (short name); repeat for several."),
        )
        push.add_argument(
            "--all-orgs", action="store_true", default=None, help=_("Make the taxonomy available to all organizations.")
        )
        push.add_argument(
            "--dry-run", action="store_true", help=_("Show the platform's import plan and change nothing.")
        )
        push.add_argument(
            "--language",
            choices=["it", "en"],
            help=_("Language of the tags, name and description (default: LANGUAGE_CODE)."),
        )
        push.add_argument(
            "--timeout", type=_seconds, metavar="SECONDS", help=_("Wait at most this long for each answer.")
        )

    def handle(self, *args, action: str, **options) -> None:
        getattr(self, "_" + action.replace("-", "_"))(**options)

    def _push_taxonomy(self, *, framework: str, dry_run: bool, language: str | None, **options) -> None:
        config = _configuration(options)
        try:
            report = openedx_taxonomy.push_taxonomy(framework, dry_run=dry_run, language=language, **config)
        except TaxonomyPushFailed as failure:
            raise CommandError(failure.message) from None
        self.stdout.write(describe(report))
        if report.plan:
            self.stdout.write(report.plan.rstrip())
        for warning in report.warnings:
            self.stderr.write(self.style.WARNING(warning))


def _configuration(options: dict) -> dict:
    """Options, else environment, else settings; a CommandError names what is missing and where to give it."""
    defaults = openedx_taxonomy.configured_defaults()
    config = {key: options.get(key) or defaults.get(key) or "" for key in REQUIRED}
    missing = [key for key in REQUIRED if not str(config[key]).strip()]
    if missing:
        raise CommandError(
            _("Missing for Open edX: %(missing)s.")
            % {
                "missing": "; ".join(
                    _("%(option)s (or %(variable)s, or TOSCA_OPENEDX[“%(key)s”])")
                    % {"option": "--" + key.replace("_", "-"), "variable": ENVIRONMENT[key], "key": key}
                    for key in missing
                )
            }
        )
    orgs = options.get("orgs") or defaults.get("orgs") or ()
    all_orgs = options.get("all_orgs")
    if all_orgs is None:
        all_orgs = bool(defaults.get("all_orgs")) and not options.get("orgs")
    timeout = options.get("timeout") or defaults.get("timeout") or DEFAULT_TIMEOUT
    try:
        timeout = float(timeout)
    except (TypeError, ValueError):
        raise CommandError(
            _("The Open edX timeout “%(value)s” is not a number of seconds.") % {"value": timeout}
        ) from None
    return {**config, "orgs": tuple(orgs), "all_orgs": all_orgs, "timeout": timeout}


def describe(report: PushReport) -> str:
    """What happened, as an operator reads it."""
    values = {
        "id": report.taxonomy_id,
        "name": report.taxonomy_name,
        "count": report.tag_count,
        "export_id": report.export_id,
    }
    if report.dry_run and report.created:
        text = ngettext(
            "Dry run: would create the taxonomy “%(name)s” (export id %(export_id)s) with %(count)d tag.",
            "Dry run: would create the taxonomy “%(name)s” (export id %(export_id)s) with %(count)d tags.",
            report.tag_count,
        )
    elif report.dry_run:
        text = ngettext(
            "Dry run: would update taxonomy %(id)d “%(name)s” with %(count)d tag; the platform's plan:",
            "Dry run: would update taxonomy %(id)d “%(name)s” with %(count)d tags; the platform's plan:",
            report.tag_count,
        )
    elif report.created:
        text = ngettext(
            "Created taxonomy %(id)d “%(name)s” with %(count)d tag (export id %(export_id)s).",
            "Created taxonomy %(id)d “%(name)s” with %(count)d tags (export id %(export_id)s).",
            report.tag_count,
        )
    else:
        text = ngettext(
            "Updated taxonomy %(id)d “%(name)s” with %(count)d tag (export id %(export_id)s).",
            "Updated taxonomy %(id)d “%(name)s” with %(count)d tags (export id %(export_id)s).",
            report.tag_count,
        )
    text %= values
    if report.all_orgs:
        text += " " + _("Available to all organizations.")
    elif report.orgs:
        text += " " + _("Available to: %(orgs)s.") % {"orgs": ", ".join(report.orgs)}
    return text
