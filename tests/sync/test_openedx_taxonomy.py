"""Pushing a framework into Open edX's own tagging, against a stub of the LMS token endpoint and Studio's API."""

from __future__ import annotations

import csv
import io
import socket
from io import StringIO

import pytest
import requests
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils.translation import override

from repertory import api as repertory
from sync.openedx_taxonomy import TaxonomyPushFailed, export_id_for, push_taxonomy
from tests.conftest import FIXTURES
from tests.peers.faults import FaultyProxy
from tests.peers.openedx_tagging_stub import OpenedxTaggingStub

DEMO_CODE = "RRFP-TOSCANA-DEMO"
pytestmark = [pytest.mark.django_db, pytest.mark.storage_only]  # the stub is what is tested


@pytest.fixture
def platform():
    with OpenedxTaggingStub() as stub:
        yield stub


def push(platform: OpenedxTaggingStub, code: str = DEMO_CODE, **options):
    credentials = {
        "cms_url": platform.cms_url,
        "lms_url": platform.lms_url,
        "client_id": platform.client_id,
        "client_secret": platform.client_secret,
        "timeout": 5,
    }
    return push_taxonomy(code, **{**credentials, **options})


def exported_tree(code: str) -> dict[str, tuple[str, str | None]]:
    """The framework's Open edX export in Italian, the site's LANGUAGE_CODE, which pushes use by default."""
    with override("it"):
        _name, content = repertory.export_framework(code, export_format="openedx-csv")
    rows = csv.DictReader(io.StringIO(content.decode("utf-8")))
    return {row["id"]: (row["value"], row["parent_id"] or None) for row in rows}


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# -- creating and updating ----------------------------------------------------------------------------------


def test_first_push_creates_a_taxonomy_with_every_live_node_as_a_tag_under_its_parent(demo, platform):
    report = push(platform)

    with override("it"):
        framework = repertory.get_framework(DEMO_CODE)
    taxonomy = platform.taxonomy(DEMO_CODE)
    assert report.created and not report.dry_run
    assert report.taxonomy_id == taxonomy.id
    assert report.taxonomy_name == taxonomy.name == framework.title
    assert report.tag_count == framework.node_count == len(taxonomy.tags)
    assert platform.tree(DEMO_CODE) == exported_tree(DEMO_CODE)
    assert platform.tree(DEMO_CODE)["UC-1001"] == (
        "UC-1001 Assistenza alla persona nelle attività di vita quotidiana",
        "FIG-101",
    )
    assert taxonomy.description == framework.description


def test_the_token_comes_from_the_lms_and_every_studio_request_carries_it(demo, platform):
    push(platform)

    (token_request,) = platform.requests_to("POST", "/oauth2/access_token")
    assert token_request.path == "/lms/oauth2/access_token"
    assert token_request.form == {
        "grant_type": "client_credentials",
        "client_id": platform.client_id,
        "client_secret": platform.client_secret,
        "token_type": "jwt",
    }
    api_requests = [request for request in platform.requests if request.path.startswith("/cms/")]
    assert [request.method for request in api_requests] == ["GET", "POST"]
    (token,) = platform.tokens
    assert {request.headers["Authorization"] for request in api_requests} == {f"JWT {token}"}
    upload = api_requests[1]
    assert upload.path == "/cms/api/content_tagging/v1/taxonomies/import/"
    assert upload.form["taxonomy_export_id"] == DEMO_CODE
    filename, content = upload.files["file"]
    assert filename.endswith(".csv") and content.startswith(b"id,value,parent_id\n")


def test_pushing_again_updates_the_same_taxonomy_instead_of_creating_a_second(demo, platform):
    first = push(platform)
    second = push(platform)

    assert not second.created
    assert second.taxonomy_id == first.taxonomy_id
    assert len(platform.user_taxonomies()) == 1
    assert second.tag_count == first.tag_count
    assert len(platform.requests_to("POST", "/taxonomies/import/")) == 1
    assert len(platform.requests_to("PUT", f"/taxonomies/{first.taxonomy_id}/tags/import/")) == 1


def test_a_new_version_renames_tags_in_place_adds_new_nodes_and_drops_retired_ones(rrfp_v1, platform):
    push(platform, "RRFP-TEST")
    before = platform.taxonomy("RRFP-TEST").tags
    renamed_pk = before["UC-1"].pk
    repertory.import_framework(FIXTURES / "rrfp-v2.csv", source_format="rrfp-csv")

    report = push(platform, "RRFP-TEST")

    tree = platform.tree("RRFP-TEST")
    assert not report.created
    assert tree == exported_tree("RRFP-TEST")
    assert "UC-3" not in tree and "UC-3-CAP-1" not in tree
    assert tree["UC-4-CAP-1"] == ("UC-4-CAP-1 Scegliere gli indicatori di esito", "UC-4")
    uc1 = platform.taxonomy("RRFP-TEST").tags["UC-1"]
    assert uc1.value == "UC-1 Progettazione partecipata di attività di quartiere"
    assert uc1.pk == renamed_pk  # the tag itself survives the rename, and with it what authors tagged with it


