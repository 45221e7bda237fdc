"""openedx-scorm-xblock (PyPI ``openedx-scorm-xblock``, package ``openedxscorm``) as a test peer: its real code reads a
SCORM zip and we report what it recorded.

The xblock runs in a virtual environment of its own, ``.venv/peers/scorm-xblock`` (git-ignored, created on first use
by ``tests/peers/venvs.py``), not in the project's: installed there, its ``xblock.v1`` entry point (``scorm``) would be
loaded by the xblock-sdk workbench peer, whose index then fails on the xblock's own ``workbench_scenarios()`` (it
names the tag ``<openedxscorm/>``, which no entry point provides) and every workbench test is skipped, or failed in
CI. ``read_with_scorm_xblock`` runs this module in that venv (``python -m tests.peers.scorm_xblock ZIP WORK_DIR
RESULT``), which writes its reading as JSON.

There it does what Open edX Studio does when an author uploads a package: a Django multipart request carrying the
zip (``django.test.RequestFactory``) becomes a WebOb request through XBlock's own ``django_to_webob_request`` (as
edx-platform passes uploads to handlers), and the runtime calls the block's ``studio_submit`` handler. That handler,
unchanged, hashes the zip, extracts it into the block's storage (``extract_package``) and parses
``imsmanifest.xml`` (``update_package_fields``); the runtime then saves the fields. The reading comes from a second
block instance built on the same field data, so it reports what the xblock *stored*, not what one instance held.

What the block needs from a platform, it gets through its own hooks or as edx-platform gives it:
- Django: minimal settings (``settings.configure``), no database (the upload path touches none);
- storage: the ``settings`` service's bucket sets ``STORAGE_FUNC`` to a ``FileSystemStorage`` under ``work_dir``
  (never ``default_storage``) and ``LOCATION`` (the folder under it, "scorm" as in their default);
- ``block.location``: an opaque-keys ``BlockUsageLocator`` (edx-platform's XModuleMixin provides it);
- ``runtime.handler_url``: a fixed ``/xblock/<usage id>/handler/<name>`` form (their navigation menu links go
  through the ``assets_proxy`` handler; the harness strips that prefix back off).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import asdict, dataclass
from html.parser import HTMLParser
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from tests.peers.venvs import ensure_venv

PEER = "openedx-scorm-xblock"
PEER_REQUIREMENTS = (
    "openedx-scorm-xblock==19.0.5",  # needs only XBlock and web-fragments; never edx-platform
    "XBlock[django]==6.3.4",  # the extra brings `lazy`, imported by xblock.django.request
    "web-fragments==4.0.0",
    "Django==5.2.19",
)
REPO_ROOT = Path(__file__).resolve().parents[2]
PEER_VENV = REPO_ROOT / ".venv" / "peers" / "scorm-xblock"
# Variables of the test process that must not reach the peer: it has its own interpreter and settings.
PRIVATE_VARIABLES = {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"}
READ_TIMEOUT = 120.0
BLOCK_TYPE = "scorm"  # the name of its xblock.v1 entry point
LOCATION = "scorm"
HANDLER_PREFIX = "/xblock"
# What the Studio editor posts along with the file (studio.js); studio_submit reads every one of these.
STUDIO_FIELDS = {
    "display_name": "Tosca SCORM package",
    "width": "",
    "height": "",
    "has_score": "1",
    "enable_navigation_menu": "1",
    "enable_fullscreen_button": "1",
    "navigation_menu_width": "",
    "weight": "1",
    "popup_on_launch": "0",
}


class ScormXBlockError(RuntimeError):
    """The harness itself failed (the peer process died without a reading); the message has its output."""


class ScormXBlockUnavailable(ScormXBlockError):
    """openedx-scorm-xblock (its venv, or what it imports) cannot be had; the message says why."""


class ScormXBlockRejected(ScormXBlockError):
    """The xblock refused the package (an error in its handler's answer) or crashed while reading it."""


@dataclass(frozen=True)
class NavigationEntry:
    """One line of the navigation menu the xblock builds from the manifest's organizations.

    ``href`` is the resource href, relative to the package root, or None for a line without a resource (an
    organization, or an item with no identifierref). ``depth`` is 0 for an organization, 1 for its items, and so on.
    """

    title: str
    href: str | None
    depth: int


@dataclass(frozen=True)
class ScormXBlockReading:
    """What openedx-scorm-xblock stored after reading a package.

    ``scorm_version`` is its field as stored: exactly "SCORM_12" or "SCORM_2004" (the only two values it writes).
    ``launch_path`` is its ``index_page_path``: the page it launches, relative to the package root, verbatim from
    the manifest (query string included). ``launch_file_present`` tells whether that file (query string removed,
    as their asset proxy does) was among the extracted files. ``navigation`` is its menu read back from
    ``navigation_menu_html``; ``package_warnings`` its codes (e.g. "no_completion_status").
    """

    scorm_version: str
    launch_path: str
    launch_file_present: bool
    navigation: tuple[NavigationEntry, ...]
    navigation_menu_html: str
    package_warnings: tuple[str, ...]
    package_meta: dict[str, Any]
    extracted_files: tuple[str, ...]
    extract_folder: Path
    xblock_version: str


def ensure_peer_python() -> Path:
    """The python of the xblock's own virtual environment, created and installed on first use."""
    return ensure_venv(PEER_VENV, PEER_REQUIREMENTS, unavailable=ScormXBlockUnavailable, timeout=900)


def read_with_scorm_xblock(zip_path: Path, work_dir: Path, *, python: Path | None = None) -> ScormXBlockReading:
    """Upload `zip_path` to a fresh openedx-scorm-xblock as Studio would, its storage and files under `work_dir`.

    `python` is the interpreter to run the xblock in: its own venv (``ensure_peer_python``) unless given.
    Raises ScormXBlockUnavailable if the xblock cannot be had, ScormXBlockRejected if it refuses the package.
    """
    interpreter = python or ensure_peer_python()
    zip_path, work_dir = Path(zip_path).resolve(), Path(work_dir).resolve()
    work_dir.mkdir(parents=True, exist_ok=True)
    result_path = work_dir / "scorm-xblock-reading.json"
    result_path.unlink(missing_ok=True)
    env = {name: value for name, value in os.environ.items() if name not in PRIVATE_VARIABLES}
    command = [str(interpreter), "-m", "tests.peers.scorm_xblock", str(zip_path), str(work_dir), str(result_path)]
    try:
        process = subprocess.run(
            command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=READ_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise ScormXBlockError(f"running {PEER} with {interpreter} failed: {error}") from error
    try:
        result = json.loads(result_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        output = (process.stderr or process.stdout).strip()[-4000:]
        raise ScormXBlockError(
            f"{PEER} ({interpreter}) exited with status {process.returncode} without a reading:\n{output}"
        ) from error
    if result["status"] == "unavailable":
        raise ScormXBlockUnavailable(result["reason"])
    if result["status"] == "rejected":
        raise ScormXBlockRejected(result["reason"])
    reading = result["reading"]
    return ScormXBlockReading(
        **{
            **reading,
            "navigation": tuple(NavigationEntry(**entry) for entry in reading["navigation"]),
            "package_warnings": tuple(reading["package_warnings"]),
            "extracted_files": tuple(reading["extracted_files"]),
            "extract_folder": Path(reading["extract_folder"]),
        }
    )


def main(argv: list[str]) -> int:
    """In the peer's venv: read ZIP with the xblock, storage under WORK_DIR, and write the outcome to RESULT."""
    zip_path, work_dir, result_path = (Path(argument) for argument in argv)
    try:
        _configure_django(work_dir)
        result: dict[str, Any] = {"status": "ok", "reading": _jsonable(asdict(_read_here(zip_path, work_dir)))}
    except ScormXBlockUnavailable as error:
        result = {"status": "unavailable", "reason": str(error)}
    except ScormXBlockRejected as error:
        result = {"status": "rejected", "reason": str(error)}
    result_path.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return str(value) if isinstance(value, Path) else value


def _configure_django(work_dir: Path) -> None:
    try:
        import django
        from django.conf import settings
    except ImportError as error:
        raise ScormXBlockUnavailable(f"Django cannot be imported next to {PEER}: {error}") from error
    if not settings.configured:
        settings.configure(
            SECRET_KEY="scorm-xblock-peer",
            USE_TZ=True,
            DATABASES={},
            INSTALLED_APPS=[],
            CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
            FILE_UPLOAD_TEMP_DIR=str(work_dir),
        )
        django.setup()


def _read_here(zip_path: Path, work_dir: Path) -> ScormXBlockReading:
    """Upload `zip_path` to the xblock in this process (Django configured), as Studio does."""
    loaded = _load()
    block_class, runtime_class = loaded["ScormXBlock"], loaded["runtime_class"]
    storage = loaded["FileSystemStorage"](location=str(work_dir / "storage"), base_url="/scorm-media/")
    runtime = runtime_class({"STORAGE_FUNC": lambda _block: storage, "LOCATION": LOCATION})
    scope_ids = runtime.scope_ids_for(zip_path.stem)

    author_block = runtime.new_block(block_class, scope_ids)
    with open(zip_path, "rb") as package:
        django_request = loaded["RequestFactory"]().post(
            f"{HANDLER_PREFIX}/{scope_ids.usage_id}/handler/studio_submit", {**STUDIO_FIELDS, "file": package}
        )
        request = loaded["django_to_webob_request"](django_request)
        try:
            response = runtime.handle(author_block, "studio_submit", request)
        except Exception as error:
            raise ScormXBlockRejected(
                f"{PEER} crashed reading {zip_path.name}: {type(error).__name__}: {error}"
            ) from error
    answer = json.loads(response.body)
    if answer.get("result") != "success" or answer.get("errors"):
        raise ScormXBlockRejected(f"{PEER} refused {zip_path.name}: {answer}")

    block = runtime.new_block(block_class, scope_ids)  # what was saved, read by another instance
    extract_folder = block.extract_folder_path
    extracted = tuple(sorted(_list_files(storage, extract_folder)))
    launch_path = block.index_page_path or ""
    proxy_prefix = f"{block.proxy_base_url}/"
    return ScormXBlockReading(
        scorm_version=block.scorm_version,
        launch_path=launch_path,
        launch_file_present=block.clean_path(launch_path) in extracted,
        navigation=tuple(_parse_navigation(block.navigation_menu, proxy_prefix)),
        navigation_menu_html=block.navigation_menu,
        package_warnings=tuple(block.package_warnings or ()),
        package_meta=dict(block.package_meta),
        extracted_files=extracted,
        extract_folder=Path(storage.path(extract_folder)),
        xblock_version=loaded["version"],
    )


def _load() -> dict[str, Any]:
    """Import the xblock and what drives it; ScormXBlockUnavailable says which import failed."""
    try:
        xblock_version = version(PEER)
    except PackageNotFoundError as error:
        raise ScormXBlockUnavailable(f"the distribution {PEER} is not installed (pip install {PEER})") from error
    try:
        from django.core.files.storage import FileSystemStorage
        from django.test import RequestFactory
        from opaque_keys.edx.locator import BlockUsageLocator, CourseLocator
        from openedxscorm.scormxblock import ScormXBlock
        from xblock.django.request import django_to_webob_request
        from xblock.fields import ScopeIds
        from xblock.runtime import DictKeyValueStore, KvsFieldData, MemoryIdManager, Runtime
    except ImportError as error:
        raise ScormXBlockUnavailable(f"{PEER} {xblock_version} cannot be imported: {error}") from error

    class SettingsService:
        """edx-platform's SettingsService in small: one bucket (XBLOCK_SETTINGS["ScormXBlock"] there)."""

        def __init__(self, bucket: dict[str, Any]) -> None:
            self.bucket = bucket

        def get_settings_bucket(self, block: Any, default: Any = None) -> dict[str, Any]:
            return self.bucket

    class PeerRuntime(Runtime):
        """A bare XBlock runtime: in-memory field data, the settings service, fixed handler URLs."""

        def __init__(self, bucket: dict[str, Any]) -> None:
            ids = MemoryIdManager()
            super().__init__(
                ids,
                ids,
                services={"field-data": KvsFieldData(DictKeyValueStore()), "settings": SettingsService(bucket)},
            )
            self.events: list[tuple[str, Any]] = []

        def scope_ids_for(self, name: str) -> Any:
            course = CourseLocator("Tosca", "SCORM", "peer")
            usage_id = BlockUsageLocator(course, BLOCK_TYPE, "".join(c if c.isalnum() else "_" for c in name))
            return ScopeIds("author", BLOCK_TYPE, usage_id, usage_id)

        def new_block(self, block_class: type, scope_ids: Any) -> Any:
            block = self.construct_xblock_from_class(block_class, scope_ids)
            block.location = scope_ids.usage_id  # XModuleMixin.location in edx-platform
            return block

        def handler_url(
            self, block: Any, handler_name: str, suffix: str = "", query: str = "", thirdparty: bool = False
        ) -> str:
            url = f"{HANDLER_PREFIX}/{block.scope_ids.usage_id}/handler/{handler_name}/{suffix}"
            return f"{url}?{query}" if query else url

        def resource_url(self, resource: str) -> str:
            return f"/static/{resource}"

        def local_resource_url(self, block: Any, uri: str) -> str:
            return f"/xblock-resource/{block.scope_ids.block_type}/{uri}"

        def publish(self, block: Any, event_type: str, event_data: Any) -> None:
            self.events.append((event_type, event_data))

    return {
        "version": xblock_version,
        "ScormXBlock": ScormXBlock,
        "runtime_class": PeerRuntime,
        "FileSystemStorage": FileSystemStorage,
        "RequestFactory": RequestFactory,
        "django_to_webob_request": django_to_webob_request,
    }


def _list_files(storage: Any, root: str) -> list[str]:
    """Every file under `root` in `storage`, relative to `root`, with "/" separators."""
    found: list[str] = []
    pending = [""]
    while pending:
        relative = pending.pop()
        directories, files = storage.listdir(os.path.join(root, relative))
        found.extend(f"{relative}{name}" for name in files)
        pending.extend(f"{relative}{name}/" for name in directories)
    return found


class _NavigationParser(HTMLParser):
    """Reads back the <ul>/<li> menu that ScormXBlock.recursive_unorderedlist writes."""

    def __init__(self, proxy_prefix: str) -> None:
        super().__init__(convert_charrefs=True)
        self.proxy_prefix = proxy_prefix
        self.depth = 0
        self.entries: list[NavigationEntry] = []
        self._open: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "ul":
            self.depth += 1
        elif tag == "li":
            href = dict(attrs).get("href")
            if href is not None and href.startswith(self.proxy_prefix):
                href = href[len(self.proxy_prefix) :]
            self._open = {"href": href, "title": []}

    def handle_endtag(self, tag: str) -> None:
        if tag == "ul":
            self.depth -= 1
        elif tag == "li" and self._open is not None:
            title = "".join(self._open["title"]).strip()
            self.entries.append(NavigationEntry(title, self._open["href"], self._li_depth()))
            self._open = None

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open["title"].append(data)

    def _li_depth(self) -> int:
        # recursive_unorderedlist puts an organization's line inside one <ul>, its items inside a second, and
        # each further level of items inside one more.
        return max(0, self.depth - 1)


def _parse_navigation(menu_html: str, proxy_prefix: str) -> list[NavigationEntry]:
    parser = _NavigationParser(proxy_prefix)
    parser.feed(menu_html or "")
    parser.close()
    return parser.entries


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
