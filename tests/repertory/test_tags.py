"""Content tags: which competences a module or course develops or assesses."""

from __future__ import annotations

import pytest

from repertory import api

COURSE = "course-v1:RegioneToscana+PROG01+2026"


def test_content_is_tagged_once_per_competence_and_role(demo):
    unit = api.search_competences("UC-1017").results[0].ref
    api.tag_content(COURSE, unit.uri)
    api.tag_content(COURSE, unit.uri)
    api.tag_content(COURSE, unit.uri, role="assesses")
    tags = api.tags_for(COURSE)
    assert [(tag.role, tag.competence.code) for tag in tags] == [("develops", "UC-1017"), ("assesses", "UC-1017")]
    assert [tag.competence.code for tag in api.tags_for(COURSE, role="assesses")] == ["UC-1017"]
    assert api.untag_content(COURSE, unit.uri) and not api.untag_content(COURSE, unit.uri)
    assert [tag.role for tag in api.tags_for(COURSE)] == ["assesses"]


def test_only_live_competences_can_be_tagged_and_roles_are_checked(rrfp_v1, fixtures_dir):
    retired = api.get_competence(framework="RRFP-TEST", code="UC-3").ref.uri
    api.import_framework(fixtures_dir / "rrfp-v2.csv", source_format="rrfp-csv")
    with pytest.raises(api.CompetenceNotFound):
        api.tag_content(COURSE, retired)
    with pytest.raises(ValueError):
        api.tag_content(COURSE, api.get_competence(framework="RRFP-TEST", code="UC-1").ref.uri, role="teaches")
    assert api.tags_for("\x00") == []


def test_ancestors_come_root_first_for_many_competences_at_once(demo, django_assert_max_num_queries):
    uris = [match.ref.uri for match in api.search_competences("progettazione", kinds=["competence_unit"]).results]
    with django_assert_max_num_queries(6):
        ancestors = api.ancestors_of(uris)
    assert set(ancestors) == set(uris)
    assert all([ref.kind for ref in chain] == ["sector", "figure"] for chain in ancestors.values())
