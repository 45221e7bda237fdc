"""Tosca's XBlock runtime keeps every field in its scope: what a designer sets is shared, what a learner does is
theirs alone, preferences follow the learner across blocks of one type, and user info across every block."""

from __future__ import annotations

import pytest
from xblock.core import XBlock
from xblock.fields import Scope, ScopeIds, String

from tests.xblocks.conftest import DEMO_KEY, usage
from xblocks.runtime import api
from xblocks.runtime.models import FieldValue


@XBlock.wants("settings")
class ScopesBlock(XBlock):
    """A block of another package with a field in each scope a learner's work can touch."""

    shared = String(default="", scope=Scope.settings)
    answer = String(default="", scope=Scope.user_state)
    speed = String(default="1x", scope=Scope.preferences)
    nickname = String(default="", scope=Scope.user_info)


def scopes_block(user, name: str):
    runtime = api.runtime_for(DEMO_KEY, user)
    usage_id = usage("scopes_demo", name)
    return runtime.construct_xblock_from_class(ScopesBlock, ScopeIds(user.pk, "scopes_demo", usage_id, usage_id))


@pytest.fixture
def two_learners(demo_course, django_user_model):
    return (
        django_user_model.objects.create_user("anna", "anna@example.org", "pw"),
        django_user_model.objects.create_user("bruno", "bruno@example.org", "pw"),
    )


@XBlock.register_temp_plugin(ScopesBlock, "scopes_demo")
def test_each_scope_is_kept_for_whom_it_belongs_to(two_learners):
    anna, bruno = two_learners
    first = scopes_block(anna, "one")
    first.shared, first.answer, first.speed, first.nickname = "for everyone", "anna's answer", "2x", "Anna"
    first.save()

    other_block = scopes_block(anna, "two")
    bruno_sees = scopes_block(bruno, "one")

    assert (other_block.shared, other_block.answer) == ("", "")  # settings and state belong to block "one"
    assert (other_block.speed, other_block.nickname) == ("2x", "Anna")  # a preference, and who anna is
    assert (bruno_sees.shared, bruno_sees.answer, bruno_sees.speed, bruno_sees.nickname) == (
        "for everyone",
        "",
        "1x",
        "",
    )
    assert FieldValue.objects.filter(user_id=anna.pk).count() == 3
    assert FieldValue.objects.filter(user_id=bruno.pk).count() == 0


@XBlock.register_temp_plugin(ScopesBlock, "scopes_demo")
def test_nobody_signed_in_cannot_save_a_learners_field(demo_course):
    from django.contrib.auth.models import AnonymousUser

    block = scopes_block(AnonymousUser(), "one")
    block.answer = "who?"

    with pytest.raises(PermissionError):
        block.save()
    assert not FieldValue.objects.exclude(user_id=0).exists()


@XBlock.register_temp_plugin(ScopesBlock, "scopes_demo")
def test_a_block_gets_its_own_bucket_of_the_sites_xblock_settings(demo_course, learner, settings):
    settings.XBLOCK_SETTINGS = {"ScopesBlock": {"hint": "dal progetto"}, "Other": {"secret": "no"}}
    block = scopes_block(learner, "one")

    assert block.runtime.service(block, "settings").get_settings_bucket(block) == {"hint": "dal progetto"}
