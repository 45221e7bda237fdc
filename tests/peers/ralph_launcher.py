"""Serve Ralph 5.1.0's LRS on the file-system backend, with two bug fixes; run with Ralph's own python.

    python ralph_launcher.py --port 8100 --data-dir DIR [--host 127.0.0.1] [--username U] [--parent-pid PID]

The password is read from the environment variable RALPH_TEST_PASSWORD. Everything Ralph needs is configured
through its environment variables (see ralph/conf.py), all pointing into DIR: the statements file, the auth
file (one user, bcrypt hash, scope "all", an authority agent) and Ralph's history file.

Exactly two patches are applied to ``ralph.backends.lrs.fs.FSLRSBackend``, nothing else:

a) ``write``: the file-system data backend defaults to operation type CREATE, which refuses to write to an
   existing file, yet the LRS backend writes every batch to the same ``fs_lrs.jsonl``: every POST after the
   first answers 500. When the caller asks for no operation type (the API never does), APPEND is used.
b) ``_add_filter_by_verb`` / ``_add_filter_by_activity``: the API coerces ``?verb=`` and ``?activity=`` into
   pydantic ``IRI`` objects, which the filters compare with the statement's ``verb.id`` / ``object.id`` (and the
   related-activities ids) strings, so they never match. The filters are given ``str(...)`` of the parameter.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from pathlib import Path

# This file's folder also holds ralph.py (the harness), which would shadow the ralph package.
HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != HERE]

AUTHORITY_AGENT = {"mbox": "mailto:tosca-tests@example.org"}
MAX_SEARCH_HITS = 10_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--username", default="tosca")
    parser.add_argument("--parent-pid", type=int, default=None, help="exit when this process is gone")
    args = parser.parse_args()
    password = os.environ.get("RALPH_TEST_PASSWORD")
    if not password:
        parser.error("set RALPH_TEST_PASSWORD")

    data_dir = args.data_dir.resolve()
    statements_dir = data_dir / "statements"
    statements_dir.mkdir(parents=True, exist_ok=True)
    auth_file = data_dir / "auth.json"
    write_auth_file(auth_file, args.username, password)
    os.environ.update(
        {
            "RALPH_APP_DIR": str(data_dir / "app"),
            "RALPH_AUTH_FILE": str(auth_file),
            "RALPH_HISTORY_FILE": str(data_dir / "history.json"),
            "RALPH_RUNSERVER_BACKEND": "fs",
            "RALPH_RUNSERVER_AUTH_BACKENDS": "basic",
            "RALPH_RUNSERVER_MAX_SEARCH_HITS_COUNT": str(MAX_SEARCH_HITS),
            "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(statements_dir),
        }
    )
    if args.parent_pid:
        watch_parent(args.parent_pid)
    patch_ralph()

    import uvicorn
    from ralph.api import app

    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)


def write_auth_file(path: Path, username: str, password: str) -> None:
    import bcrypt

    hashed = bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds=4)).decode("ascii")
    users = [{"username": username, "hash": hashed, "scopes": ["all"], "agent": AUTHORITY_AGENT}]
    path.write_text(json.dumps(users), encoding="utf-8")


def patch_ralph() -> None:
    from ralph.backends.data.base import BaseOperationType
    from ralph.backends.lrs.fs import FSLRSBackend

    # a) append to fs_lrs.jsonl instead of failing because it exists.
    original_write = FSLRSBackend.write

    def write(self, data, target=None, chunk_size=None, ignore_errors=False, operation_type=None):
        if operation_type is None:
            operation_type = BaseOperationType.APPEND
        return original_write(self, data, target, chunk_size, ignore_errors, operation_type)

    FSLRSBackend.write = write

    # b) compare verb and activity ids as strings, not with an IRI object.
    original_verb_filter = FSLRSBackend._add_filter_by_verb
    original_activity_filter = FSLRSBackend._add_filter_by_activity

    def _add_filter_by_verb(filters, verb_id):
        return original_verb_filter(filters, None if verb_id is None else str(verb_id))

    def _add_filter_by_activity(filters, object_id, related):
        return original_activity_filter(filters, None if object_id is None else str(object_id), related)

    FSLRSBackend._add_filter_by_verb = staticmethod(_add_filter_by_verb)
    FSLRSBackend._add_filter_by_activity = staticmethod(_add_filter_by_activity)


def watch_parent(pid: int) -> None:
    """End this server when the process that started it is gone (a killed pytest leaves no Ralph behind)."""

    def watch() -> None:
        while os.getppid() == pid:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
