"""A checkpoint in an Open edX unit weighs the unit's native problems with the scores the platform keeps: its
completion service reports completion only, so the scores come through xblocks.compat (simulated here; the real
completion service is exercised in tests/openedx/test_platform_apps.py)."""

from __future__ import annotations

from types import SimpleNamespace

from xblocks import compat
from xblocks.blocks import rule


class CompletionOnly:
    """The shape of edx-completion's CompletionService: completions, and no get_scores."""

    def __init__(self, completions: dict):
        self.completions = completions

    def get_completions(self, keys):
        return {key: self.completions.get(key, 0.0) for key in keys}


def checkpoint(completions: dict, user_id=7):
    user = SimpleNamespace(opt_attrs={"edx-platform.user_id": user_id})
    services = {"completion": CompletionOnly(completions), "user": SimpleNamespace(get_current_user=lambda: user)}
    return SimpleNamespace(runtime=SimpleNamespace(service=lambda _block, name: services[name]))


def native(key: str, *, scored: bool):
    return SimpleNamespace(scope_ids=SimpleNamespace(usage_id=key), has_score=scored, weight=1)


def test_native_problems_count_with_the_platforms_scores_against_the_minimum(monkeypatch):
    asked = []

    def scores(user_id, keys):
        asked.append((user_id, list(keys)))
        return {"problem-1": (2.0, 2.0), "problem-2": (1.0, 2.0)}

    monkeypatch.setattr(compat, "platform_scores", scores)
    blocks = [native("text", scored=False), native("problem-1", scored=True), native("problem-2", scored=True)]

    result = rule.evaluate(checkpoint({"text": 1.0}), blocks, optional=set(), min_score=0.7)

    assert asked == [(7, ["text", "problem-1", "problem-2"])]
    assert (result.done, result.required, result.score) == (3, 3, 0.75)
    assert result.met


def test_without_platform_scores_a_scored_native_problem_counts_zero_and_the_minimum_is_not_met(monkeypatch):
    monkeypatch.setattr(compat, "platform_scores", lambda user_id, keys: {})

    result = rule.evaluate(
        checkpoint({"problem-1": 1.0}), [native("problem-1", scored=True)], optional=set(), min_score=0.5
    )

    assert result.complete and result.score == 0.0 and not result.met


def test_outside_open_edx_the_platform_has_no_scores():
    assert compat.platform_scores(7, ["problem-1"]) == {}