def test_a_taxonomy_made_earlier_in_studio_with_the_same_export_id_is_updated_not_duplicated(demo, platform):
    for number in range(5):
        platform.add_taxonomy(f"Altro {number}", f"altro-{number}")
    made_in_studio = platform.add_taxonomy("Repertorio (Studio)", DEMO_CODE, orgs=["RegioneToscana"])
    platform.page_size_max = 2  # the taxonomy is on a later page of the listing

    report = push(platform)

    assert not report.created
    assert report.taxonomy_id == made_in_studio.id
    assert report.taxonomy_name == "Repertorio (Studio)"
    assert len(platform.user_taxonomies()) == 6
    assert len(platform.requests_to("GET", "/taxonomies/")) > 1


def test_a_taxonomy_can_be_made_available_to_organizations(demo, platform):
    report = push(platform, orgs=["RegioneToscana", "ToscanaFormazione"])

    assert platform.taxonomy(DEMO_CODE).orgs == ["RegioneToscana", "ToscanaFormazione"]
    assert report.orgs == ("RegioneToscana", "ToscanaFormazione")
    assert not [warning for warning in report.warnings if "organization" in warning]

    push(platform, all_orgs=True)

    assert platform.taxonomy(DEMO_CODE).all_orgs


def test_a_taxonomy_left_without_organizations_comes_with_a_warning(demo, platform):
    report = push(platform)

    assert any("belongs to no organization" in warning for warning in report.warnings)


def test_the_demo_repertory_warns_that_studio_shows_three_levels_at_once(demo, platform):
    report = push(platform)

    assert any("4 levels" in warning for warning in report.warnings)


def test_a_dry_run_shows_the_platform_plan_and_changes_nothing(rrfp_v1, platform):
    push(platform, "RRFP-TEST")
    repertory.import_framework(FIXTURES / "rrfp-v2.csv", source_format="rrfp-csv")
    before = platform.tree("RRFP-TEST")

    report = push(platform, "RRFP-TEST", dry_run=True)

    assert report.dry_run and not report.created
    assert platform.tree("RRFP-TEST") == before
    assert "Delete tag" in report.plan and "UC-3" in report.plan
    assert "Create a new tag with values (external_id=UC-4" in report.plan


def test_a_dry_run_for_a_framework_not_yet_pushed_creates_nothing(demo, platform):
    report = push(platform, dry_run=True)

    assert report.dry_run and report.created and report.taxonomy_id is None
    assert platform.user_taxonomies() == []


# -- failures an operator must understand ------------------------------------------------------------------


def test_a_wrong_client_secret_is_reported_as_a_refused_token_request(demo, platform):
    with pytest.raises(TaxonomyPushFailed) as failure:
        push(platform, client_secret="not-the-secret")

    message = failure.value.message
    assert "getting an access token" in message
    assert f"{platform.lms_url}/oauth2/access_token" in message
    assert "401" in message and "invalid_client" in message
    assert "not-the-secret" not in message
    assert not [request for request in platform.requests if request.path.startswith("/cms/")]


def test_a_platform_that_is_down_is_reported_with_its_address(demo):
    down = f"http://127.0.0.1:{unused_port()}"

    with pytest.raises(TaxonomyPushFailed) as failure:
        push_taxonomy(DEMO_CODE, cms_url=down, lms_url=down, client_id="id", client_secret="secret", timeout=2)

    message = failure.value.message
    assert message.startswith("Could not reach Open edX while getting an access token")
    assert f"{down}/oauth2/access_token" in message
    assert "Connection refused" in message


def test_a_platform_that_does_not_answer_in_time_is_reported_as_a_timeout(demo, platform):
    with FaultyProxy(platform.url, mode="slow", delay=3) as proxy, pytest.raises(TaxonomyPushFailed) as failure:
        push(platform, lms_url=proxy.url.rstrip("/") + "/lms", timeout=0.3)

    assert "did not answer within 0.3 s while getting an access token" in failure.value.message


