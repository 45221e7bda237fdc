"""What lti_tool.api returns, and the claims of the LTI 1.3 specifications it reads and writes."""

from __future__ import annotations

from dataclasses import dataclass, field

LTI_VERSION = "1.3.0"
CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
DL_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
RESOURCE_LINK_REQUEST = "LtiResourceLinkRequest"
DEEP_LINKING_REQUEST = "LtiDeepLinkingRequest"
DEEP_LINKING_RESPONSE = "LtiDeepLinkingResponse"
MESSAGE_TYPES = (RESOURCE_LINK_REQUEST, DEEP_LINKING_REQUEST)

AGS_SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
AGS_SCOPE_LINEITEM_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
AGS_SCOPE_RESULT = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
AGS_SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
TOOL_SCOPES = (AGS_SCOPE_LINEITEM, AGS_SCOPE_LINEITEM_READONLY, AGS_SCOPE_RESULT, AGS_SCOPE_SCORE, NRPS_SCOPE)

# Roles that may place and review content: context (course) roles and, for administrators, institution roles.
TEACHING_ROLES = ("#Instructor", "#ContentDeveloper", "#Administrator", "#TeachingAssistant", "#Mentor")


@dataclass(frozen=True)
class RegistrationInfo:
    uuid: str
    name: str
    issuer: str
    client_id: str
    auth_login_url: str
    auth_token_url: str
    keyset_url: str
    token_audience: str
    deployments: tuple[str, ...]
    active: bool


@dataclass(frozen=True)
class Launch:
    """A validated id_token: who launched, from where, into what."""

    registration_id: int
    deployment_pk: int
    issuer: str
    client_id: str
    deployment_id: str
    message_type: str
    sub: str
    roles: tuple[str, ...]
    name: str = ""
    resource_link_id: str = ""
    resource_link_title: str = ""
    context_id: str = ""
    context_title: str = ""
    target_link_uri: str = ""
    custom: dict = field(default_factory=dict)
    lineitems_url: str = ""
    lineitem_url: str = ""
    ags_scopes: tuple[str, ...] = ()
    memberships_url: str = ""
    deep_link_return_url: str = ""
    deep_link_data: str | None = None
    deep_link_accept_multiple: bool = True
    deep_link_accept_types: tuple[str, ...] = ()
    locale: str = ""

    @property
    def teaches(self) -> bool:
        return any(role.endswith(TEACHING_ROLES) or role in {"Instructor", "ContentDeveloper"} for role in self.roles)


@dataclass(frozen=True)
class Member:
    """A member of a platform's course, as its roster (Names and Role Provisioning) lists them."""

    user_id: str
    name: str
    roles: tuple[str, ...]
    status: str = "Active"


@dataclass(frozen=True)
class Score:
    """A score as the platform's grade service (AGS) holds it."""

    user_id: str
    score_given: float | None
    score_maximum: float | None
    comment: str = ""
