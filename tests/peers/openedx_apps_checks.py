"""The checks the Open edX platform apps peer runs in its own venv (``python -m tests.peers.openedx_apps_checks``,
``DJANGO_SETTINGS_MODULE=tests.peers.openedx_apps_settings``, cwd the checkout): Tosca's code that talks to
platform apps, against the real apps. It prints one JSON object on stdout (everything else goes to stderr).

In a fresh SQLite database (migrated: the platform apps' tables and Tosca's), with the demo repertory loaded:

a. Studio's tags. ``sync.openedx_taxonomy.push_taxonomy`` (what ``tosca openedx push-taxonomy`` runs) pushes the
   demo framework to openedx-core's own taxonomy REST views, in process: the requests it sends through its
   ``session`` reach the real ``TaxonomyView`` (list, then ``import/``: ``create_taxonomy`` and the platform's tag
   importer) through Django's test client, as a Studio staff user. Only the LMS's OAuth2 token endpoint is stood
   in (it is the LMS's, not the tagging app's). Then, through the tagging app's API (``tag_object``, which Studio's
   "Manage tags" ends in), a module gets two tags of that taxonomy and one of another taxonomy whose tag has an
   external id that is also a demo code; a unit gets one tag of each. Reported: what the tagging app itself holds
   (``get_object_tags``), and what ``xblocks.compat.object_tags``, ``xblocks.competences.platform_tags`` and
   ``with_platform_tags`` and the real ``ModuleBlock``/``CheckpointBlock.evidence_tags`` make of it.
b. Completion. Real ``completion.models.BlockCompletion`` rows (``submit_completion``, with the feature switch on),
   edx-completion's ``CompletionService(user, course_key)``, and ``xblocks.blocks.rule.evaluate`` over two native
   blocks of a unit (opaque-keys ``UsageKey``s, as ``scope_ids.usage_id`` is in the LMS) for a checkpoint: one of two
   complete, then both. When the rule holds, the real ``CheckpointBlock.act_on`` records the evidence; the
   competences it names (the unit's Studio tags) are read back from the evidence.
"""

from __future__ import annotations

import contextlib
import json
import sys
import traceback
from dataclasses import asdict
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parents[2]
DEMO = REPO_ROOT / "tosca" / "demo" / "repertorio-toscana-demo.csv"
FRAMEWORK = "RRFP-TOSCANA-DEMO"
COURSE = "course-v1:Regione-Toscana+OPEN-101+2026"
MODULE_CODES = ("UC-1010", "UC-1027")  # tagged on the module in Studio
OWN_CODE = "UC-1010"  # the module's own tag (role assesses)
UNIT_CODE = "UC-1027"  # tagged in Studio on the unit that holds the checkpoint
OTHER_TAXONOMY = ("Competenze trasversali", "competenze-trasversali")
OTHER_CODE = "UC-1001"  # a demo code, as the external id of a tag of the other taxonomy
CLIENT_ID, CLIENT_SECRET = "tosca-push-taxonomy", "peer-secret"
PACKAGES = ("Django", "openedx-core", "openedx-learning", "edx-completion", "edx-opaque-keys", "XBlock", "tosca-lms")


def main() -> int:
    stdout = sys.stdout
    try:
        with contextlib.redirect_stdout(sys.stderr):
            result = {"status": "ok", **checks()}
    except Exception:
        result = {"status": "error", "traceback": traceback.format_exc()}
    stdout.write(json.dumps(result, sort_keys=True, default=str) + "\n")
    stdout.flush()
    return 0 if result["status"] == "ok" else 1


