"""Reading a course archive (an Open edX export, `.tar.gz`) safely: no path leaves the archive, no links or
devices, and limits on entries and uncompressed size so that a decompression bomb stops early."""

from __future__ import annotations

import tarfile
from pathlib import Path, PurePosixPath

from django.utils.translation import gettext as _

MAX_ENTRIES = 20_000
MAX_TOTAL_BYTES = 500 * 1024 * 1024
MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_RATIO = 200  # uncompressed bytes per compressed byte, over the whole archive


class ArchiveRejected(ValueError):
    """The archive cannot be read; the message says which entry and why."""


def _clean_path(name: str) -> str:
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        raise ArchiveRejected(_("“%(name)s”: absolute paths are not allowed in a course archive.") % {"name": name})
    if ".." in path.parts:
        raise ArchiveRejected(_("“%(name)s”: “..” is not allowed in a course archive.") % {"name": name})
    return "/".join(part for part in path.parts if part not in ("", "."))


def read_tar(data: bytes, *, name: str = "archive") -> dict[str, bytes]:
    """Every regular file of a tar(.gz) archive, by its path inside the archive (a common top folder removed)."""
    import io

    try:
        archive = tarfile.open(fileobj=io.BytesIO(data), mode="r:*")  # noqa: SIM115 - closed by the with below
    except (tarfile.TarError, EOFError, OSError) as error:
        raise ArchiveRejected(
            _("%(name)s is not a tar.gz course archive (%(error)s).") % {"name": name, "error": error}
        ) from error
    files: dict[str, bytes] = {}
    total = 0
    budget = max(MAX_TOTAL_BYTES // 50, len(data) * MAX_RATIO)
    with archive:
        try:
            for count, member in enumerate(archive, start=1):
                if count > MAX_ENTRIES:
                    raise ArchiveRejected(
                        _("%(name)s has more than %(max)d entries.") % {"name": name, "max": MAX_ENTRIES}
                    )
                path = _clean_path(member.name)
                if member.isdir():
                    continue
                if member.issym() or member.islnk():
                    raise ArchiveRejected(
                        _("“%(entry)s”: links are not allowed in a course archive.") % {"entry": member.name}
                    )
                if not member.isfile():
                    raise ArchiveRejected(
                        _("“%(entry)s”: only regular files are allowed in a course archive.") % {"entry": member.name}
                    )
                if member.size > MAX_FILE_BYTES:
                    raise ArchiveRejected(
                        _("“%(entry)s” is larger than %(max)d MB.")
                        % {"entry": member.name, "max": MAX_FILE_BYTES // (1024 * 1024)}
                    )
                total += member.size
                if total > min(MAX_TOTAL_BYTES, budget):
                    raise ArchiveRejected(
                        _(
                            "%(name)s unpacks to more than %(max)d MB (or far more than its own size): refused as a "
                            "possible decompression bomb."
                        )
                        % {"name": name, "max": min(MAX_TOTAL_BYTES, budget) // (1024 * 1024)}
                    )
                extracted = archive.extractfile(member)
                content = extracted.read(member.size + 1) if extracted else b""
                if len(content) != member.size:
                    raise ArchiveRejected(_("“%(entry)s” is truncated or damaged.") % {"entry": member.name})
                if path:
                    files[path] = content
        except (tarfile.TarError, EOFError, OSError, ValueError) as error:
            if isinstance(error, ArchiveRejected):
                raise
            raise ArchiveRejected(_("%(name)s is damaged (%(error)s).") % {"name": name, "error": error}) from error
    return _strip_top_folder(files)


def read_directory(root: Path) -> dict[str, bytes]:
    """Every file under `root` (a course exported to a folder), by relative path; links are refused."""
    files = {}
    for path in sorted(root.rglob("*")):
        if path.is_symlink():
            raise ArchiveRejected(_("“%(entry)s”: links are not allowed in a course folder.") % {"entry": path})
        if path.is_file() and "__pycache__" not in path.parts:
            files[path.relative_to(root).as_posix()] = path.read_bytes()
    return _strip_top_folder(files)


def _strip_top_folder(files: dict[str, bytes]) -> dict[str, bytes]:
    if "course.xml" in files or not files:
        return files
    tops = {path.split("/", 1)[0] for path in files}
    if len(tops) == 1:
        top = tops.pop() + "/"
        if top + "course.xml" in files:
            return {path[len(top) :]: content for path, content in files.items() if path.startswith(top)}
    return files
