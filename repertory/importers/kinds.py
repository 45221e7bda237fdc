"""Reading a node's kind from the words other formats use for it (CASE CFItemType, Moodle taxonomy)."""

from __future__ import annotations

from repertory import text
from repertory.data import Kind

_SYNONYMS = {
    Kind.SECTOR: ("sector", "settore", "domain", "area"),
    Kind.FIGURE: ("figure", "professional figure", "figura", "figura professionale", "profile", "profilo"),
    Kind.ACTIVITY_AREA: ("activity area", "area di attivita", "ada"),
    Kind.COMPETENCE_UNIT: ("competence unit", "unita di competenza", "uc"),
    Kind.SKILL: ("skill", "capacita", "abilita", "skill/competence", "skill competence"),
    Kind.KNOWLEDGE: ("knowledge", "conoscenza", "concept"),
    Kind.OCCUPATION: ("occupation", "occupazione", "professione"),
    Kind.COMPETENCY: ("competency", "competence", "competenza"),
}
_BY_WORDS = {" ".join(text.words(word)): kind for kind, words in _SYNONYMS.items() for word in words}


def kind_from_label(label: str, default: str = Kind.COMPETENCY) -> str:
    """Kind for a type label such as "Competence Unit", "Unità di competenza" or "skill"; else `default`."""
    return _BY_WORDS.get(" ".join(text.words(label or "")), default)