def checks() -> dict[str, Any]:
    import django
    from celery import Celery

    # The tagging app sends its events from Celery tasks: run them in the process, as there is no broker here.
    Celery("tosca-openedx-apps-peer", set_as_current=True).conf.update(task_always_eager=True, broker_url="memory://")
    django.setup()
    from django.core.management import call_command

    from repertory import api as repertory

    call_command("migrate", interactive=False, verbosity=0)
    imported = repertory.import_framework(DEMO, source_format="rrfp-csv")
    uris = {
        code: repertory.get_competence(framework=imported.framework, code=code).ref.uri
        for code in {*MODULE_CODES, UNIT_CODE, OTHER_CODE}
    }
    return {
        "packages": _packages(),
        "framework": imported.framework,
        "uris": uris,
        "tagging": _tagging_checks(imported.framework, uris),
        "completion": _completion_checks(),
    }


def _packages() -> dict[str, str | None]:
    found = {}
    for name in PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = None
    return found


# -- a. Studio's tags ---------------------------------------------------------------------------------------


def _tagging_checks(framework: str, uris: dict[str, str]) -> dict[str, Any]:
    from importlib import import_module

    from django.apps import apps
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from sync import api as sync_api
    from sync.openedx_taxonomy import push_taxonomy
    from xblocks import compat, competences
    from xblocks.blocks.checkpoint import CheckpointBlock
    from xblocks.blocks.module import ModuleBlock

    app = apps.get_app_config("oel_tagging")  # the label has stayed the same through the package's renames
    tagging = import_module(f"{app.name}.api")

    export_id = sync_api.taxonomy_export_id(framework)
    staff = get_user_model().objects.create_user("studio-staff", is_staff=True)
    session = StudioSession(staff, lms_host=urlsplit(settings.LMS_ROOT_URL).netloc)
    pushed = push_taxonomy(
        framework,
        cms_url=settings.CMS_ROOT_URL,
        lms_url=settings.LMS_ROOT_URL,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        session=session,
    )
    taxonomy = tagging.get_taxonomy_by_export_id(export_id)
    other = tagging.create_taxonomy(OTHER_TAXONOMY[0], export_id=OTHER_TAXONOMY[1])
    tagging.add_tag_to_taxonomy(other, "Lavoro di gruppo", external_id=OTHER_CODE)

    course_key = _course_key()
    module = str(course_key.make_usage_key("tosca_module", "m1"))
    unit = str(course_key.make_usage_key("vertical", "u1"))
    checkpoint = course_key.make_usage_key("tosca_checkpoint", "cp1")
    pushed_values = [taxonomy.tag_for_external_id(code).value for code in MODULE_CODES]
    tagging.tag_object(module, taxonomy, pushed_values)
    tagging.tag_object(module, other, ["Lavoro di gruppo"])
    tagging.tag_object(unit, taxonomy, [taxonomy.tag_for_external_id(UNIT_CODE).value])
    tagging.tag_object(unit, other, ["Lavoro di gruppo"])

    own = [{"uri": uris[OWN_CODE], "role": "assesses"}]
    module_block = SimpleNamespace(
        scope_ids=SimpleNamespace(usage_id=course_key.make_usage_key("tosca_module", "m1")),
        has_children=True,
        parent=unit,
        competences=own,
    )
    checkpoint_block = SimpleNamespace(
        scope_ids=SimpleNamespace(usage_id=checkpoint), has_children=False, parent=unit, competences=[]
    )
    return {
        "app": {"name": app.name, "label": app.label, "api": tagging.__name__},
        # how xblocks.compat names the app (its TAGGING_APP… constants), and whether it finds the app's tags
        "compat_names": {name: getattr(compat, name) for name in dir(compat) if name.startswith("TAGGING_APP")},
        "compat_reads_the_app": bool(compat.object_tags(module)),
        "export_id": export_id,
        "push": {
            "created": pushed.created,
            "taxonomy_id": pushed.taxonomy_id,
            "tag_count": pushed.tag_count,
            "answer": pushed.answer,
            "warnings": list(pushed.warnings),
            "requests": session.log,
        },
        "taxonomy": {
            "id": taxonomy.id,
            "export_id": taxonomy.export_id,
            "tags": tagging.get_tags(taxonomy).count(),
            "external_ids": {code: taxonomy.tag_for_external_id(code).external_id for code in MODULE_CODES},
        },
        "module": module,
        "unit": unit,
        "platform_object_tags": {
            object_id: [
                [object_tag.taxonomy.export_id, object_tag.tag.external_id, object_tag.value]
                for object_tag in tagging.get_object_tags(object_id)
            ]
            for object_id in (module, unit)
        },
        "compat_object_tags": {object_id: compat.object_tags(object_id) for object_id in (module, unit)},
        "platform_tags": competences.platform_tags([module]),
        "with_platform_tags": competences.with_platform_tags(own, [module]),
        "module_evidence_tags": ModuleBlock.evidence_tags(module_block),
        "checkpoint_evidence_tags": CheckpointBlock.evidence_tags(checkpoint_block),
    }