def test_an_answer_lost_after_the_platform_created_the_taxonomy_is_safe_to_push_again(demo, platform):
    class AnswerLost(requests.Session):
        def request(self, method, url, *args, **kwargs):
            answer = super().request(method, url, *args, **kwargs)
            if method == "POST" and url.endswith("/taxonomies/import/"):
                raise requests.ConnectionError("('Connection aborted.', RemoteDisconnected('closed'))")
            return answer

    with pytest.raises(TaxonomyPushFailed) as failure:
        push(platform, session=AnswerLost())

    assert "pushing again is safe" in failure.value.message
    report = push(platform)
    assert not report.created
    assert len(platform.user_taxonomies()) == 1


def test_an_import_the_platform_refuses_shows_its_error_and_leaves_no_taxonomy(demo, platform, monkeypatch):
    orphan = b"id,value,parent_id\nSET-01,SET-01 Servizi,\nUC-9,UC-9 Orfana,GHOST\n"
    monkeypatch.setattr(repertory, "export_framework", lambda code, export_format: ("orphan.csv", orphan))

    with pytest.raises(TaxonomyPushFailed) as failure:
        push(platform)

    message = failure.value.message
    assert "Open edX answered 400 while creating the taxonomy and importing its tags" in message
    assert f"{platform.cms_url}/api/content_tagging/v1/taxonomies/import/" in message
    assert "Unknown parent tag (GHOST). You need to add parent before the child in your file." in message
    assert "Import task created" not in message  # the log's routine lines are left out
    assert platform.user_taxonomies() == []


def test_a_refused_update_names_the_taxonomy_and_changes_none_of_its_tags(demo, platform, monkeypatch):
    push(platform)
    before = platform.tree(DEMO_CODE)
    taxonomy_id = platform.taxonomy(DEMO_CODE).id
    broken = b"id,value,parent_id\nSET-01,SET-01 Servizi,\nFIG-101,FIG-101 Operatore,SET-99\n"
    monkeypatch.setattr(repertory, "export_framework", lambda code, export_format: ("broken.csv", broken))

    with pytest.raises(TaxonomyPushFailed) as failure:
        push(platform)

    message = failure.value.message
    assert f"Open edX answered 400 while importing the tags into taxonomy {taxonomy_id}" in message
    assert f"{platform.cms_url}/api/content_tagging/v1/taxonomies/{taxonomy_id}/tags/import/" in message
    assert "Unknown parent tag (SET-99)" in message
    assert platform.tree(DEMO_CODE) == before


def test_two_nodes_open_edx_would_take_for_one_tag_are_refused_before_anything_is_sent(demo, platform, monkeypatch):
    clash = b"id,value,parent_id\nSET-01,Servizi,\nset-01,Altri servizi,\n"
    monkeypatch.setattr(repertory, "export_framework", lambda code, export_format: ("clash.csv", clash))

    with pytest.raises(TaxonomyPushFailed, match="“SET-01” and “set-01” for the same tag"):
        push(platform)

    assert platform.requests == []


def test_a_user_who_may_not_manage_taxonomies_gets_told_what_is_needed(demo):
    with OpenedxTaggingStub(taxonomy_admin=False) as platform, pytest.raises(TaxonomyPushFailed) as failure:
        push(platform)

    message = failure.value.message
    assert "Open edX answered 403 while creating the taxonomy" in message
    assert "You do not have permission to perform this action." in message
    assert "allowed to manage taxonomies in Studio" in message


def test_an_unknown_organization_is_refused_with_the_platform_words(demo, platform):
    with pytest.raises(TaxonomyPushFailed) as failure:
        push(platform, orgs=["NoSuchOrg"])

    assert "making taxonomy" in failure.value.message
    assert "Object with short_name=NoSuchOrg does not exist." in failure.value.message


def test_a_platform_without_export_ids_is_refused_rather_than_filled_with_duplicates(demo):
    with OpenedxTaggingStub(export_ids=False) as platform, pytest.raises(TaxonomyPushFailed) as failure:
        push(platform)

    assert "have no export_id" in failure.value.message
    assert platform.requests_to("POST", "/taxonomies/import/") == []


def test_an_unknown_framework_is_refused_before_contacting_the_platform(db, platform):
    with pytest.raises(TaxonomyPushFailed, match="No framework has the code “NOPE”"):
        push(platform, "NOPE")

    assert platform.requests == []


def test_missing_credentials_are_named_before_contacting_the_platform(demo, platform):
    with pytest.raises(TaxonomyPushFailed, match="OAuth2 client secret"):
        push(platform, client_secret="")

    with pytest.raises(TaxonomyPushFailed, match="not an http:// or https:// address"):
        push(platform, cms_url="studio.example.org")

    assert platform.requests == []


