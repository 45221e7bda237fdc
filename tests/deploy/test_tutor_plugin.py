"""The Tutor plugin (deploy/tutor): what `tutor config save` renders with it, on Tutor 21 and 22, without Docker.

Tutor is installed in a venv of its own per major release (tests/deploy/tutor_env.py); a machine that cannot
install it skips these tests with the reason (fails them with CI=true). The rendered settings are executed here
the way the LMS and Studio run them: after edx-django-utils has added Tosca's plugin apps and their
plugin_settings to a settings module holding edx-platform's own values, as lms/envs/common.py does.
"""

from __future__ import annotations

import ast
import configparser
import itertools
import re
import subprocess
import sys
import types
from datetime import timedelta
from pathlib import Path

import pytest
from edx_django_utils.plugins import add_plugins, get_plugin_apps

from tests.deploy.tutor_env import (
    PLUGIN_PACKAGE,
    PLUGIN_ROOT,
    REPO_ROOT,
    TUTOR_RELEASES,
    TutorProject,
    TutorUnavailable,
    tutor_python,
)
from tests.peers.availability import peer_unavailable

BEGIN, END = "# ---- tutor-tosca: begin ----", "# ---- tutor-tosca: end ----"
LMS, CMS = "lms.djangoapp", "cms.djangoapp"
SETTINGS_FILES = {
    "apps/openedx/settings/lms/production.py": LMS,
    "apps/openedx/settings/cms/production.py": CMS,
    "apps/openedx/settings/lms/development.py": LMS,
    "apps/openedx/settings/cms/development.py": CMS,
}
# What lms/envs/common.py holds when it adds its plugins: edx-platform's defaults, before production.py reads
# lms.env.yml and before Tutor's settings.
PLATFORM_COMMON = {
    "LMS_ROOT_URL": "https://localhost:18000",
    "PLATFORM_NAME": "Your Platform Name Here",
    "DATA_DIR": Path("/edx/var/edxapp/data"),
}
STUDIO_BLOCKS = ["tosca_module", "tosca_checkpoint", "tosca_libretto", "tosca_html", "tosca_video", "tosca_quiz"]
PINS = "/openedx/edx-platform/requirements/edx/base.txt"


@pytest.fixture(scope="module", params=sorted(TUTOR_RELEASES), ids=lambda major: f"tutor-{major}")
def tutor(request) -> Path:
    try:
        return tutor_python(request.param)
    except TutorUnavailable as error:
        peer_unavailable("Tutor", str(error))


@pytest.fixture
def project(tutor: Path, tmp_path: Path) -> TutorProject:
    return TutorProject(tutor, tmp_path)


_modules = itertools.count()


def tosca_settings(rendered: str, project_type: str = LMS) -> dict:
    """The settings the LMS (or Studio) ends with: Tosca's plugin apps and plugin_settings added to edx-platform's
    values by edx-django-utils, then the plugin's blocks of the rendered Tutor settings file run after them."""
    module = types.ModuleType(f"tutor_tosca_settings_{next(_modules)}")
    module.__dict__.update(INSTALLED_APPS=["django.contrib.auth"], **PLATFORM_COMMON)
    sys.modules[module.__name__] = module
    try:
        module.INSTALLED_APPS.extend(get_plugin_apps(project_type))
        add_plugins(module.__name__, project_type, "common")
        for block in re.findall(re.escape(BEGIN) + ".*?" + re.escape(END), rendered, flags=re.DOTALL):
            exec(compile(block, "tutor-tosca settings", "exec"), module.__dict__)
    finally:
        del sys.modules[module.__name__]
    return module.__dict__


def install_step(dockerfile: str) -> str:
    """The plugin's instruction in the Dockerfile, checked to sit in the stage that builds the platform's
    virtualenv (the one the final image copies)."""
    stage_start = dockerfile.index("FROM python AS python-requirements")
    stage_end = dockerfile.index("FROM python AS nodejs-requirements", stage_start)
    start = dockerfile.index("# Tosca (tutor-tosca)")
    assert stage_start < start < stage_end, "Tosca is not installed in the platform's virtualenv"
    return dockerfile[start : dockerfile.index("\n\n", start)] + "\n"


