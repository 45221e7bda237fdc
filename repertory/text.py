"""Text normalisation shared by the search index and the search queries: accents and case ignored."""

from __future__ import annotations

import re
import unicodedata

from django.utils.translation import get_language

TERM_MAX_LENGTH = 64

# Words too common to help a search; they are not indexed, and a query ignores them unless it has nothing else.
STOP_WORDS = frozenset(
    [
        "a",
        "ad",
        "agli",
        "ai",
        "al",
        "alla",
        "alle",
        "allo",
        "con",
        "da",
        "dai",
        "dal",
        "dalla",
        "dalle",
        "dei",
        "del",
        "della",
        "delle",
        "dello",
        "degli",
        "di",
        "e",
        "ed",
        "gli",
        "i",
        "il",
        "in",
        "l",
        "la",
        "le",
        "lo",
        "nei",
        "nel",
        "nella",
        "nelle",
        "negli",
        "o",
        "per",
        "su",
        "sui",
        "sul",
        "sulla",
        "sulle",
        "tra",
        "fra",
        "un",
        "una",
        "uno",
        "an",
        "and",
        "as",
        "at",
        "by",
        "for",
        "from",
        "into",
        "of",
        "on",
        "or",
        "the",
        "to",
        "with",
    ]
)

_WORD = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """Lower case without accents: "Attività" -> "attivita", "STRAßE" -> "strasse"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def words(text: str) -> list[str]:
    """The folded words of `text`, in order, stop words included."""
    return [word[:TERM_MAX_LENGTH] for word in _WORD.findall(fold(text))]


def index_words(text: str) -> set[str]:
    return {word for word in words(text) if word not in STOP_WORDS}


def code_key(code: str) -> str:
    """A code as searched: folded, letters and digits only ("UC 1573", "uc-1573" -> "uc1573")."""
    return "".join(words(code))[:TERM_MAX_LENGTH]


def in_active_language(italian: str, english: str) -> str:
    """The text in the active language, falling back to the other one."""
    if (get_language() or "it").startswith("en"):
        return english or italian
    return italian or english


def prefix_upper_bound(prefix: str) -> str:
    """The smallest string greater than every string that starts with `prefix`, for an index range scan."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)
