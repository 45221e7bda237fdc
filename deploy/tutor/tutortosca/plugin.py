"""The Tutor plugin: settings, template patches, init tasks and mounts that put Tosca into Open edX.

Loaded by Tutor through the ``tutor.plugin.v1`` entry point ``tosca`` (``tutor plugins enable tosca``). Every
hook used here exists in Tutor 21 and 22; every patch file in ``patches/`` is named after a ``patch("…")`` slot
of both versions' templates (the tests check it).
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

from tutor import hooks

from .defaults import DEFAULTS, PREFIX, UNIQUE

HERE = Path(__file__).resolve().parent

hooks.Filters.CONFIG_DEFAULTS.add_items([(PREFIX + name, default) for name, (default, _doc) in DEFAULTS.items()])
hooks.Filters.CONFIG_UNIQUE.add_items([(PREFIX + name, default) for name, (default, _doc) in UNIQUE.items()])

# Our templates: build/openedx/tosca-dist/ lands in the openedx image's build context (Tutor's own "build/" target
# renders it), so that a wheel copied there can be installed with TOSCA_PIP_SPEC=/openedx/tosca-dist/FILE.whl.
hooks.Filters.ENV_TEMPLATE_ROOTS.add_item(str(HERE / "templates"))

# One file per patch, named after the patch("…") slot it fills.
hooks.Filters.ENV_PATCHES.add_items(
    [(path.name, path.read_text(encoding="utf-8")) for path in sorted((HERE / "patches").iterdir()) if path.is_file()]
)

# After Tutor's own lms and cms tasks (priority LOW): they run the migrations that create the tables used here.
hooks.Filters.CLI_DO_INIT_TASKS.add_items(
    [
        ("lms", (HERE / "tasks" / "lms.sh").read_text(encoding="utf-8")),
        ("cms", (HERE / "tasks" / "cms.sh").read_text(encoding="utf-8")),
    ],
    priority=hooks.priorities.LOW,
)

# `tutor mounts add /path/to/tosca` (a checkout named tosca or tosca-lms): installed into the openedx images with
# `pip install -e` at build time, and bind-mounted at /mnt/tosca in the LMS and CMS containers, as Tutor does for
# XBlock checkouts.
hooks.Filters.MOUNTED_DIRECTORIES.add_item(("openedx", r"tosca(-lms)?$"))


def destinations(
    configured: list[dict],
    *,
    lrs_url: str,
    lrs_username: str,
    lrs_password: str,
    libretto_url: str,
    libretto_token: str,
) -> list[dict]:
    """TOSCA_DESTINATIONS as Tosca reads it: the configured list, then the LRS and the libretto API when set.

    Tosca itself checks the result when the LMS starts (tosca.config.destinations_from): a destination missing
    what its type needs, or two with one name, stop the LMS with a message saying which.
    """
    found = [dict(destination) for destination in configured or []]
    if lrs_url:
        lrs = {"name": "lrs", "type": "xapi", "endpoint": lrs_url}
        if lrs_username:
            lrs.update(username=lrs_username, password=lrs_password)
        found.append(lrs)
    if libretto_url:
        found.append({"name": "libretto", "type": "libretto_api", "url": libretto_url, "token": libretto_token})
    return found


def python_literal(value: Any, text: bool = False) -> str:
    """`value` written as Python source (for settings files); with `text`, as a str literal of its text."""
    return repr(_plain(str(value) if text else value))


def json_text(value: Any) -> str:
    """`value` as JSON free of single quotes, so that it can sit inside a single-quoted shell word as a Python
    literal (a list of strings reads the same in both)."""
    return json.dumps(_plain(value), ensure_ascii=True).replace("'", "\\u0027")


def shell_word(value: Any) -> str:
    return shlex.quote(str(value))


def _plain(value: Any) -> Any:
    """Strings as plain str (Jinja hands over Markup objects, whose repr is not a literal), containers within."""
    if isinstance(value, str):
        return str.__str__(value).encode("utf-8").decode("utf-8")
    if isinstance(value, dict):
        return {_plain(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


hooks.Filters.ENV_TEMPLATE_FILTERS.add_items(
    [("tosca_python", python_literal), ("tosca_json", json_text), ("tosca_shell_word", shell_word)]
)
hooks.Filters.ENV_TEMPLATE_VARIABLES.add_item(("tosca_destinations", destinations))
