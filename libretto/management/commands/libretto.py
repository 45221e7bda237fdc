"""`tosca libretto client add|list|revoke` and `tosca libretto verify FILE`."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import IntegrityError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from libretto import api
from libretto.badges import BadgeInvalid


class Command(BaseCommand):
    help = gettext_lazy("Manage the platforms allowed to write evidence, and verify Open Badges credentials.")

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{client,verify}")
        client = actions.add_parser("client", help=_("Platforms that write evidence over the REST API."))
        client_actions = client.add_subparsers(dest="client_action", required=True, metavar="{add,list,revoke}")
        add = client_actions.add_parser("add", help=_("Register a platform and print its token (shown once)."))
        add.add_argument("name")
        add.add_argument("--platform", required=True, help=_("The platform's URL: the only platform it may write for."))
        client_actions.add_parser("list", help=_("List the registered platforms."))
        revoke = client_actions.add_parser("revoke", help=_("Revoke a platform's token."))
        revoke.add_argument("name")
        verify = actions.add_parser("verify", help=_("Check an Open Badges 3.0 credential (a VC-JWT file)."))
        verify.add_argument("file")
        verify.add_argument("--jwks", help=_("A JWK set file to check against (default: this instance's keys)."))

    def handle(self, *args, action: str, **options) -> None:
        if action == "verify":
            self._verify(options["file"], options.get("jwks"))
            return
        getattr(self, f"_client_{options['client_action']}")(**options)

    def _client_add(self, *, name: str, platform: str, **_options) -> None:
        try:
            token = api.add_client(name, platform)
        except ValueError as error:
            raise CommandError(str(error)) from None
        except IntegrityError:
            raise CommandError(_("A client called “%(name)s” exists already.") % {"name": name}) from None
        self.stdout.write(token)
        self.stderr.write(_("Give this token to %(name)s; it is not shown again.") % {"name": name})

    def _client_list(self, **_options) -> None:
        for name, platform, active in api.clients():
            state = _("active") if active else _("revoked")
            self.stdout.write(f"{name}\t{platform}\t{state}")

    def _client_revoke(self, *, name: str, **_options) -> None:
        if not api.revoke_client(name):
            raise CommandError(_("No active client is called “%(name)s”.") % {"name": name})
        self.stdout.write(_("Revoked %(name)s.") % {"name": name})

    def _verify(self, file: str, jwks: str | None) -> None:
        try:
            token = Path(file).read_text(encoding="utf-8").strip()
            keys = json.loads(Path(jwks).read_text(encoding="utf-8")) if jwks else None
        except (OSError, ValueError) as error:
            raise CommandError(_("Cannot read %(file)s: %(error)s") % {"file": jwks or file, "error": error}) from None
        try:
            credential = api.verify_badge(token, public_keys=keys)
        except BadgeInvalid as error:
            raise CommandError(_("Not a valid credential: %(error)s") % {"error": error}) from None
        achievement = credential["credentialSubject"]["achievement"]
        self.stdout.write(
            _("Valid: “%(name)s” issued by %(issuer)s to %(subject)s on %(date)s.")
            % {
                "name": achievement.get("name"),
                "issuer": credential["issuer"]["id"],
                "subject": credential["credentialSubject"].get("id"),
                "date": credential.get("validFrom"),
            }
        )
