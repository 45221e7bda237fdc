"""Inside Open edX designers may tag a module with Studio's own "Manage tags", from a taxonomy that
`tosca openedx push-taxonomy` made of the repertory: those tags count as the module's competences too. Here the
platform's tagging is simulated at xblocks.compat (its one doorway); tests/openedx/test_platform_apps.py reads
real object tags through it."""

from __future__ import annotations

import pytest

from libretto import api as libretto
from tests.xblocks.test_module_to_libretto import M1, complete_m1
from xblocks import compat, competences

pytestmark = pytest.mark.usefixtures("english_pages")
UC = "urn:tosca:repertory:RRFP-TOSCANA-DEMO:"


@pytest.fixture
def studio_tags(monkeypatch):
    """Object tags as the platform would answer them: {object id: [(taxonomy export_id, tag external id)]}."""
    tagged: dict[str, list[tuple[str, str]]] = {}
    monkeypatch.setattr(compat, "object_tags", lambda object_id: tagged.get(object_id, []))
    return tagged


def test_studio_tags_from_the_pushed_taxonomy_are_the_repertorys_competences(demo, studio_tags):
    studio_tags[M1] = [("RRFP-TOSCANA-DEMO", "UC-1027"), ("another-taxonomy", "UC-1028"), ("RRFP-TOSCANA-DEMO", "X")]

    assert competences.platform_tags([M1]) == [{"uri": UC + "UC-1027", "role": "develops"}]


def test_a_module_s_own_tag_comes_first_and_is_not_repeated(demo, studio_tags):
    studio_tags[M1] = [("RRFP-TOSCANA-DEMO", "UC-1010"), ("RRFP-TOSCANA-DEMO", "UC-1027")]

    tags = competences.with_platform_tags([{"uri": UC + "UC-1010", "role": "assesses"}], [M1])

    assert tags == [{"uri": UC + "UC-1010", "role": "assesses"}, {"uri": UC + "UC-1027", "role": "develops"}]


def test_completing_a_module_tagged_in_studio_puts_those_competences_in_the_libretto_too(
    demo_course, as_learner, studio_tags
):
    studio_tags[M1] = [("RRFP-TOSCANA-DEMO", "UC-1027")]

    complete_m1(as_learner)

    codes = {entry.competence.code for entry in libretto.libretto_for(as_learner.user).entries}
    assert {"UC-1010", "UC-1033", "UC-1027"} <= codes


def test_outside_open_edx_there_are_no_platform_tags(demo):
    assert compat.object_tags(M1) == []
    assert competences.platform_tags([M1]) == []
