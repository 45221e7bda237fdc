"""Where evidence goes: this instance's libretto, an xAPI learning record store, a remote Tosca libretto.

A destination receives a batch of evidence and says, for each one, delivered, retry later, or give up
(dead-letter, with the reason). Every destination deduplicates on the evidence id, so sending twice is safe.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass

import requests
from django.conf import settings

from libretto import api as libretto
from libretto.data import EvidenceFacts
from sync.data import DELIVERED, dead, retry

logger = logging.getLogger(__name__)
XAPI_HEADERS = {"X-Experience-API-Version": "1.0.3", "Content-Type": "application/json"}
# How much of a remote answer to keep as the error of a delivery.
ANSWER_EXCERPT = 500


class Destination:
    def __init__(self, config: dict):
        self.config = config
        self.name = config["name"]

    @property
    def batch_size(self) -> int:
        return int(self.config.get("batch_size") or settings.TOSCA_SYNC["batch_size"])

    @property
    def timeout(self) -> float:
        return float(self.config.get("timeout") or settings.TOSCA_SYNC["timeout"])

    def send(self, batch: list[EvidenceFacts]) -> dict:
        """{evidence id: Outcome} for every evidence of `batch`."""
        raise NotImplementedError


class LocalLibretto(Destination):
    """This instance's libretto, written directly (no network)."""

    def send(self, batch: list[EvidenceFacts]) -> dict:
        return {
            outcome.evidence_id: dead("refused by the libretto: " + "; ".join(map(str, outcome.problems)))
            if outcome.problems
            else DELIVERED
            for outcome in libretto.record_evidence_batch(batch)
        }


class XapiLrs(Destination):
    """Any xAPI 1.0.3 LRS: statements POSTed in batches, statement id = evidence id, Basic auth."""

    def __init__(self, config: dict):
        super().__init__(config)
        self.endpoint = config["endpoint"].rstrip("/") + "/"
        self.auth = (config["username"], config.get("password", "")) if config.get("username") else None

    def send(self, batch: list[EvidenceFacts]) -> dict:
        outcomes = {}
        statements = {}
        for facts in batch:
            statement = libretto.statement_for(facts)
            problems = libretto.statement_problems(statement)
            if problems:
                outcomes[facts.evidence_id] = dead("invalid xAPI statement: " + "; ".join(problems))
            else:
                statements[facts.evidence_id] = statement
        if statements:
            outcomes.update(self._post(statements))
        return outcomes

    def _post(self, statements: dict) -> dict:
        try:
            answer = self._request("POST", json=list(statements.values()))
        except requests.RequestException as error:
            return dict.fromkeys(statements, retry(f"LRS unreachable: {error}"))
        if answer.status_code in (200, 204):
            return dict.fromkeys(statements, DELIVERED)
        if answer.status_code in (400, 409) and len(statements) > 1:
            # One statement spoils the batch: find it by sending each on its own.
            outcomes = {}
            for evidence_id, statement in statements.items():
                outcomes.update(self._post({evidence_id: statement}))
            return outcomes
        if answer.status_code == 409:
            return self._conflict(statements, answer)
        if answer.status_code == 400:
            return dict.fromkeys(statements, dead(f"LRS refused the statement: {_excerpt(answer)}"))
        return dict.fromkeys(statements, retry(f"LRS answered {answer.status_code}: {_excerpt(answer)}"))

    def _conflict(self, statements: dict, answer: requests.Response) -> dict:
        """409 on a statement we may have sent before: delivered if the LRS holds the same statement."""
        ((evidence_id, statement),) = statements.items()
        try:
            stored = self._request("GET", params={"statementId": str(evidence_id)})
        except requests.RequestException as error:
            return {evidence_id: retry(f"LRS unreachable while checking a conflict: {error}")}
        if stored.status_code != 200:
            return {evidence_id: retry(f"LRS answered {stored.status_code} while checking a conflict")}
        held = _json(stored)
        if isinstance(held, dict) and isinstance(held.get("statements"), list):  # some LRSs answer with a list
            held = held["statements"][0] if held["statements"] else None
        if not held:
            return {evidence_id: retry("LRS reported a conflict but holds no statement with this id")}
        if _same_statement(statement, held):
            return {evidence_id: DELIVERED}
        return {evidence_id: dead(f"LRS holds a different statement with this id (409): {_excerpt(answer)}")}

    def _request(self, method: str, **options) -> requests.Response:
        return requests.request(
            method, self.endpoint + "statements", headers=XAPI_HEADERS, auth=self.auth, timeout=self.timeout, **options
        )


