"""What every page of the site shows: its navigation."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from xblocks.runtime import api as courses


def navigation(request) -> dict:
    links = [
        (_("Courses"), reverse("courses:catalogue")),
        (_("Competence repertory"), reverse("repertory:framework-list")),
    ]
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        links.append((_("My courses"), reverse("courses:dashboard")))
        links.append((_("My libretto"), reverse("libretto:home")))
        if user.has_perm("libretto.change_competenceentry"):
            links.append((_("Validation"), reverse("libretto:validation")))
        if courses.can_author(user):
            links.append((_("Authoring"), reverse("authoring:home")))
    return {"site_nav": links, "login_url": reverse("login"), "logout_url": reverse("logout")}
