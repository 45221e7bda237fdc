"""The tagging picker's search: codes and words, accents and case ignored, Italian and English, ranked."""

from __future__ import annotations

import pytest
from django.utils import translation

from repertory import api
from repertory.data import Format
from tests.repertory.conftest import FIXTURES


def codes(query: str, **options) -> list[str]:
    return [match.ref.code for match in api.search_competences(query, **options).results]


def test_exact_code_comes_first_then_codes_that_start_with_it(demo):
    results = api.search_competences("UC-1001", limit=5).results
    assert results[0].ref.code == "UC-1001" and results[0].match == "code"
    assert all(match.ref.code.startswith("UC-1001-") and match.match == "code_prefix" for match in results[1:])


def test_code_search_ignores_case_and_punctuation(demo):
    assert codes("uc1001")[0] == "UC-1001"
    assert codes("uc 1001")[0] == "UC-1001"


def test_a_code_prefix_finds_every_unit_it_starts(demo):
    results = api.search_competences("UC-100", kinds=["competence_unit"], limit=50)
    assert results.total == 9 and {m.ref.code for m in results.results} == {f"UC-100{n}" for n in range(1, 10)}


def test_words_are_found_whatever_their_accents_and_capitals(demo):
    assert codes("attivita") == codes("ATTIVITÀ") == codes("Attività")
    assert len(codes("attivita")) > 3


def test_word_prefixes_match_and_every_query_word_must_match(demo):
    everything = set(codes("prog", limit=200))
    both = set(codes("prog infanzia", limit=200))
    assert both and both < everything
    assert "UC-1017" in both  # Progettazione di interventi educativi per la prima infanzia


def test_english_labels_are_searched_too(demo):
    assert "UC-1017" in codes("design early childhood", limit=50)


def test_whole_word_matches_rank_before_prefix_matches(db, tmp_path):
    path = tmp_path / "rank.csv"
    path.write_text(
        "framework,code,kind,parent_code,label_it,version\n"
        "R,R,framework,,Ranking,1\n"
        "R,A,competence_unit,,Cura dei curatori,\n"
        "R,B,competence_unit,,Cura della persona,\n"
        "R,C,competence_unit,,Curare le relazioni,\n",
        encoding="utf-8",
    )
    api.import_framework(path, source_format=Format.RRFP_CSV)
    assert codes("cura")[:2] == ["A", "B"] and codes("cura")[2] == "C"


def test_stop_words_in_a_query_do_not_hide_results(demo):
    assert codes("progettazione di interventi") == codes("progettazione interventi")


def test_results_are_paginated_with_a_total(demo):
    first = api.search_competences("a", limit=5)
    second = api.search_competences("a", limit=5, offset=5)
    assert first.total == second.total > 10
    assert not {m.ref.uri for m in first.results} & {m.ref.uri for m in second.results}
    assert len(first.results) == len(second.results) == 5


def test_search_can_be_limited_to_a_framework_and_to_kinds(demo, esco):
    assert all(m.ref.framework == "ESCO" for m in api.search_competences("lavor", framework="ESCO").results)
    kinds = {m.ref.kind for m in api.search_competences("gestione", kinds=["knowledge"], limit=50).results}
    assert kinds == {"knowledge"}


def test_esco_alternative_labels_are_searchable(esco):
    assert "60c78287-22eb-4103-9c8c-28deaa460da0" in codes("equipe")


def test_labels_come_back_in_the_active_language(demo):
    with translation.override("en"):
        assert api.search_competences("UC-1017").results[0].ref.label.startswith("Design")
    with translation.override("it"):
        assert api.search_competences("UC-1017").results[0].ref.label.startswith("Progettazione")


def test_a_query_of_only_punctuation_finds_nothing_and_fails_nothing(demo):
    assert api.search_competences("!!! ???").total == 0


def test_searching_an_unknown_framework_is_an_error(demo):
    with pytest.raises(api.FrameworkNotFound):
        api.search_competences("x", framework="NOPE")


def test_case_and_moodle_frameworks_are_searchable_after_import(db):
    api.import_framework(FIXTURES / "case-small.json", source_format=Format.CASE_JSON)
    api.import_framework(FIXTURES / "moodle-small.csv", source_format=Format.MOODLE_CSV)
    assert codes("prenotazioni") == ["TUR-REC-UC1", "TUR-REC-UC1-C1"]
    assert codes("spid") == ["CD-2.1.a"]


def test_a_word_that_is_also_a_code_is_found_as_both(db, tmp_path):
    path = tmp_path / "same.csv"
    path.write_text(
        "framework,code,kind,parent_code,label_it,version\nS,S,framework,,Prova,1\n"
        "S,OSS,figure,,Operatore OSS,\nS,B,figure,,Coordinatore degli OSS,\n",
        encoding="utf-8",
    )
    api.import_framework(path, source_format=Format.RRFP_CSV)
    results = api.search_competences("oss").results
    assert [(m.ref.code, m.match) for m in results] == [("OSS", "code"), ("B", "words")]
    assert [m.ref.code for m in api.search_competences("operatore oss").results] == ["OSS"]