def python_of(script: str) -> list[str]:
    """The Python programs a task script hands to `./manage.py … shell -c '…'`."""
    return re.findall(r"shell -c '(.*?)'", script, flags=re.DOTALL)


def tosca_task(tasks: list[tuple[str, str]], service: str) -> str:
    [script] = [script for name, script in tasks if name == service and "tutor-tosca" in script]
    return script


# ---- Without Tutor ----


def test_the_plugin_installs_the_tosca_release_of_its_own_version():
    setup = configparser.ConfigParser()
    setup.read(REPO_ROOT / "setup.cfg", encoding="utf-8")
    source = (PLUGIN_PACKAGE / "__init__.py").read_text(encoding="utf-8")
    assert f'__version__ = "{setup["metadata"]["version"]}"' in source


def test_the_readme_documents_every_setting_with_its_default(monkeypatch):
    monkeypatch.syspath_prepend(str(PLUGIN_ROOT))
    from tutortosca import defaults

    readme = (PLUGIN_ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("<!-- settings: begin -->\n", 1)[1].split("<!-- settings: end -->", 1)[0]
    assert table == defaults.settings_table(), "regenerate it: python -m tutortosca.defaults (in deploy/tutor)"
    for name in [*defaults.DEFAULTS, *defaults.UNIQUE]:
        assert f"| `TOSCA_{name}` |" in table


# ---- The image ----


def test_tutor_lists_the_plugin_and_enables_it(project):
    project.enable()
    listed = project.tutor("plugins", "list")
    assert re.search(r"^tosca\s+\W*\s*enabled\s+0\.1\.0\.dev0\s*$", listed, flags=re.MULTILINE), listed
    assert "tosca" in project.config()["PLUGINS"]


def test_disabling_the_plugin_takes_tosca_out_of_the_image_and_the_settings(project):
    project.enable()
    project.tutor("plugins", "disable", "tosca")
    project.save()
    assert "tosca" not in project.env("build/openedx/Dockerfile")
    assert BEGIN not in project.env("apps/openedx/settings/lms/production.py")
    assert "tosca-sync" not in project.env("local/docker-compose.prod.yml")
    assert not any("tutor-tosca" in script for _service, script in project.init_tasks())


def test_the_openedx_image_pip_installs_tosca_into_the_platform_venv_held_to_its_pins(project):
    project.enable()
    dockerfile = project.env("build/openedx/Dockerfile")
    step = install_step(dockerfile)
    assert f"$PIP_COMMAND install --constraint {PINS} tosca-lms==0.1.0.dev0\n" in step
    assert f"--mount=type=bind,from=edx-platform,source=/requirements/edx/base.txt,target={PINS}" in step
    assert dockerfile.count("tosca-lms==") == 1
    # A Dockerfile patch, not the operator's own list of extra requirements.
    assert project.value("OPENEDX_EXTRA_PIP_REQUIREMENTS") == "[]"
    assert "OPENEDX_EXTRA_PIP_REQUIREMENTS" not in project.config()


def test_a_git_requirement_is_installed_as_given_and_pins_can_be_let_go(project):
    spec = "tosca-lms @ git+https://git.example.org/regione/tosca.git@v0.1.0"
    project.enable(TOSCA_PIP_SPEC=spec, TOSCA_PIP_KEEP_PLATFORM_PINS=False)
    step = install_step(project.env("build/openedx/Dockerfile"))
    assert f"$PIP_COMMAND install '{spec}'\n" in step
    assert PINS not in step


def test_a_wheel_copied_into_tosca_dist_outlives_config_save_and_is_installed(project):
    project.enable()
    wheel = project.root / "env" / "build" / "openedx" / "tosca-dist" / "tosca_lms-0.1.0-py3-none-any.whl"
    wheel.write_bytes(b"a wheel")
    project.save(TOSCA_PIP_SPEC=f"/openedx/tosca-dist/{wheel.name}")
    assert wheel.read_bytes() == b"a wheel"
    step = install_step(project.env("build/openedx/Dockerfile"))
    assert "--mount=type=bind,source=tosca-dist,target=/openedx/tosca-dist" in step
    assert step.rstrip().endswith(f"install --constraint {PINS} /openedx/tosca-dist/{wheel.name}")


def test_a_checkout_named_tosca_is_installed_editable_and_mounted_instead(project, tmp_path):
    checkout = tmp_path / "tosca"
    checkout.mkdir()
    project.enable()
    project.tutor("mounts", "add", str(checkout))
    project.save(TOSCA_PIP_SPEC="")
    dockerfile = project.env("build/openedx/Dockerfile")
    assert "tosca-lms" not in dockerfile
    assert "TOSCA_PIP_SPEC is empty" in install_step(dockerfile)
    assert "FROM scratch AS mnt-tosca" in dockerfile
    assert 'RUN $PIP_COMMAND install -e "/mnt/tosca"' in dockerfile
    [compose] = project.env_yaml("local/docker-compose.yml")
    for service in ("lms", "cms"):
        assert f"{checkout}:/mnt/tosca:z" in compose["services"][service]["volumes"]


# ---- Settings ----


def test_lms_and_cms_settings_carry_the_configured_destinations_and_options(project):
    project.enable(
        TOSCA_BASE_URL="https://corsi.regione.example/",
        TOSCA_XAPI_LRS_URL="https://lrs.regione.example/xAPI/",
        TOSCA_XAPI_LRS_USERNAME="tosca-lms",
        TOSCA_XAPI_LRS_PASSWORD="s3cret'with\"quotes",
        TOSCA_LIBRETTO_API_URL="https://libretto.regione.example/",
        TOSCA_LIBRETTO_API_TOKEN="token-123",
        TOSCA_SYNC_DISPATCH="celery",
        TOSCA_SYNC_TIMEOUT=25,
        TOSCA_SYNC_MAX_ATTEMPTS=5,
        TOSCA_ISSUER_NAME="Regione Toscana",
        TOSCA_SIGNING_KEY_FILE="/openedx/data/keys/badges.pem",
        TOSCA_REPERTORY_URI_BASE="https://repertorio.regione.example/",
        TOSCA_LTI_DYNAMIC_REGISTRATION="off",
        TOSCA_LTI_KEY_PUBLISH_AHEAD=3600,
    )
    for name, project_type in SETTINGS_FILES.items():
        settings = tosca_settings(project.env(name), project_type)
        assert settings["TOSCA_DESTINATIONS"] == [
            {"name": "local", "type": "local"},
            {
                "name": "lrs",
                "type": "xapi",
                "endpoint": "https://lrs.regione.example/xAPI/",
                "username": "tosca-lms",
                "password": "s3cret'with\"quotes",
            },
            {
                "name": "libretto",
                "type": "libretto_api",
                "url": "https://libretto.regione.example/",
                "token": "token-123",
            },
        ], name
        assert settings["TOSCA_BASE_URL"] == "https://corsi.regione.example"
        assert settings["TOSCA_SYNC_DISPATCH"] == "celery"
        assert settings["TOSCA_SYNC"]["timeout"] == 25.0
        assert settings["TOSCA_SYNC"]["max_attempts"] == 5
        assert settings["TOSCA_SYNC"]["lease"] == timedelta(minutes=5)  # Tosca's own default, kept
        assert settings["TOSCA_ISSUER_NAME"] == "Regione Toscana"
        assert settings["TOSCA_SIGNING_KEY_FILE"] == Path("/openedx/data/keys/badges.pem")
        assert settings["TOSCA_REPERTORY_URI_BASE"] == "https://repertorio.regione.example/"
        if project_type == LMS:
            assert settings["TOSCA_LTI"]["dynamic_registration"] == "off"
            assert settings["TOSCA_LTI"]["key_publish_ahead"] == 3600
            assert settings["TOSCA_LTI"]["leeway"] == 60  # Tosca's own default, kept
        else:
            assert "TOSCA_LTI" not in settings  # Studio has no LTI tool


def test_by_default_evidence_stays_in_the_local_libretto_and_tosca_speaks_as_the_lms(project):
    project.enable()
    settings = tosca_settings(project.env("apps/openedx/settings/lms/production.py"))
    assert settings["TOSCA_DESTINATIONS"] == [{"name": "local", "type": "local"}]
    assert settings["TOSCA_SYNC_DISPATCH"] == "inline"
    # Tutor's values, not those edx-platform's common settings held when Tosca's plugin_settings ran.
    assert settings["TOSCA_BASE_URL"] == "http://local.openedx.io"
    assert settings["TOSCA_ISSUER_NAME"] == "My Open edX"
    assert settings["TOSCA_SIGNING_KEY_FILE"] == Path("/openedx/data/tosca/signing-key.pem")
    project.save(LMS_HOST="corsi.regione.example", ENABLE_HTTPS=True, PLATFORM_NAME="Trio")
    settings = tosca_settings(project.env("apps/openedx/settings/cms/production.py"), CMS)
    assert settings["TOSCA_BASE_URL"] == "https://corsi.regione.example"
    assert settings["TOSCA_ISSUER_NAME"] == "Trio"


def test_inside_open_edx_tosca_gets_every_setting_its_own_site_defines(project):
    import tosca.settings as site

    project.enable()
    settings = tosca_settings(project.env("apps/openedx/settings/lms/production.py"))
    names = {name for name in vars(site) if name.startswith("TOSCA_")}
    assert names <= set(settings), f"not set inside Open edX: {sorted(names - set(settings))}"
    # Where Tosca runs (address, key, issuer) differs by design; the rest is the same as on Tosca's own site.
    deployment = {"TOSCA_BASE_URL", "TOSCA_SYNC_DISPATCH", "TOSCA_SIGNING_KEY_FILE", "TOSCA_ISSUER_NAME"}
    for name in sorted(names - deployment - {"TOSCA_LTI"}):
        assert settings[name] == getattr(site, name), name
    assert {**settings["TOSCA_LTI"], "dynamic_registration": "open"} == site.TOSCA_LTI
    assert settings["TOSCA_LTI"]["dynamic_registration"] == "staff"  # a shared LMS: only staff register platforms


def test_tosca_apps_come_from_their_entry_points_and_the_settings_leave_them_alone(project):
    project.enable()
    for name, project_type in SETTINGS_FILES.items():
        entry_point_apps = ["django.contrib.auth", *get_plugin_apps(project_type)]
        assert {"repertory.apps.RepertoryConfig", "sync.apps.SyncConfig"} <= set(entry_point_apps)
        assert tosca_settings(project.env(name), project_type)["INSTALLED_APPS"] == entry_point_apps, name


def test_a_bad_setting_stops_the_lms_with_tosca_s_own_message(project):
    from tosca.config import ConfigurationError

    project.enable(TOSCA_LIBRETTO_API_URL="https://libretto.regione.example/")
    with pytest.raises(ConfigurationError, match=r"\(libretto\) needs: token"):
        tosca_settings(project.env("apps/openedx/settings/lms/production.py"))
    project.save(TOSCA_LIBRETTO_API_URL="", TOSCA_SYNC_DISPATCH="eventually")
    with pytest.raises(ConfigurationError, match="TOSCA_SYNC_DISPATCH must be one of inline, celery, manual"):
        tosca_settings(project.env("apps/openedx/settings/cms/production.py"), CMS)
    project.save(TOSCA_SYNC_DISPATCH="celery", TOSCA_SYNC_TIMEOUT="soon")
    with pytest.raises(ConfigurationError, match="TOSCA_SYNC_TIMEOUT must be a number"):
        tosca_settings(project.env("apps/openedx/settings/lms/production.py"))


def test_in_tutor_dev_tosca_follows_the_lms_to_port_8000_unless_its_address_was_set(project):
    project.enable()
    for name in ("apps/openedx/settings/lms/development.py", "apps/openedx/settings/cms/development.py"):
        development = project.env(name)
        override = development.index("TOSCA_BASE_URL = LMS_ROOT_URL")
        assert development.index(END) < override
        assert re.search(r"^LMS_ROOT_URL = ", development[:override], flags=re.MULTILINE)
    production = project.env("apps/openedx/settings/lms/production.py")
    assert "TOSCA_BASE_URL = LMS_ROOT_URL" not in production
    project.save(TOSCA_BASE_URL="https://corsi.regione.example")
    assert "TOSCA_BASE_URL = LMS_ROOT_URL" not in project.env("apps/openedx/settings/lms/development.py")


def test_the_lrs_password_is_generated_once_per_installation(project, tutor, tmp_path):
    project.enable()
    password = project.config()["TOSCA_XAPI_LRS_PASSWORD"]
    assert re.fullmatch(r"[A-Za-z0-9]{24}", password)
    project.save(TOSCA_XAPI_LRS_URL="https://lrs.regione.example/xAPI/")
    assert project.config()["TOSCA_XAPI_LRS_PASSWORD"] == password
    [*_, lrs] = tosca_settings(project.env("apps/openedx/settings/lms/production.py"))["TOSCA_DESTINATIONS"]
    assert lrs["password"] == password
    other = TutorProject(tutor, tmp_path / "other").enable()
    assert other.config()["TOSCA_XAPI_LRS_PASSWORD"] != password


# ---- Init tasks ----


def test_init_enables_asides_after_the_platform_migrations(project):
    project.enable()
    tasks = project.init_tasks()
    services = [service for service, _script in tasks]
    lms_migrate = next(i for i, (s, script) in enumerate(tasks) if s == "lms" and "./manage.py lms migrate" in script)
    cms_migrate = next(i for i, (s, script) in enumerate(tasks) if s == "cms" and "./manage.py cms migrate" in script)
    lms, cms = tosca_task(tasks, "lms"), tosca_task(tasks, "cms")
    assert tasks.index(("lms", lms)) > lms_migrate
    assert tasks.index(("cms", cms)) > cms_migrate
    assert services.count("lms") >= 2 and services.count("cms") >= 2
    [lms_python] = python_of(lms)
    assert "from lms.djangoapps.lms_xblock.models import XBlockAsidesConfig" in lms_python
    assert "XBlockAsidesConfig(enabled=True, disabled_blocks=current.disabled_blocks).save()" in lms_python
    assert "./manage.py lms sync status" in lms
    [cms_python] = python_of(cms)
    assert "from cms.djangoapps.xblock_config.models import StudioConfig" in cms_python
    assert "StudioConfig(enabled=True, disabled_blocks=current.disabled_blocks).save()" in cms_python
    assert "ENABLE_ASIDES = True" in cms_python


def test_init_scripts_are_valid_shell_around_valid_python(project):
    project.enable(TOSCA_STUDIO_BLOCKS=["tosca_module", "it's_quoted"])
    for service in ("lms", "cms"):
        script = tosca_task(project.init_tasks(), service)
        checked = subprocess.run(["sh", "-n"], input=script, capture_output=True, text=True, check=False)
        assert checked.returncode == 0, checked.stderr
        for program in python_of(script):
            compile(program, f"{service} init task", "exec")


def test_init_registers_the_tosca_blocks_in_studio(project):
    project.enable()
    [program] = python_of(tosca_task(project.init_tasks(), "cms"))
    assert _assigned(program, "BLOCKS") == STUDIO_BLOCKS
    assert "from common.djangoapps.xblock_django.models import XBlockStudioConfiguration" in program
    assert "support_level=XBlockStudioConfiguration.PROVISIONAL_SUPPORT" in program
    assert '"advanced_by_default" in fields' in program
    assert "Advanced Module List" in program
    project.save(TOSCA_STUDIO_BLOCKS=["tosca_module", "tosca_quiz"])
    [program] = python_of(tosca_task(project.init_tasks(), "cms"))
    assert _assigned(program, "BLOCKS") == ["tosca_module", "tosca_quiz"]


def test_asides_can_be_left_alone(project):
    project.enable(TOSCA_ENABLE_ASIDES=False)
    tasks = project.init_tasks()
    assert "XBlockAsidesConfig" not in tosca_task(tasks, "lms")
    [program] = python_of(tosca_task(tasks, "cms"))
    assert _assigned(program, "ENABLE_ASIDES") is False


def test_init_limited_to_tosca_runs_only_tosca_tasks(project):
    project.enable()
    tasks = project.init_tasks(limit="tosca")
    assert [service for service, _script in tasks] == ["lms", "cms"]
    assert all("tutor-tosca" in script and " migrate" not in script for _service, script in tasks)


# ---- Services ----


def test_a_tosca_sync_service_delivers_what_is_due_in_local_and_kubernetes(project):
    project.enable(TOSCA_SYNC_SWEEP_SECONDS=45)
    [compose] = project.env_yaml("local/docker-compose.prod.yml")
    sweeper = compose["services"]["tosca-sync"]
    assert sweeper["command"] == ["./manage.py", "lms", "sync", "run", "--loop", "45"]
    assert sweeper["environment"]["DJANGO_SETTINGS_MODULE"] == "lms.envs.tutor.production"
    assert "../../data/lms:/openedx/data:z" in sweeper["volumes"]  # the signing key the LMS uses
    assert sweeper["image"] == compose["services"]["lms-worker"]["image"]
    [deployment] = [
        document
        for document in project.env_yaml("k8s/deployments.yml")
        if document["kind"] == "Deployment" and document["metadata"]["name"] == "tosca-sync"
    ]
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    assert container["args"] == ["./manage.py", "lms", "sync", "run", "--loop", "45"]
    project.save(TOSCA_SYNC_SWEEP_SECONDS=0)
    [compose] = project.env_yaml("local/docker-compose.prod.yml")
    assert "tosca-sync" not in compose["services"]
    assert "tosca-sync" not in project.env("k8s/deployments.yml")


def test_every_patch_fills_a_slot_this_tutor_release_has(project):
    templates = project.templates_dir()
    slots = set()
    for template in templates.rglob("*"):
        if template.is_file() and template.suffix != ".pyc":
            slots.update(re.findall(r'patch\("([a-z0-9-]+)"\)', template.read_text(encoding="utf-8", errors="ignore")))
    patches = sorted(path.name for path in (PLUGIN_PACKAGE / "patches").iterdir())
    assert patches == [
        "k8s-deployments",
        "local-docker-compose-prod-services",
        "openedx-common-settings",
        "openedx-development-settings",
        "openedx-dockerfile-post-python-requirements",
        "openedx-lms-common-settings",
    ]
    assert set(patches) <= slots, f"no such patch in this Tutor: {sorted(set(patches) - slots)}"


def _assigned(program: str, name: str):
    for node in ast.parse(program).body:
        if isinstance(node, ast.Assign) and [target.id for target in node.targets] == [name]:
            return ast.literal_eval(node.value)
    raise AssertionError(f"{name} is not assigned in the task")


# Compiles every module in memory (nothing written) and prints the ones Python 3.11 refuses.
_COMPILE_ALL = """
import pathlib, sys
bad = []
for folder in sys.argv[1:]:
    for path in sorted(pathlib.Path(folder).rglob("*.py")):
        try:
            compile(path.read_text(encoding="utf-8"), str(path), "exec")
        except SyntaxError as error:
            bad.append(f"{path}:{error.lineno}: {error.msg}")
print("\\n".join(bad))
sys.exit(1 if bad else 0)
"""


def _python_311() -> str | None:
    import shutil
    import subprocess
    from pathlib import Path

    candidates = [shutil.which("python3.11"), *sorted(Path.home().glob(".pyenv/versions/3.11.*/bin/python3.11"))]
    for candidate in filter(None, candidates):
        if subprocess.run([str(candidate), "-c", ""], capture_output=True).returncode == 0:
            return str(candidate)
    return None


def test_tosca_compiles_on_the_python_of_tutor_21s_image():
    """Tutor 21 (Ulmo) builds its image on Python 3.11: no 3.12-only syntax may reach the apps it installs."""
    import subprocess
    from pathlib import Path

    from tests.peers.availability import peer_unavailable

    python = _python_311()
    if python is None:
        peer_unavailable("Python 3.11", "no python3.11 on this machine (pyenv install 3.11)")
    apps = ["repertory", "libretto", "sync", "xblocks", "lti_tool", "scorm_export", "tosca"]
    result = subprocess.run(
        [python, "-c", _COMPILE_ALL, *apps], cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True
    )

    assert result.returncode == 0, result.stdout + result.stderr
