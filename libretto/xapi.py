"""xAPI 1.0.3 statements for evidence: built here, checked here, sent by sync and exported by the libretto.

One statement per evidence; its id is the evidence id, and its `timestamp` is set by us (an LRS that stamps
a statement itself refuses an identical re-POST with 409, which would turn every retry into a conflict).
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import quote, urlsplit
from uuid import UUID

from django.conf import settings

from libretto.data import EvidenceFacts

XAPI_VERSION = "1.0.3"
VERB_COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
VERB_PASSED = "http://adlnet.gov/expapi/verbs/passed"
ACTIVITY_MODULE = "http://adlnet.gov/expapi/activities/module"
ACTIVITY_COMPETENCE = "http://adlnet.gov/expapi/activities/objective"
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")
_IRI_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def statement(facts: EvidenceFacts) -> dict:
    """The xAPI statement that says `facts`: the learner completed (or passed) the module, developing the
    competences listed as context activities."""
    verb = VERB_PASSED if facts.passed else VERB_COMPLETED
    result: dict = {"completion": True}
    if facts.passed is not None:
        result["success"] = facts.passed
    if facts.score is not None:
        result["score"] = {"scaled": round(float(facts.score), 4)}
    module = {"objectType": "Activity", "id": module_iri(facts.module), "definition": {"type": ACTIVITY_MODULE}}
    if facts.module_title:
        module["definition"]["name"] = {"it-IT": facts.module_title}
    return {
        "id": str(facts.evidence_id),
        "actor": {"objectType": "Agent", "account": {"homePage": facts.platform, "name": facts.learner}},
        "verb": {"id": verb, "display": {"en-US": "passed" if facts.passed else "completed"}},
        "object": module,
        "result": result,
        "context": {
            "platform": "Tosca",
            "contextActivities": {
                "other": [
                    {"objectType": "Activity", "id": uri, "definition": {"type": ACTIVITY_COMPETENCE}}
                    for uri in facts.competences
                ]
            },
        },
        "timestamp": _timestamp(facts.completed_at),
        "version": XAPI_VERSION,
    }


def module_iri(module: str) -> str:
    """The module as an activity IRI: itself when it already is an http(s) URL, else under this instance."""
    if module.startswith(("http://", "https://")):
        return module
    return f"{settings.TOSCA_BASE_URL.rstrip('/')}/xapi/activities/module/{quote(module, safe='')}"


def _timestamp(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def problems(candidate: dict) -> list[str]:
    """What makes `candidate` an invalid xAPI 1.0.3 statement (the parts we send); empty when it is valid."""
    found: list[str] = []
    try:
        UUID(str(candidate.get("id", "")))
    except ValueError:
        found.append("id is not a UUID")
    actor = candidate.get("actor") or {}
    account = actor.get("account") or {}
    identifiers = [key for key in ("mbox", "mbox_sha1sum", "openid", "account") if key in actor]
    if len(identifiers) != 1:
        found.append("actor must have exactly one inverse functional identifier")
    if "account" in actor and not (_is_url(account.get("homePage", "")) and account.get("name")):
        found.append("actor.account needs an http(s) homePage and a name")
    verb = candidate.get("verb") or {}
    if not _is_iri(verb.get("id", "")):
        found.append("verb.id is not an IRI")
    found.extend(_language_map_problems(verb.get("display", {}), "verb.display"))
    activity = candidate.get("object") or {}
    if activity.get("objectType", "Activity") != "Activity" or not _is_iri(activity.get("id", "")):
        found.append("object must be an Activity with an IRI id")
    found.extend(_language_map_problems(activity.get("definition", {}).get("name", {}), "object.definition.name"))
    scaled = (candidate.get("result") or {}).get("score", {}).get("scaled")
    if scaled is not None and not (isinstance(scaled, int | float) and -1 <= scaled <= 1):
        found.append("result.score.scaled must be a number from -1 to 1")
    other = (candidate.get("context") or {}).get("contextActivities", {}).get("other", [])
    if not isinstance(other, list) or any(not _is_iri(item.get("id", "")) for item in other):
        found.append("context.contextActivities.other must be a list of activities with IRI ids")
    try:
        stamp = datetime.fromisoformat(str(candidate.get("timestamp", "")).replace("Z", "+00:00"))
        if stamp.tzinfo is None:
            found.append("timestamp needs a time zone")
    except ValueError:
        found.append("timestamp is not ISO 8601")
    return found


def _is_iri(value: str) -> bool:
    return isinstance(value, str) and bool(_IRI_SCHEME.match(value)) and not any(char.isspace() for char in value)


def _is_url(value: str) -> bool:
    parts = urlsplit(value) if isinstance(value, str) else None
    return bool(parts and parts.scheme in ("http", "https") and parts.netloc)


def _language_map_problems(language_map: dict, where: str) -> list[str]:
    if not isinstance(language_map, dict):
        return [f"{where} must be a language map"]
    return [f"{where} has an invalid language tag {tag!r}" for tag in language_map if not _LANGUAGE_TAG.match(tag)]
