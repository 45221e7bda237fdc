"""Tutor itself, to render the environment the tutor-tosca plugin (deploy/tutor) produces, without Docker.

Each Tutor release lives in its own virtual environment under ``.venv/peers/tutor-<major>`` (git-ignored),
created on first use with the plugin installed editable from ``deploy/tutor``: edits to the plugin's code,
patches and tasks count at once, without reinstalling. A ``TutorProject`` is one Tutor root in a temporary
directory, driven through the ``tutor`` command as an operator would:

    project = TutorProject(tutor_python(22), tmp_path)
    project.tutor("plugins", "enable", "tosca")
    project.save(TOSCA_XAPI_LRS_URL="https://lrs.example/xAPI/")
    project.env("build/openedx/Dockerfile")      # the rendered file, as text
    project.init_tasks()                          # [(service, rendered script)], in the order Tutor runs them
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import yaml

from tests.peers.venvs import ensure_venv

REPO_ROOT = Path(__file__).resolve().parents[2]
PLUGIN_ROOT = REPO_ROOT / "deploy" / "tutor"
PLUGIN_PACKAGE = PLUGIN_ROOT / "tutortosca"
# The newest release of each major the plugin supports (PyPI, October 2026): 21 is Open edX Ulmo, 22 Verawood.
TUTOR_RELEASES = {21: "21.0.9", 22: "22.0.3"}
# Variables of the test process that must not reach Tutor: it has its own interpreter and no Django.
PRIVATE_VARIABLES = {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"}

# Run by Tutor's own interpreter: the init tasks as `tutor local do init [--limit NAME]` would run them, rendered.
_INIT_TASKS = """
import json, sys
from tutor import config, env, hooks
from tutor.commands import cli  # noqa: F401 - registers the core init tasks, as the tutor command does
root, limit = sys.argv[1], sys.argv[2] or None
hooks.Actions.CORE_READY.do()
hooks.Actions.PROJECT_ROOT_READY.do(root)
loaded = config.load(root)
context = hooks.Contexts.app(limit).name if limit else None
tasks = hooks.Filters.CLI_DO_INIT_TASKS.iterate_from_context(context)
print(json.dumps([[service, env.render_str(loaded, task)] for service, task in tasks]))
"""


class TutorUnavailable(RuntimeError):
    """Tutor could not be installed; the message says which step failed and why."""


class TutorFailed(AssertionError):
    """A tutor command answered with an error; the message carries its output."""


def tutor_python(major: int) -> Path:
    """The python of the virtual environment holding Tutor `major` and the plugin, created on first use."""
    venv = REPO_ROOT / ".venv" / "peers" / f"tutor-{major}"
    requirements = (f"tutor=={TUTOR_RELEASES[major]}", "--editable", str(PLUGIN_ROOT))
    return ensure_venv(venv, requirements, unavailable=TutorUnavailable, timeout=900)


class TutorProject:
    """One Tutor project root (``TUTOR_ROOT``) in `workdir`, with its own plugins root."""

    def __init__(self, python: Path, workdir: Path):
        self.python = python
        self.root = workdir / "tutor-root"
        self.environ = {key: value for key, value in os.environ.items() if key not in PRIVATE_VARIABLES}
        self.environ.update(TUTOR_ROOT=str(self.root), TUTOR_PLUGINS_ROOT=str(workdir / "tutor-plugins"))

    def tutor(self, *args: str) -> str:
        """Run ``tutor ARGS…``; its standard output, or TutorFailed with everything it said."""
        return self._run([str(self.python.parent / "tutor"), *args])

    def save(self, **settings) -> None:
        """``tutor config save --set NAME=VALUE…``: values are sent as YAML (JSON for lists and dicts), as typed."""
        pairs = [f"{name}={value if isinstance(value, str) else json.dumps(value)}" for name, value in settings.items()]
        self.tutor("config", "save", *[arg for pair in pairs for arg in ("--set", pair)])

    def enable(self, **settings) -> TutorProject:
        """``tutor plugins enable tosca`` then ``tutor config save [--set …]``, as the README says: enabling alone
        renders the environment but does not store the plugin's generated secrets in config.yml."""
        self.tutor("plugins", "enable", "tosca")
        self.save(**settings)
        return self

    def env(self, relative: str) -> str:
        return (self.root / "env" / relative).read_text(encoding="utf-8")

    def env_yaml(self, relative: str) -> list:
        return [document for document in yaml.safe_load_all(self.env(relative)) if document]

    def config(self) -> dict:
        return yaml.safe_load((self.root / "config.yml").read_text(encoding="utf-8"))

    def value(self, name: str) -> str:
        return self.tutor("config", "printvalue", name).strip()

    def init_tasks(self, limit: str = "") -> list[tuple[str, str]]:
        output = self._run([str(self.python), "-c", _INIT_TASKS, str(self.root), limit])
        return [(service, script) for service, script in json.loads(output)]

    def templates_dir(self) -> Path:
        """Where this Tutor release keeps its own templates."""
        output = self._run([str(self.python), "-c", "import os, tutor; print(os.path.dirname(tutor.__file__))"])
        return Path(output.strip()) / "templates"

    def _run(self, command: list[str]) -> str:
        try:
            result = subprocess.run(command, capture_output=True, text=True, env=self.environ, timeout=120, check=False)
        except subprocess.TimeoutExpired as error:
            raise TutorFailed(f"{command[:3]} did not finish: {error}") from error
        if result.returncode != 0:
            raise TutorFailed(f"{command[:3]}… failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
        return result.stdout
