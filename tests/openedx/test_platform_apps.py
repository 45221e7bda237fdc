"""Tosca's code that talks to Open edX platform apps, against the real apps installed standalone (openedx-core's
tagging app, edx-completion), in a venv of their own: tests/peers/openedx_apps.py builds it, and
tests/peers/openedx_apps_checks.py runs there, in its own SQLite database, and reports what it found.

- Studio's tags: a framework pushed by `tosca openedx push-taxonomy`'s own code to the tagging app's real REST views,
  then object tags put through the tagging app's API, read by xblocks.compat / xblocks.competences as a module's
  (and a checkpoint's unit's) competences in the evidence.
- Completion: real BlockCompletion rows and edx-completion's CompletionService, asked by the rule a checkpoint
  evaluates over the native blocks of its unit.
"""

from __future__ import annotations

import pytest

from tests.peers.availability import peer_unavailable

PEER = "Open edX platform apps"
OTHER_TAXONOMY = "competenze-trasversali"

# The checks run in the peer's own database: these tests use none here, and are not run again on PostgreSQL/MariaDB.
pytestmark = pytest.mark.storage_only


@pytest.fixture(scope="module")
def platform(tmp_path_factory) -> dict:
    """What the checks found, run once for this module (building the peer's venv on first use)."""
    from tests.peers.openedx_apps import OpenedxAppsUnavailable, run_checks

    try:
        return run_checks(tmp_path_factory.mktemp("openedx-apps"))
    except OpenedxAppsUnavailable as error:
        peer_unavailable(PEER, str(error))


def assert_compat_finds_the_tagging_app(platform: dict) -> None:
    tagging = platform["tagging"]
    assert tagging["compat_reads_the_app"], (
        f"xblocks.compat names the tagging app {tagging['compat_names']}, but openedx-core "
        f"{platform['packages']['openedx-core']} installs the tagging app as {tagging['app']['name']!r} "
        f"(label {tagging['app']['label']!r}, API {tagging['app']['api']!r}): Studio's tags are never read"
    )


def test_studio_tags_from_a_pushed_taxonomy_become_the_module_evidence_competences(platform):
    tagging, uris = platform["tagging"], platform["uris"]
    export_id, module, unit = tagging["export_id"], tagging["module"], tagging["unit"]
    # The platform's own views took the push: a taxonomy with the framework's export id, tags named by our codes.
    assert tagging["push"]["created"], tagging["push"]
    assert tagging["taxonomy"]["export_id"] == export_id == "RRFP-TOSCANA-DEMO"
    assert tagging["taxonomy"]["external_ids"] == {"UC-1010": "UC-1010", "UC-1027": "UC-1027"}
    assert tagging["push"]["tag_count"] == tagging["taxonomy"]["tags"]
    # …and the tagging app holds the object tags Studio would have written.
    assert [row[:2] for row in tagging["platform_object_tags"][module] if row[0] == export_id] == [
        [export_id, "UC-1010"],
        [export_id, "UC-1027"],
    ]
    assert_compat_finds_the_tagging_app(platform)

    develops = {code: {"uri": uris[code], "role": "develops"} for code in uris}
    own = {"uri": uris["UC-1010"], "role": "assesses"}
    assert sorted(tagging["platform_tags"], key=lambda tag: tag["uri"]) == [develops["UC-1010"], develops["UC-1027"]]
    # The block's own tag comes first and keeps its role; a platform tag of the same competence adds nothing.
    assert tagging["with_platform_tags"] == [own, develops["UC-1027"]]
    assert tagging["module_evidence_tags"] == [own, develops["UC-1027"]]
    # A checkpoint (no children) also takes the tags Studio put on its unit.
    assert tagging["checkpoint_evidence_tags"] == [develops["UC-1027"]], unit
    # …and they are what the evidence the checkpoint records names.
    recorded = platform["completion"]["both_complete"]
    assert recorded["evidence_problem"] is None
    assert recorded["evidence_competences"] == [uris["UC-1027"]]


def test_tags_of_other_taxonomies_are_ignored(platform):
    tagging, uris = platform["tagging"], platform["uris"]
    # The other taxonomy's tag is there, and its external id is a code of the repertory: only its taxonomy differs.
    for object_id in (tagging["module"], tagging["unit"]):
        assert [OTHER_TAXONOMY, "UC-1001"] in [row[:2] for row in tagging["platform_object_tags"][object_id]]
    assert_compat_finds_the_tagging_app(platform)
    assert [OTHER_TAXONOMY, "UC-1001"] in tagging["compat_object_tags"][tagging["module"]]

    assert uris["UC-1001"] not in {tag["uri"] for tag in tagging["platform_tags"]}
    assert len(tagging["platform_tags"]) == 2
    for found in ("with_platform_tags", "module_evidence_tags", "checkpoint_evidence_tags"):
        assert uris["UC-1001"] not in {tag["uri"] for tag in tagging[found]}, found
    assert uris["UC-1001"] not in (platform["completion"]["both_complete"]["evidence_competences"] or [])


def test_the_checkpoint_counts_blocks_the_platform_completion_service_reports_complete(platform):
    completion = platform["completion"]
    assert completion["service"] == "completion.services.CompletionService"
    assert completion["tracking_enabled"] and completion["rows"] == 2

    one = completion["one_of_two_complete"]
    assert list(one["completions"].values()) == [1.0, 0.5]
    assert one["evaluation"] == {
        "required": 2,
        "done": 1,
        "score": None,
        "min_score": None,
        "complete": False,
        "passed": None,
        "met": False,
    }
    assert one["evidence_id"] is None and one["published"] == []  # nothing recorded or published yet

    both = completion["both_complete"]
    assert list(both["completions"].values()) == [1.0, 1.0]
    assert both["evaluation"] == {
        "required": 2,
        "done": 2,
        "score": None,
        "min_score": None,
        "complete": True,
        "passed": None,
        "met": True,
    }
    assert both["published"] == [["grade", {"value": 1.0, "max_value": 1.0}], ["completion", {"completion": 1.0}]]

    # The service answers for UsageKeys (what scope_ids.usage_id is in the LMS), not for their strings…
    assert not completion["usage_id_strings"]["accepted"], completion["usage_id_strings"]
    # …and it has no get_scores: in Open edX the rule gets completion only from it, never a native block's score.
    assert completion["has_get_scores"] is False