class StudioSession:
    """A ``requests.Session`` for ``push_taxonomy`` that answers in process: Studio's URLs through Django's test
    client to the tagging app's real REST views (logged in as `user`, a staff member: a taxonomy admin), and the
    LMS's OAuth2 token endpoint with a token, as the LMS does for the right client id and secret."""

    def __init__(self, user, *, lms_host: str):
        from django.test import Client

        self.client = Client()
        self.client.force_login(user)
        self.lms_host = lms_host
        self.log: list[str] = []

    def request(self, method: str, url: str, **options):
        import requests

        options.pop("timeout", None)
        prepared = requests.Request(method, url, **options).prepare()
        parts = urlsplit(prepared.url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if parts.netloc == self.lms_host:
            status, body, content_type = self._token(prepared)
            answer = SimpleNamespace(status_code=status, content=body, headers={"Content-Type": content_type})
        else:
            answer = self.client.generic(
                method,
                path,
                data=prepared.body or b"",
                content_type=prepared.headers.get("Content-Type", "application/octet-stream"),
                secure=parts.scheme == "https",
                headers={"accept": prepared.headers.get("Accept", "*/*")},
                HTTP_HOST=parts.netloc,
            )
        self.log.append(f"{method} {path} -> {answer.status_code}")
        response = requests.Response()
        response.status_code = answer.status_code
        response._content = answer.content
        response.headers.update(dict(answer.headers))
        response.url = prepared.url
        response.reason = "OK" if answer.status_code < 400 else "Error"
        response.encoding = "utf-8"
        response.request = prepared
        return response

    def _token(self, prepared) -> tuple[int, bytes, str]:
        from urllib.parse import parse_qs

        form = {key: values[0] for key, values in parse_qs(prepared.body or "").items()}
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return 401, b'{"error": "invalid_client"}', "application/json"
        token = {"access_token": "peer-token", "token_type": "JWT", "expires_in": 3600, "scope": "read write"}
        return 200, json.dumps(token).encode(), "application/json"

    def close(self) -> None:
        return None


# -- b. Completion --------------------------------------------------------------------------------------------


def _completion_checks() -> dict[str, Any]:
    from completion.models import BlockCompletion
    from completion.services import CompletionService
    from completion.waffle import ENABLE_COMPLETION_TRACKING_SWITCH
    from django.contrib.auth import get_user_model
    from waffle.models import Switch

    from sync.models import Evidence
    from xblocks.blocks.checkpoint import CheckpointBlock
    from xblocks.blocks.rule import evaluate

    Switch.objects.create(name=ENABLE_COMPLETION_TRACKING_SWITCH.name, active=True)  # as an operator does
    learner = get_user_model().objects.create_user("ada")
    course_key = _course_key()
    reading = course_key.make_usage_key("html", "lettura")
    video = course_key.make_usage_key("video", "intervista")
    unit = course_key.make_usage_key("vertical", "u1")
    service = CompletionService(learner, course_key)

    checkpoint = PlatformCheckpoint(course_key.make_usage_key("tosca_checkpoint", "cp1"), unit, service, "ada")
    blocks = [NativeBlock(reading), NativeBlock(video)]

    def checkpoint_evaluates() -> dict:
        evaluation = evaluate(checkpoint, blocks, optional=set(), min_score=None)
        CheckpointBlock.act_on(checkpoint, evaluation)  # records the evidence when the rule holds
        recorded = Evidence.objects.filter(module=str(checkpoint.scope_ids.usage_id)).first()
        return {
            "evaluation": asdict(evaluation) | {"met": evaluation.met},
            "evidence_id": checkpoint.evidence_id,
            "evidence_problem": checkpoint.evidence_problem,
            "evidence_competences": list(recorded.competences) if recorded else None,
            "published": list(checkpoint.runtime.published),
        }

    BlockCompletion.objects.submit_completion(user=learner, block_key=reading, completion=1.0)
    BlockCompletion.objects.submit_completion(user=learner, block_key=video, completion=0.5)
    one_of_two = {
        "completions": _keyed(service.get_completions([reading, video])),
        **checkpoint_evaluates(),
    }
    BlockCompletion.objects.submit_completion(user=learner, block_key=video, completion=1.0)
    both = {
        "completions": _keyed(service.get_completions([reading, video])),
        **checkpoint_evaluates(),
    }
    try:
        service.get_completions([str(reading), str(video)])
        strings = {"accepted": True, "error": None}
    except Exception as error:  # what the service does with usage ids as strings
        strings = {"accepted": False, "error": f"{type(error).__name__}: {error}"}
    return {
        "service": f"{type(service).__module__}.{type(service).__qualname__}",
        "has_get_scores": hasattr(service, "get_scores"),
        "tracking_enabled": service.completion_tracking_enabled(),
        "rows": BlockCompletion.objects.filter(user=learner).count(),
        "usage_id_strings": strings,
        "one_of_two_complete": one_of_two,
        "both_complete": both,
    }


class NativeBlock:
    """A platform block of the unit (an html or video block): no ``tosca_progress``, so the rule asks the runtime's
    completion service about it by its ``scope_ids.usage_id``."""

    def __init__(self, usage_key):
        self.scope_ids = SimpleNamespace(usage_id=usage_key, block_type=usage_key.block_type)


class PlatformRuntime:
    """What the checkpoint takes from the LMS's runtime here: its completion service, and ``publish``."""

    def __init__(self, completion):
        self.completion = completion
        self.published: list[list] = []

    def service(self, block, name: str):
        return self.completion if name == "completion" else None

    def publish(self, block, event_type: str, event_data: dict) -> None:
        self.published.append([event_type, event_data])


class PlatformCheckpoint:
    """A ``tosca_checkpoint`` as the LMS holds it for one learner, for ``CheckpointBlock``'s own methods (called on
    it): its fields' values, its parent unit and the runtime's services."""

    has_children = False

    def __init__(self, usage_key, parent, completion, username: str):
        self.scope_ids = SimpleNamespace(usage_id=usage_key, block_type=usage_key.block_type, user_id=username)
        self.parent = parent
        self.runtime = PlatformRuntime(completion)
        self.username = username
        self.display_name = "Traguardo"
        self.competences: list[dict] = []
        self.attempt = 1
        self.recorded_attempt = None
        self.evidence_id = None
        self.evidence_problem = None
        self.completed_at = None

    def evidence_tags(self) -> list[dict]:
        from xblocks.blocks.checkpoint import CheckpointBlock

        return CheckpointBlock.evidence_tags(self)  # the real method, on this block's state

    def learner_id(self) -> str:
        return self.username  # the platform username, as the LMS's user service gives it

    def evidence_platform(self) -> str | None:
        return None  # the Open edX this runs in


def _keyed(completions: dict) -> dict[str, float]:
    return {str(key): value for key, value in completions.items()}


def _course_key():
    from opaque_keys.edx.keys import CourseKey

    return CourseKey.from_string(COURSE)


if __name__ == "__main__":
    sys.exit(main())