class RemoteLibretto(Destination):
    """Another Tosca acting as the regional libretto, over its /api/libretto/v1/ REST API."""

    MAX_BATCH = 500  # what the REST API takes in one request

    def __init__(self, config: dict):
        super().__init__(config)
        self.url = config["url"].rstrip("/") + "/api/libretto/v1/evidence/"
        self.headers = {"Authorization": f"Bearer {config['token']}", "Content-Type": "application/json"}

    @property
    def batch_size(self) -> int:
        return min(super().batch_size, self.MAX_BATCH)

    def send(self, batch: list[EvidenceFacts]) -> dict:
        # A client token writes for one platform: a mixed batch would be refused whole, so each goes on its own.
        by_platform: dict[str, list[EvidenceFacts]] = {}
        for facts in batch:
            by_platform.setdefault(facts.platform, []).append(facts)
        outcomes = {}
        for group in by_platform.values():
            outcomes.update(self._send_group(group))
        return outcomes

    def _send_group(self, batch: list[EvidenceFacts]) -> dict:
        outcomes = {}
        for _round in range(2):
            answered = self._post(batch)
            outcomes.update(answered)
            refused = {evidence_id for evidence_id, outcome in answered.items() if outcome.result == "dead"}
            if not refused or len(refused) == len(batch):
                return outcomes
            # The remote libretto records a request whole or not at all: send it again without what it refused.
            batch = [facts for facts in batch if facts.evidence_id not in refused]
        return outcomes

    def _post(self, batch: list[EvidenceFacts]) -> dict:
        body = [evidence_json(facts) for facts in batch]
        try:
            answer = requests.post(self.url, data=json.dumps(body), headers=self.headers, timeout=self.timeout)
        except requests.RequestException as error:
            return {facts.evidence_id: retry(f"remote libretto unreachable: {error}") for facts in batch}
        if answer.status_code == 413 and len(batch) > 1:
            half = len(batch) // 2
            return {**self._post(batch[:half]), **self._post(batch[half:])}
        if answer.status_code in (400, 409):
            return self._refusals(batch, answer)
        if answer.status_code == 403:
            # This token may not write for that platform: waiting will not change it.
            return {
                facts.evidence_id: dead(f"remote libretto refused the platform: {_excerpt(answer)}") for facts in batch
            }
        if answer.status_code != 200:
            # 401 means a token to fix, 5xx a server to wait for: both are retried, never lost.
            return {
                facts.evidence_id: retry(f"remote libretto answered {answer.status_code}: {_excerpt(answer)}")
                for facts in batch
            }
        results = {item.get("id"): item for item in (_json(answer).get("results") or []) if isinstance(item, dict)}
        return {
            facts.evidence_id: DELIVERED
            if results.get(str(facts.evidence_id), {}).get("status") in ("created", "duplicate", "tombstoned")
            else retry("remote libretto did not report this evidence")
            for facts in batch
        }

    @staticmethod
    def _refusals(batch: list[EvidenceFacts], answer: requests.Response) -> dict:
        """A refusal names the evidence it refused (dead-lettered); the rest was not recorded (sent again)."""
        refused = {
            item.get("id"): item.get("problems")
            for item in (_json(answer).get("results") or [])
            if isinstance(item, dict) and item.get("status") in ("rejected", "conflict")
        }
        return {
            facts.evidence_id: dead(f"remote libretto refused it: {refused[str(facts.evidence_id)]}")
            if str(facts.evidence_id) in refused
            else retry(f"remote libretto answered {answer.status_code}: {_excerpt(answer)}")
            for facts in batch
        }


def evidence_json(facts: EvidenceFacts) -> dict:
    """The evidence as the libretto REST API takes it (and as a remote libretto's POST body lists it)."""
    return {
        "id": str(facts.evidence_id),
        "platform": facts.platform,
        "learner": facts.learner,
        "module": facts.module,
        "module_title": facts.module_title,
        "attempt": facts.attempt,
        "completed_at": facts.completed_at.isoformat(),
        "score": facts.score,
        "passed": facts.passed,
        "competences": list(facts.competences),
    }


KINDS = {"local": LocalLibretto, "xapi": XapiLrs, "libretto_api": RemoteLibretto}


@dataclass(frozen=True)
class Registered:
    """A destination a channel app brings (the LTI tool's grade service): it takes only the evidence it accepts."""

    name: str
    send: Callable[[list[EvidenceFacts]], dict]
    accepts: Callable[[EvidenceFacts], bool]
    batch_size: int = 50


REGISTERED: dict[str, Registered] = {}


def configured() -> dict[str, Destination | Registered]:
    found: dict[str, Destination | Registered] = dict(REGISTERED)
    found.update({config["name"]: KINDS[config["type"]](config) for config in settings.TOSCA_DESTINATIONS})
    return found


def _excerpt(answer: requests.Response) -> str:
    return answer.text[:ANSWER_EXCERPT]


def _json(answer: requests.Response):
    try:
        return answer.json()
    except ValueError:
        return {}


def _same_statement(sent: dict, stored: dict) -> bool:
    """Whether the LRS's copy says what we sent (it adds stored, authority and version of its own)."""
    fields = ("id", "actor", "verb", "object", "result", "context", "timestamp")
    return isinstance(stored, dict) and all(_normal(sent.get(key)) == _normal(stored.get(key)) for key in fields)


def _normal(value):
    if isinstance(value, str) and value.endswith("Z"):
        return value[:-1] + "+00:00"
    if isinstance(value, dict):
        return {key: _normal(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_normal(item) for item in value]
    return value