def test_export_ids_keep_codes_the_platform_accepts_and_replace_the_rest():
    assert export_id_for("RRFP-TOSCANA-DEMO") == "RRFP-TOSCANA-DEMO"
    assert export_id_for("esco_v1.2") == "esco_v1.2"
    assert export_id_for("Qualificazioni / Toscana ò") == "Qualificazioni-Toscana-o"
    with pytest.raises(TaxonomyPushFailed):
        export_id_for("///")


def test_values_open_edx_refuses_are_adjusted_and_reported(demo, platform, monkeypatch):
    awkward = b"id,value,parent_id\nSET-01,SET-01 Servizi; cura > assistenza,\n"
    monkeypatch.setattr(repertory, "export_framework", lambda code, export_format: ("awkward.csv", awkward))

    report = push(platform)

    assert platform.tree(DEMO_CODE) == {"SET-01": ("SET-01 Servizi, cura - assistenza", None)}
    assert any("1 tag value was adjusted" in warning for warning in report.warnings)


# -- the command line --------------------------------------------------------------------------------------


def command(*arguments: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("openedx", *arguments, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def options_for(platform: OpenedxTaggingStub) -> list[str]:
    return ["--cms-url", platform.cms_url, "--lms-url", platform.lms_url, "--client-id", platform.client_id]


def test_the_command_line_prints_the_created_then_the_updated_taxonomy(demo, platform, monkeypatch):
    monkeypatch.setenv("TOSCA_OPENEDX_CLIENT_SECRET", platform.client_secret)
    count = repertory.get_framework(DEMO_CODE).node_count

    created, warnings = command("push-taxonomy", DEMO_CODE, *options_for(platform))
    updated, _warnings = command("push-taxonomy", DEMO_CODE, *options_for(platform), "--org", "RegioneToscana")

    taxonomy = platform.taxonomy(DEMO_CODE)
    assert created.strip() == (
        f"Created taxonomy {taxonomy.id} “{taxonomy.name}” with {count} tags (export id {DEMO_CODE})."
    )
    assert updated.strip() == (
        f"Updated taxonomy {taxonomy.id} “{taxonomy.name}” with {count} tags (export id {DEMO_CODE}). "
        "Available to: RegioneToscana."
    )
    assert "belongs to no organization" in warnings


def test_the_command_line_takes_settings_and_lets_the_environment_override_them(demo, platform, settings, monkeypatch):
    settings.TOSCA_OPENEDX = {
        "cms_url": platform.cms_url,
        "lms_url": platform.lms_url,
        "client_id": platform.client_id,
        "client_secret": "an-old-secret",
        "orgs": ["ToscanaFormazione"],
    }
    monkeypatch.setenv("TOSCA_OPENEDX_CLIENT_SECRET", platform.client_secret)

    out, _err = command("push-taxonomy", DEMO_CODE)

    assert out.startswith("Created taxonomy")
    assert platform.taxonomy(DEMO_CODE).orgs == ["ToscanaFormazione"]


def test_the_command_line_names_what_is_missing(demo, settings, monkeypatch):
    settings.TOSCA_OPENEDX = {}
    for variable in ("CMS_URL", "LMS_URL", "CLIENT_ID", "CLIENT_SECRET"):
        monkeypatch.delenv(f"TOSCA_OPENEDX_{variable}", raising=False)

    with pytest.raises(CommandError) as failure:
        command("push-taxonomy", DEMO_CODE, "--cms-url", "https://studio.example.org")

    message = str(failure.value)
    assert "--lms-url (or TOSCA_OPENEDX_LMS_URL" in message
    assert "--client-secret (or TOSCA_OPENEDX_CLIENT_SECRET" in message
    assert "--cms-url" not in message


def test_the_command_line_turns_a_refusal_into_an_error_message(demo, platform):
    with pytest.raises(CommandError) as failure:
        command("push-taxonomy", DEMO_CODE, *options_for(platform), "--client-secret", "wrong")

    assert "Open edX answered 401 while getting an access token" in str(failure.value)


def test_the_command_line_dry_run_prints_the_plan(demo, platform, monkeypatch):
    monkeypatch.setenv("TOSCA_OPENEDX_CLIENT_SECRET", platform.client_secret)
    command("push-taxonomy", DEMO_CODE, *options_for(platform))

    out, _err = command("push-taxonomy", DEMO_CODE, *options_for(platform), "--dry-run")

    assert out.startswith(f"Dry run: would update taxonomy {platform.taxonomy(DEMO_CODE).id}")
    assert "Import plan for" in out and "No changes needed for" in out
