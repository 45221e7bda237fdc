"""Scores back to the platforms, as a destination of the evidence outbox: a module completed in a platform's
course gets a delivery to `lti-ags` in the same transaction as its evidence, and the dispatcher sends the score
with the same retries and dead letters as every other delivery. A platform that is down loses no score."""

from __future__ import annotations

import logging

from django.db.models import Q

from libretto import api as libretto
from lti_tool import services
from lti_tool.models import Placement
from repertory import api as repertory
from sync import api as sync

log = logging.getLogger(__name__)
DESTINATION = "lti-ags"


def register() -> None:
    sync.register_destination(DESTINATION, send, accepts=accepts, batch_size=20)


def accepts(facts) -> bool:
    """Evidence of a learner who launched this module from a platform that gave us a grade service."""
    if facts.platform == libretto.local_platform():
        return False  # a learner of Tosca's own catalogue: no platform to tell
    return _placements(facts).exists()


def send(batch: list) -> dict:
    return {facts.evidence_id: _send_one(facts) for facts in batch}


def _placements(facts):
    return Placement.objects.filter(
        learner__user__username=facts.learner, learner__issuer=facts.platform, module=facts.module
    ).filter(Q(lineitem_url__gt="") | Q(lineitems_url__gt=""))


def _send_one(facts) -> sync.Outcome:
    placements = list(_placements(facts).select_related("learner", "deployment__registration"))
    if not placements:
        return sync.DELIVERED  # the platform forgot the link since: nothing left to tell
    score = services.SCORE_MAXIMUM * (facts.score if facts.score is not None else 1.0)
    for placement in placements:
        registration = placement.deployment.registration
        try:
            lineitem = placement.lineitem_url or _resolve_lineitem(placement, facts)
            services.post_score(
                registration,
                lineitem,
                user_id=placement.learner.sub,
                score=round(score, 2),
                maximum=services.SCORE_MAXIMUM,
                timestamp=facts.completed_at.isoformat(timespec="milliseconds"),
            )
        except services.ServiceError as error:
            log.warning("score of %s for %s not sent to %s: %s", facts.module, facts.learner, registration, error)
            return sync.retry(str(error)) if error.retryable else sync.dead(str(error))
    return sync.DELIVERED


def competence_tag(uris) -> str:
    """A line item's tag: the codes of the competences its module develops, as designers know them."""
    codes = {ref.code for ref in repertory.get_competences(uris).values() if ref.code}
    return ",".join(sorted(codes))[:255]


def _resolve_lineitem(placement: Placement, facts) -> str:
    url = services.find_or_create_lineitem(
        placement.deployment.registration,
        placement.lineitems_url,
        resource_id=facts.module,
        tag=competence_tag(facts.competences),
        label=facts.module_title or facts.module,
        resource_link_id=placement.resource_link_id,
    )
    Placement.objects.filter(pk=placement.pk).update(lineitem_url=url)
    return url
