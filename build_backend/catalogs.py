"""Compile the gettext catalogues: every `*/locale/*/LC_MESSAGES/*.po` to its `.mo`, with Babel.

Translations are committed as `.po` sources only. The build backend (tosca_build) runs this before every
wheel, sdist and editable install; `make` runs it when a `.po` is newer than its `.mo`. No GNU gettext needed.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def compile_catalogs(root: Path = ROOT) -> list[Path]:
    """Compile every catalogue whose `.mo` is missing or older than its `.po`; the `.mo` files written."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po_path in sorted(root.glob("*/locale/*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parent.parent.name)
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog, use_fuzzy=False)
        written.append(mo_path)
    return written


if __name__ == "__main__":
    for path in compile_catalogs():
        print(f"compiled {path.relative_to(ROOT)}", file=sys.stderr)
