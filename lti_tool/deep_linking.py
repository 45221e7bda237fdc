"""Deep Linking 2.0: the modules a designer picked, returned to the platform as signed `ltiResourceLink` items,
each with the module in `custom` and a line item (resourceId = the module, tag = its competence codes)."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from lti_tool import keys, services
from lti_tool.data import CLAIM, DEEP_LINKING_RESPONSE, DL_CLAIM, LTI_VERSION

RESOURCE_LINK = "ltiResourceLink"


@dataclass(frozen=True)
class Choice:
    usage_id: str
    title: str
    text: str
    tag: str


def response_token(
    *, client_id: str, issuer: str, deployment_id: str, data: str | None, choices: list[Choice], launch_url: str
) -> str:
    """The signed LtiDeepLinkingResponse; `data` from the request is echoed exactly, as the platform expects."""
    now = int(time.time())
    claims = {
        "iss": client_id,
        "aud": issuer,
        "iat": now,
        "exp": now + 600,
        "nonce": secrets.token_urlsafe(16),
        CLAIM + "deployment_id": deployment_id,
        CLAIM + "message_type": DEEP_LINKING_RESPONSE,
        CLAIM + "version": LTI_VERSION,
        DL_CLAIM + "content_items": [_item(choice, launch_url) for choice in choices],
    }
    if data is not None:
        claims[DL_CLAIM + "data"] = data
    return keys.sign(claims)


def _item(choice: Choice, launch_url: str) -> dict:
    line_item = {"scoreMaximum": services.SCORE_MAXIMUM, "label": choice.title, "resourceId": choice.usage_id}
    if choice.tag:
        line_item["tag"] = choice.tag
    item = {
        "type": RESOURCE_LINK,
        "title": choice.title,
        "url": launch_url,
        "custom": {"module": choice.usage_id},
        "lineItem": line_item,
    }
    if choice.text:
        item["text"] = choice.text
    return item
