"""`tosca lti rotate-keys|add|list`: the tool's keys, and platform registrations made by hand."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lti_tool import api


class Command(BaseCommand):
    help = gettext_lazy("Rotate the LTI tool's keys, and register platforms by hand.")

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{rotate-keys,add,list}")
        rotate = actions.add_parser(
            "rotate-keys",
            help=_("Publish the next key; start signing with it once published long enough; drop old retired keys."),
        )
        rotate.add_argument(
            "--now",
            action="store_true",
            help=_("Start signing with the published next key at once (platforms may not have read it yet)."),
        )
        add = actions.add_parser("add", help=_("Register a platform from the values its administrator gives."))
        add.add_argument("--issuer", required=True, help=_("The platform's issuer (its URL)."))
        add.add_argument("--client-id", required=True, help=_("The client id the platform gave Tosca."))
        add.add_argument("--auth-url", required=True, help=_("The platform's authentication request URL."))
        add.add_argument("--token-url", default="", help=_("The platform's access token URL."))
        add.add_argument("--keyset-url", required=True, help=_("The platform's public keyset (JWKS) URL."))
        add.add_argument(
            "--token-audience", default="", help=_("Audience of the client assertion, if not the token URL.")
        )
        add.add_argument("--deployment", action="append", default=[], help=_("A deployment id (repeatable)."))
        add.add_argument("--name", default="", help=_("A name for the platform."))
        actions.add_parser("list", help=_("The registered platforms and their deployments."))

    def handle(self, *args, action: str, **options) -> None:
        getattr(self, "_" + action.replace("-", "_"))(**options)

    def _rotate_keys(self, *, now: bool, **_options) -> None:
        ahead = timedelta(seconds=0 if now else settings.TOSCA_LTI["key_publish_ahead"])
        rotation = api.rotate_keys(
            publish_ahead=ahead, keep_retired=timedelta(seconds=settings.TOSCA_LTI["key_keep_retired"])
        )
        if rotation.promoted:
            self.stdout.write(_("signing now with key %(kid)s") % {"kid": rotation.promoted})
        if rotation.published:
            self.stdout.write(
                _("published the next key %(kid)s (it signs from a later rotation)") % {"kid": rotation.published}
            )
        for kid in rotation.removed:
            self.stdout.write(_("no longer published: retired key %(kid)s") % {"kid": kid})
        if not (rotation.promoted or rotation.published or rotation.removed):
            self.stdout.write(_("nothing to do: the next key has not been published long enough yet"))

    def _add(self, **options) -> None:
        info = api.add_registration(
            options["issuer"],
            options["client_id"],
            auth_login_url=options["auth_url"],
            auth_token_url=options["token_url"],
            keyset_url=options["keyset_url"],
            token_audience=options["token_audience"],
            deployments=options["deployment"],
            name=options["name"],
        )
        self.stdout.write(
            _("registered %(issuer)s, client %(client)s") % {"issuer": info.issuer, "client": info.client_id}
        )
        self.stdout.write(
            _("its own login URL: %(url)s") % {"url": f"{settings.TOSCA_BASE_URL}/lti/login/{info.uuid}/"}
        )

    def _list(self, **_options) -> None:
        for info in api.registrations():
            state = _("active") if info.active else _("switched off")
            self.stdout.write(f"{info.issuer}\t{info.client_id}\t{state}\t{', '.join(info.deployments) or '-'}")
