"""Every setting of the plugin: its default and what it does. The README's table is printed from here
(``python -m tutortosca.defaults``), and the tests check that the two agree.

Names are given without the ``TOSCA_`` prefix that Tutor's configuration uses. Values may be Jinja templates,
rendered by Tutor with the rest of the configuration (``{{ LMS_HOST }}``, ``{{ 24|random_string }}``).
This module imports nothing from Tutor, so that it can be read without Tutor installed.
"""

from __future__ import annotations

from typing import Any

from . import __version__

PREFIX = "TOSCA_"

# Authorable Tosca blocks (tosca_unavailable is a placeholder for imported content Tosca cannot run: not offered).
STUDIO_BLOCKS = ["tosca_module", "tosca_checkpoint", "tosca_libretto", "tosca_html", "tosca_video", "tosca_quiz"]

# name -> (default, what it does)
DEFAULTS: dict[str, tuple[Any, str]] = {
    "VERSION": (
        __version__,
        "the tosca-lms release that `TOSCA_PIP_SPEC` installs by default (this plugin's own version)",
    ),
    "PIP_SPEC": (
        "tosca-lms=={{ TOSCA_VERSION }}",
        "what the openedx image pip-installs: a requirement (`tosca-lms==…`, `tosca-lms @ git+https://…@TAG`, "
        "a wheel's URL) or `/openedx/tosca-dist/FILE.whl` for a wheel copied into "
        "`$(tutor config printroot)/env/build/openedx/tosca-dist/`; empty: nothing (a checkout added with "
        "`tutor mounts add …/tosca` is installed instead)",
    ),
    "PIP_KEEP_PLATFORM_PINS": (
        True,
        "install with edx-platform's `requirements/edx/base.txt` as constraints: Tosca cannot move a package the "
        "platform pins, and the build stops naming the conflict instead",
    ),
    "BASE_URL": (
        "{% if ENABLE_HTTPS %}https{% else %}http{% endif %}://{{ LMS_HOST }}",
        "Tosca's public address (`TOSCA_BASE_URL`): the LMS; base of xAPI activity IRIs, issuer of badges "
        "(in `tutor dev`, the LMS on port 8000 while this is left at its default)",
    ),
    "DESTINATIONS": (
        [{"name": "local", "type": "local"}],
        "where evidence goes (`TOSCA_DESTINATIONS`): a list of `{name, type, …}` objects, type `local`, `xapi` "
        "or `libretto_api`; the LRS and libretto API below are appended to it",
    ),
    "XAPI_LRS_URL": ("", "an xAPI LRS endpoint (…/xAPI/); when set, destination `lrs` (type `xapi`) is added"),
    "XAPI_LRS_USERNAME": ("tosca", "the HTTP Basic user Tosca sends to the LRS"),
    "LIBRETTO_API_URL": (
        "",
        "another Tosca acting as the regional libretto; when set, destination `libretto` (type `libretto_api`) "
        "is added",
    ),
    "LIBRETTO_API_TOKEN": (
        "",
        "that libretto's client token, from `tosca libretto client add NAME --platform URL` there (needed with "
        "the URL)",
    ),
    "SYNC_DISPATCH": (
        "inline",
        "how a delivery starts once a completion is recorded: `inline` (right after it commits, in the LMS "
        "process: Tosca's own default inside Open edX), `celery` (queued for the lms-worker), `manual` (only "
        "`tosca-sync`)",
    ),
    "SYNC_SWEEP_SECONDS": (
        30,
        "service `tosca-sync` (`tutor local`, Kubernetes) runs `./manage.py lms sync run --loop` this often: "
        "retries, and deliveries a lost task left behind; 0: no such service",
    ),
    "SYNC_BATCH_SIZE": (200, "statements per request to a destination"),
    "SYNC_MAX_ATTEMPTS": (
        12,
        "attempts before a delivery is dead-lettered (`./manage.py lms sync retry` queues it again)",
    ),
    "SYNC_TIMEOUT": (10, "seconds Tosca waits for a destination's answer"),
    "SIGNING_KEY_FILE": (
        "/openedx/data/tosca/signing-key.pem",
        "the Ed25519 key that signs Open Badges, created on first use; `/openedx/data` is shared by lms, "
        "lms-worker and tosca-sync in `tutor local` (on Kubernetes mount one file into every LMS pod)",
    ),
    "ISSUER_NAME": ("{{ PLATFORM_NAME }}", "the issuer named in badges and xAPI statements"),
    "REPERTORY_URI_BASE": (
        "urn:tosca:repertory:",
        "prefix of URIs minted for repertory nodes that have none: set it to a domain the region controls",
    ),
    "LTI_DYNAMIC_REGISTRATION": (
        "staff",
        "Tosca's LTI tool (in the LMS under /tosca/lti/): who may register a platform dynamically, `open`, "
        "`staff` or `off`",
    ),
    "LTI_KEY_PUBLISH_AHEAD": (86_400, "LTI tool: seconds a new signing key is published before it signs"),
    "LTI_KEY_KEEP_RETIRED": (604_800, "LTI tool: seconds a retired signing key stays published"),
    "ENABLE_ASIDES": (
        True,
        "init tasks enable XBlock asides in the LMS (`XBlockAsidesConfig`) and Studio (`StudioConfig`), so the "
        "competences aside (`tosca_competences`) shows on blocks",
    ),
    "STUDIO_BLOCKS": (
        STUDIO_BLOCKS,
        "blocks the CMS init task registers in Studio's XBlock configuration (`XBlockStudioConfiguration`, "
        "provisional support; offered in every course where that model has `advanced_by_default`, otherwise "
        "add them to each course's Advanced Module List)",
    ),
}

# Secrets generated once per installation and kept in config.yml.
UNIQUE: dict[str, tuple[Any, str]] = {
    "XAPI_LRS_PASSWORD": (
        "{{ 24|random_string }}",
        "the HTTP Basic password Tosca sends to the LRS: give it to the LRS, or set the LRS's own",
    ),
}


def settings_table() -> str:
    """The README's table of settings, one row per setting, in the order above."""
    rows = ["| setting | default | what it does |", "|---|---|---|"]
    for unique, table in ((False, DEFAULTS), (True, UNIQUE)):
        for name, (default, doc) in table.items():
            shown = "generated once, 24 random characters" if unique else f"`{_shown(default)}`"
            rows.append(f"| `{PREFIX}{name}` | {shown} | {doc} |")
    return "\n".join(rows) + "\n"


def _shown(value: Any) -> str:
    import json

    if isinstance(value, str):
        return value or '""'
    return json.dumps(value)


if __name__ == "__main__":
    print(settings_table(), end="")
