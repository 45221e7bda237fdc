"""The search index and the picker's search: by code prefix or by words, accents and case ignored.

Ranking: exact code, then code prefix, then nodes whose labels contain every query word (as a word prefix),
those matching more whole words first. Each query word is one range scan of the index on `SearchTerm.term`;
the intersection and the ranking are done here, on ids.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from repertory import bulk, text
from repertory.models import Competence, SearchTerm

MAX_QUERY_WORDS = 8
MATCH_CODE = "code"
MATCH_CODE_PREFIX = "code_prefix"
MATCH_WORDS = "words"
TERM_FIELDS = ["competence", "framework", "kind", "term", "source"]


def term_rows(
    competence_id: int, framework_id: int, kind: str, code: str, labels: Iterable[str], alt_labels: Iterable[str]
) -> list[tuple]:
    """The index rows of one live node, as tuples in the order of TERM_FIELDS."""
    words = dict.fromkeys(text.index_words(" ".join(labels)), SearchTerm.LABEL)
    for word in text.index_words(" ".join(alt_labels)):
        words.setdefault(word, SearchTerm.ALT_LABEL)
    key = text.code_key(code)
    rows = [(competence_id, framework_id, kind, key, SearchTerm.CODE)] if key else []
    return rows + [(competence_id, framework_id, kind, word, source) for word, source in words.items()]


def index_rows(rows: Iterable[tuple]) -> int:
    """Write index rows made by `term_rows`; how many were written."""
    return bulk.insert_rows(SearchTerm, TERM_FIELDS, rows)


def index(competences: Iterable[Competence]) -> int:
    """Index saved nodes that have no index rows yet (retired ones are skipped)."""
    return index_rows(
        row
        for competence in competences
        if not competence.retired
        for row in term_rows(
            competence.pk,
            competence.framework_id,
            competence.kind,
            competence.code,
            (competence.label_it, competence.label_en),
            (competence.alt_labels_it, competence.alt_labels_en),
        )
    )


def unindex(competence_ids: list[int], *, chunk: int = 900) -> None:
    for start in range(0, len(competence_ids), chunk):
        SearchTerm.objects.filter(competence_id__in=competence_ids[start : start + chunk]).delete()


def search(
    query: str,
    *,
    framework_id: int | None = None,
    kinds: tuple[str, ...] = (),
    offset: int = 0,
    limit: int = 20,
) -> tuple[int, list[tuple[int, str]]]:
    """(total matches, [(competence id, match kind)] for the requested page)."""
    words = _query_words(query)
    key = text.code_key(query)
    code_rank: dict[int, int] = {}
    if key:
        for competence_id, term in _prefix_rows(key, codes=True, framework_id=framework_id, kinds=kinds):
            code_rank[competence_id] = max(code_rank.get(competence_id, 0), 2 if term == key else 1)
    matched: set[int] | None = None
    whole_words: dict[int, int] = defaultdict(int)
    for word in words:
        found: set[int] = set()
        exact: set[int] = set()
        for competence_id, term in _prefix_rows(word, codes=False, framework_id=framework_id, kinds=kinds):
            found.add(competence_id)
            if term == word:
                exact.add(competence_id)
        matched = found if matched is None else matched & found
        for competence_id in exact:
            whole_words[competence_id] += 1
        if not matched and not code_rank:
            return 0, []
    candidates = set(code_rank) | (matched or set())
    ranked = sorted(candidates, key=lambda c: (-code_rank.get(c, 0), -whole_words.get(c, 0), c))
    names = {2: MATCH_CODE, 1: MATCH_CODE_PREFIX, 0: MATCH_WORDS}
    return len(ranked), [(c, names[code_rank.get(c, 0)]) for c in ranked[offset : offset + limit]]


def _prefix_rows(prefix: str, *, codes: bool, framework_id: int | None, kinds: tuple[str, ...]):
    """(competence id, term) of the index rows whose term starts with `prefix`: one index range scan."""
    rows = SearchTerm.objects.filter(term__gte=prefix, term__lt=text.prefix_upper_bound(prefix))
    rows = rows.filter(source=SearchTerm.CODE) if codes else rows.filter(source__gt=SearchTerm.CODE)
    if framework_id is not None:
        rows = rows.filter(framework_id=framework_id)
    if kinds:
        rows = rows.filter(kind__in=kinds)
    return rows.values_list("competence_id", "term")


def _query_words(query: str) -> list[str]:
    words = list(dict.fromkeys(text.words(query)))
    meaningful = [word for word in words if word not in text.STOP_WORDS]
    return (meaningful or words)[:MAX_QUERY_WORDS]
