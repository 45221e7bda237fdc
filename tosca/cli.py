"""The `tosca` command: Django's management commands under one name, with Tosca's settings by default.

tosca repertory import FILE --format rrfp-csv
tosca repertory export FRAMEWORK --format case-json
tosca migrate | runserver | createsuperuser | …
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tosca.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["tosca", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
