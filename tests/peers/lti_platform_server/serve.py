"""Serve lti-consumer-xblock's LTI 1.3 platform standalone on 127.0.0.1; run with the peer venv's python.

    python serve.py --data-dir DIR [--host 127.0.0.1] [--port 0] [--parent-pid PID]

With ``--port 0`` the system picks a free port. Once the socket is bound, ``DIR/ready.json`` holds
``{"port": ..., "base_url": ...}``; the base URL is the platform's issuer. The SQLite database in DIR is made
anew at each start (tables from lti_consumer's models, ``migrate --run-syncdb``).

lti_consumer imports nothing of edx-platform at import time (every platform call sits in
``lti_consumer.plugin.compat`` behind a function), so no module is stubbed. Exactly two run-time patches are
applied, nothing else:

a) ``lti_consumer.plugin.compat.user_has_studio_write_access`` answers True. lti_consumer's deep-linking response
   endpoint asks it (through ``common.djangoapps.student.auth``, edx-platform) whether the browser's user may edit
   the course; the peer has no users or courses, and the tool's signed JWT is still fully checked before.
b) The ``post_save`` receiver ``publish_grade_on_score_update`` (lti_consumer.signals) is disconnected. It pushes
   FullyGraded AGS scores into the LMS gradebook through ``compat.load_block_as_user`` (``lms.djangoapps``), which
   raises here and would turn every such score POST into a 500. Scores are still stored in ``LtiAgsScore`` and
   served by lti_consumer's results endpoint.

Per launch, ``endpoints.py`` also sets, on the consumer instance lti_consumer builds for that one request (the
classes stay untouched), what the control API lets a test choose and lti_consumer's launch data cannot carry:
the exact role URIs (``lti_claim_user_data`` roles, after ``set_user_data`` with the nearest lti_consumer role
name), the target_link_uri (``set_dl_content_launch_parameters(url=...)``, or ``dl.deep_linking_launch_url``),
the deep-linking return URL (``dl.deep_linking_return_url``) and the deep-linking ``data`` (its own
``get_lti_deep_linking_launch_claim(extra_data=...)``, bound with functools.partial).

Not patched, but worth knowing: the NRPS claim is sent (lti_consumer builds it), while its memberships endpoint
needs the LMS's course-membership API (``compat.get_course_members``) and so answers 500 here.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PEERS = HERE.parent  # holds the lti_platform_server package (and the pytest harnesses, never imported here)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--parent-pid", type=int, default=None, help="exit when this process is gone")
    args = parser.parse_args()

    data_dir = args.data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    for stale in ("platform.sqlite3", "ready.json"):
        (data_dir / stale).unlink(missing_ok=True)
    sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != HERE]
    sys.path.append(str(PEERS))  # last: an installed package always wins over a harness module
    os.environ["DJANGO_SETTINGS_MODULE"] = "lti_platform_server.settings"
    os.environ["LTI_PEER_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
    if args.parent_pid:
        watch_parent(args.parent_pid)

    import django

    django.setup()
    patch_lti_consumer()

    from django.core.management import call_command

    call_command("migrate", run_syncdb=True, interactive=False, verbosity=0)
    serve(args.host, args.port, data_dir)


def patch_lti_consumer() -> None:
    from django.db.models.signals import post_save
    from lti_consumer.models import LtiAgsScore
    from lti_consumer.plugin import compat

    # a) no Studio permissions to ask: the deep-linking response's JWT is the only credential.
    compat.user_has_studio_write_access = lambda *args, **kwargs: True
    # b) no LMS gradebook to publish scores to.
    if not post_save.disconnect(sender=LtiAgsScore, dispatch_uid="publish_grade_on_score_update"):
        raise RuntimeError("lti_consumer's publish_grade_on_score_update receiver was not connected: has it moved?")


def serve(host: str, port: int, data_dir: Path) -> None:
    from django.conf import settings
    from django.core.servers.basehttp import run
    from django.core.wsgi import get_wsgi_application

    def on_bind(bound_port: int) -> None:
        base_url = f"http://{host}:{bound_port}"
        # lti_consumer reads the issuer and every URL it builds from these settings at call time.
        settings.LTI_BASE = settings.LTI_API_BASE = settings.LMS_ROOT_URL = base_url
        ready = data_dir / "ready.json"
        ready.with_suffix(".tmp").write_text(json.dumps({"port": bound_port, "base_url": base_url}))
        ready.with_suffix(".tmp").replace(ready)

    run(host, port, get_wsgi_application(), threading=True, on_bind=on_bind)


def watch_parent(pid: int) -> None:
    """End this server when the process that started it is gone (a killed pytest leaves no platform behind)."""

    def watch() -> None:
        while os.getppid() == pid:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
