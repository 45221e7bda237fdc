"""A module's completion rule, evaluated the same way by `tosca_module` (over its children) and
`tosca_checkpoint` (over its siblings): every required block complete, and, when the designer set one, a
weighted score at or above the minimum."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.utils import timezone

from xblocks import compat
from xblocks.blocks.base import Progress, progress_of

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Evaluation:
    required: int
    done: int
    score: float | None
    """Weighted score of the scored blocks, 0..1, a block not scored yet counting 0 (None: nothing to score)."""
    min_score: float | None
    complete: bool
    passed: bool | None
    """None when the rule has no minimum score (completion only) or nothing is scored."""

    @property
    def met(self) -> bool:
        return self.complete and self.passed is not False

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.required) if self.required else 100


def evaluate(owner, blocks: list, *, optional: set[str], min_score: float | None) -> Evaluation:
    """Evaluate the rule over `blocks` for the current learner; `owner` supplies the runtime's services."""
    service = owner.runtime.service(owner, "completion")
    foreign = [block.scope_ids.usage_id for block in blocks if not hasattr(block, "tosca_progress")]
    completions, scores = {}, {}
    if service is not None and foreign:
        completions = service.get_completions(foreign) or {}
        if hasattr(service, "get_scores"):
            scores = service.get_scores(foreign) or {}
        else:  # Open edX's completion service: the scores are in the platform's courseware
            scores = compat.platform_scores(_platform_user_id(owner), foreign)
    required = done = 0
    weighted = weights = 0.0
    for block in blocks:
        progress: Progress | None = progress_of(block, completions, scores)
        if progress is None:
            continue
        name = str(block.scope_ids.usage_id).rsplit("@", 1)[-1]
        if name not in optional:
            required += 1
            done += progress.complete
        if progress.possible:
            weights += progress.weight
            weighted += progress.weight * (progress.scaled or 0.0)
    score = round(weighted / weights, 4) if weights else None
    complete = done == required
    passed = None if min_score is None or score is None else score >= min_score - 1e-9
    return Evaluation(required, done, score, min_score, complete, passed)


def _platform_user_id(owner):
    try:
        user = owner.runtime.service(owner, "user").get_current_user()
    except Exception:  # a runtime without a user service (or a block that did not ask for it): no learner known
        return None
    return (getattr(user, "opt_attrs", None) or {}).get("edx-platform.user_id")


def record(block, evaluation: Evaluation, competences: list[dict]) -> tuple[str | None, str | None]:
    """Record the evidence of a met rule, once per attempt: (evidence id, None) or (None, why not)."""
    uris = [tag["uri"] for tag in competences]
    if not uris:
        return None, None
    from sync import api as sync_api  # the evidence pipeline is Tosca's core; a runtime without it has no libretto

    try:
        receipt = sync_api.record_module_completion(
            block.learner_id(),
            str(block.scope_ids.usage_id),
            timezone.now(),
            evaluation.score,
            uris,
            platform=block.evidence_platform(),
            attempt=block.attempt,
            module_title=block.display_name[:200],
            passed=evaluation.passed,
        )
    except (sync_api.EvidenceRejected, sync_api.EvidenceConflict) as error:
        log.warning("evidence of %s for %s not recorded: %s", block.scope_ids.usage_id, block.learner_id(), error)
        return None, str(error)
    return str(receipt.evidence_id), None
