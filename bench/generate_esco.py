"""Generate a deterministic, ESCO-scale synthetic dataset in the ESCO CSV download format.

The benchmark needs a repertory as large as ESCO (about 15,000 skills, 3,000 occupations and 130,000
occupation-skill relations) to measure imports into SQLite/PostgreSQL and the competence picker's search.
The real ESCO download cannot be shipped with the repository, so this module writes look-alike files:

- ``skills_it.csv``: one row per skill or knowledge concept;
- ``occupations_it.csv``: one row per occupation, with its ISCO group and ESCO-style code;
- ``occupationSkillRelations_it.csv``: essential/optional links between occupations and skills.

Labels are Italian-looking phrases composed from word lists with correct articles and agreement ("gestire la
documentazione dei servizi educativi", "normativa sulla sicurezza alimentare"). Words are drawn with Zipf-like
weights so that word and prefix searches behave as on real data: a few words are common, most are rare, and accented
words ("qualità", "disabilità") exercise accent-insensitive search. The same seed always yields
byte-identical files, and :func:`generate` also returns 200 realistic picker queries derived from the data.

Standard library only. Usage::

    python bench/generate_esco.py TARGET_DIR [--skills N] [--occupations N] [--relations N] [--seed N]
"""

import argparse
import bisect
import contextlib
import csv
import datetime
import itertools
import pathlib
import random
import re
import sys
import time
import unicodedata
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol

SKILLS_FILE = "skills_it.csv"
OCCUPATIONS_FILE = "occupations_it.csv"
RELATIONS_FILE = "occupationSkillRelations_it.csv"

SKILL_HEADER = (
    "conceptType", "conceptUri", "skillType", "reuseLevel", "preferredLabel", "altLabels", "hiddenLabels", "status",
    "modifiedDate", "scopeNote", "definition", "inScheme", "description",
)  # fmt: skip
OCCUPATION_HEADER = (
    "conceptType", "conceptUri", "iscoGroup", "preferredLabel", "altLabels", "hiddenLabels", "status", "modifiedDate",
    "regulatedProfessionNote", "scopeNote", "definition", "inScheme", "description", "code",
)  # fmt: skip
RELATION_HEADER = ("occupationUri", "occupationLabel", "relationType", "skillType", "skillUri", "skillLabel")

SKILL_URI_PREFIX = "http://data.europa.eu/esco/skill/"
OCCUPATION_URI_PREFIX = "http://data.europa.eu/esco/occupation/"
SKILL_SCHEMES = (
    "http://data.europa.eu/esco/concept-scheme/skills, http://data.europa.eu/esco/concept-scheme/member-skills"
)
OCCUPATION_SCHEMES = (
    "http://data.europa.eu/esco/concept-scheme/occupations, "
    "http://data.europa.eu/esco/concept-scheme/member-occupations"
)
UNREGULATED_NOTE = "http://data.europa.eu/esco/regulated-professions/unregulated"

QUERY_COUNT = 200

# Reuse levels with the share of skills at each level and how much more often a skill at that level is linked to
# occupations: transversal skills ("lavorare in gruppo") are what many occupations share in real ESCO.
REUSE_LEVELS = (
    ("transversal", 0.05, 8.0),
    ("cross-sector", 0.15, 3.0),
    ("sector-specific", 0.45, 1.0),
    ("occupation-specific", 0.35, 0.5),
)

# modifiedDate spreads over two years, like the release history of an ESCO version.
_MODIFIED_FROM = int(datetime.datetime(2023, 1, 1, tzinfo=datetime.UTC).timestamp())
_MODIFIED_SPAN_SECONDS = 2 * 365 * 24 * 3600


# --------------------------------------------------------------------------------------------------------------------
# Italian vocabulary and grammar
# --------------------------------------------------------------------------------------------------------------------


class Noun(NamedTuple):
    """A noun as it appears in a label: its written form, gender (``m``/``f``) and whether it is plural."""

    text: str
    gender: str
    plural: bool


def split_words(spec: str) -> tuple[str, ...]:
    """Split a whitespace-separated word list (long lists read better as text than as quoted literals)."""
    return tuple(spec.split())


def parse_nouns(spec: str) -> tuple[Noun, ...]:
    """Parse ``word:g`` tokens where g is m, f, mp or fp (masculine/feminine, singular/plural)."""
    nouns = []
    for token in split_words(spec):
        text, _, kind = token.partition(":")
        nouns.append(Noun(text, kind[0], kind.endswith("p")))
    return tuple(nouns)


# Verbs of skill labels, each with its nominalization and that noun's gender ("gestire" -> "la gestione"): the noun
# gives alternative labels and knowledge topics.
VERBS: tuple[tuple[str, Noun], ...] = tuple(
    (verb, Noun(noun, gender, False))
    for verb, noun, gender in (
        token.split(":")
        for token in split_words("""
        gestire:gestione:f organizzare:organizzazione:f coordinare:coordinamento:m monitorare:monitoraggio:m
        verificare:verifica:f controllare:controllo:m pianificare:pianificazione:f progettare:progettazione:f
        valutare:valutazione:f analizzare:analisi:f preparare:preparazione:f predisporre:predisposizione:f
        redigere:redazione:f aggiornare:aggiornamento:m applicare:applicazione:f utilizzare:utilizzo:m
        installare:installazione:f manutenere:manutenzione:f riparare:riparazione:f configurare:configurazione:f
        documentare:documentazione:f archiviare:archiviazione:f comunicare:comunicazione:f promuovere:promozione:f
        supervisionare:supervisione:f formare:formazione:f assistere:assistenza:f accogliere:accoglienza:f
        elaborare:elaborazione:f registrare:registrazione:f misurare:misurazione:f ispezionare:ispezione:f
        collaudare:collaudo:m calibrare:calibrazione:f montare:montaggio:m assemblare:assemblaggio:m
        smaltire:smaltimento:m conservare:conservazione:f catalogare:catalogazione:f negoziare:negoziazione:f
        stimare:stima:f rendicontare:rendicontazione:f garantire:garanzia:f tutelare:tutela:f
        prevenire:prevenzione:f sviluppare:sviluppo:m implementare:implementazione:f integrare:integrazione:f
        ottimizzare:ottimizzazione:f programmare:programmazione:f somministrare:somministrazione:f
        interpretare:interpretazione:f classificare:classificazione:f selezionare:selezione:f
        reclutare:reclutamento:m vendere:vendita:f acquistare:acquisto:m trasportare:trasporto:m
        distribuire:distribuzione:f pulire:pulizia:f sanificare:sanificazione:f certificare:certificazione:f
        tracciare:tracciabilità:f digitalizzare:digitalizzazione:f mediare:mediazione:f orientare:orientamento:m
        """)
    )
)

# What a skill acts on ("gestire *la documentazione*").
OBJECTS = parse_nouns("""
    documentazione:f personale:m attività:fp attività:f procedure:fp strumenti:mp impianti:mp processi:mp risorse:fp
    clienti:mp fornitori:mp dati:mp rischi:mp bilancio:m contratti:mp materiali:mp progetti:mp qualità:f
    sicurezza:f relazioni:fp piano:m programma:m inventario:m magazzino:m ordini:mp reclami:mp campioni:mp
    attrezzature:fp macchinari:mp utenti:mp pazienti:mp studenti:mp squadra:f turni:mp costi:mp prezzi:mp
    preventivi:mp fatture:fp pagamenti:mp spedizioni:fp consegne:fp archivi:mp registri:mp schede:fp
    software:m reti:fp server:mp apparecchiature:fp veicoli:mp menù:m ricette:fp prodotti:mp collezioni:fp
    opere:fp eventi:mp visite:fp itinerari:mp percorsi:mp laboratori:mp interventi:mp terapie:fp farmaci:mp
    rifiuti:mp emissioni:fp consumi:mp scadenze:fp priorità:fp criticità:fp conformità:f accessibilità:f
    budget:m cantiere:m segnaletica:f comunicazioni:fp contenuti:mp campagne:fp questionari:mp indicatori:mp
    """)

# Where or for whom a skill applies ("dei *servizi* educativi") and what occupations and knowledge are about.
DOMAINS = parse_nouns("""
    servizi:mp cantieri:mp strutture:fp imprese:fp aziende:fp scuole:fp ospedali:mp laboratori:mp ristorazione:f
    turismo:m agricoltura:f edilizia:f logistica:f sanità:f comunità:f università:f impresa:f produzione:f
    filiera:f settore:m reparto:m ufficio:m territorio:m ambiente:m energia:f mobilità:f disabilità:f
    infanzia:f anziani:mp famiglie:fp minori:mp musei:mp biblioteche:fp spettacolo:m moda:f artigianato:m
    commercio:m trasporti:mp porti:mp sicurezza:f qualità:f salute:f igiene:f arte:f cultura:f formazione:f
    assistenza:f contabilità:f finanza:f amministrazione:f comunicazione:f informatica:f telecomunicazioni:fp
    impianti:mp manifattura:f pesca:f allevamento:m viticoltura:f enogastronomia:f ospitalità:f accoglienza:f
    volontariato:m cooperazione:f sport:m benessere:m estetica:f cosmesi:f farmacia:f veterinaria:f
    nautica:f aeroporti:mp ferrovie:fp stazioni:fp città:f quartieri:mp biblioteca:f archivio:m stampa:f
    editoria:f pubblicità:f sostenibilità:f innovazione:f ricerca:f cantieristica:f meccanica:f elettronica:f
    """)

ADJECTIVES = split_words("""
    educativo sociale sanitario alimentare ambientale tecnico pubblico privato industriale commerciale amministrativo
    contabile fiscale digitale informatico elettrico meccanico idraulico edile agricolo turistico culturale artistico
    didattico clinico assistenziale logistico energetico sostenibile territoriale locale regionale europeo
    internazionale finanziario legale normativo operativo strategico produttivo chimico biologico veterinario
    forestale marittimo portuale ferroviario stradale aereo navale tessile orafo vinicolo zootecnico residenziale
    ospedaliero farmaceutico cosmetico estetico sportivo ricreativo museale bibliotecario archivistico linguistico
    interculturale multimediale audiovisivo editoriale grafico fotografico musicale teatrale scenico domiciliare
    """)

# Heads of knowledge labels ("*normativa* sulla sicurezza alimentare").
KNOWLEDGE_HEADS = parse_nouns("""
    normativa:f legislazione:f principi:mp tecniche:fp metodi:mp metodologie:fp teoria:f elementi:mp fondamenti:mp
    standard:mp sistemi:mp processi:mp strumenti:mp procedure:fp caratteristiche:fp tipologie:fp storia:f
    economia:f psicologia:f sociologia:f pedagogia:f terminologia:f modelli:mp tecnologie:fp regolamenti:mp
    requisiti:mp criteri:mp pratiche:fp disciplina:f organizzazione:f gestione:f tecnica:f
    """)


class OccupationHead(NamedTuple):
    """The first word of an occupation label, its feminine form, the preposition it takes and its ISCO majors."""

    masculine: str
    feminine: str
    preposition: str
    isco_majors: str


OCCUPATION_HEADS = tuple(
    OccupationHead(*token.split(":"))
    for token in split_words("""
    direttore:direttrice:di:1 dirigente:dirigente:di:1 responsabile:responsabile:di:12
    specialista:specialista:di:2 ingegnere:ingegnera:di:2 analista:analista:di:2 progettista:progettista:di:23
    consulente:consulente:di:2 esperto:esperta:di:23 educatore:educatrice:di:23 formatore:formatrice:di:2
    programmatore:programmatrice:di:2 sviluppatore:sviluppatrice:di:2 tecnico:tecnica:di:3
    ispettore:ispettrice:di:3 coordinatore:coordinatrice:di:13 mediatore:mediatrice:di:3 agente:agente:di:34
    istruttore:istruttrice:di:3 animatore:animatrice:di:35 assistente:assistente:di:345 impiegato:impiegata:di:4
    addetto:addetta:a:459 collaboratore:collaboratrice:di:4 operatore:operatrice:di:578
    installatore:installatrice:di:7 manutentore:manutentrice:di:7 riparatore:riparatrice:di:7
    montatore:montatrice:di:78 conduttore:conduttrice:di:8 coltivatore:coltivatrice:di:6 allevatore:allevatrice:di:6
    """)
)

# Tail clauses of descriptions; generated clauses are added to these so that descriptions reuse label vocabulary.
DESCRIPTION_CLAUSES = (
    "nel rispetto delle norme vigenti",
    "in autonomia o in gruppo",
    "utilizzando strumenti e metodi adeguati",
    "garantendo la qualità del servizio erogato",
    "in collaborazione con le altre figure professionali",
    "secondo gli standard di sicurezza",
    "valutando rischi, tempi e costi",
    "con attenzione alle esigenze degli utenti",
    "anche in situazioni impreviste",
    "documentando le attività svolte",
    "in contesti nazionali e internazionali",
    "tenendo conto delle priorità dell'organizzazione",
    "con un approccio orientato al risultato",
    "nel rispetto della privacy e della dignità delle persone",
    "adattando il linguaggio agli interlocutori",
)

# Words a query would not be made of: articles, (articulated) prepositions, conjunctions, "in materia di".
STOPWORDS = frozenset(
    split_words("""
    il lo la i gli le l un una uno di a da in su per con tra fra del dello della dei degli delle dell al allo alla ai
    agli alle all dal dallo dalla dai dagli dalle dall nel nello nella nei negli nelle nell sul sullo sulla sui sugli
    sulle sull e o ed materia
    """)
)

_VOWELS = "aeiouàèéìòùh"
# Contractions of a preposition with the definite article: "di" + "la" -> "de" + "lla" = "della".
_PREPOSITION_STEMS = {"di": "de", "a": "a", "da": "da", "in": "ne", "su": "su"}
_ARTICLE_TAILS = {"il": "l", "lo": "llo", "l'": "ll'", "la": "lla", "i": "i", "gli": "gli", "le": "lle"}


def definite_article(noun: Noun) -> str:
    """Return the Italian definite article for a noun ("il", "lo", "l'", "la", "i", "gli", "le")."""
    text = noun.text
    starts_with_vowel = text[0] in _VOWELS
    # "lo"/"gli" go before s + consonant, z, gn, ps, pn, x, y: "lo sviluppo", "gli strumenti".
    impure = text[0] in "zxy" or text[:2] in ("gn", "ps", "pn") or (text[0] == "s" and text[1:2] not in _VOWELS)
    if noun.gender == "f":
        if noun.plural:
            return "le"
        return "l'" if starts_with_vowel else "la"
    if noun.plural:
        return "gli" if impure or starts_with_vowel else "i"
    if starts_with_vowel:
        return "l'"
    return "lo" if impure else "il"


def join_article(article: str, words: str) -> str:
    """Join an article (possibly elided, "l'") to the words it introduces."""
    return f"{article}{words}" if article.endswith("'") else f"{article} {words}"


def inflect_adjective(adjective: str, noun: Noun) -> str:
    """Agree an adjective given in masculine singular with a noun's gender and number."""
    if adjective.endswith("io"):  # sanitario -> sanitaria, sanitari, sanitarie
        stem, forms = adjective[:-2], ("io", "ia", "i", "ie")
    elif adjective.endswith("co"):  # tecnico -> tecnica, tecnici, tecniche (the list only has -ci plurals)
        stem, forms = adjective[:-2], ("co", "ca", "ci", "che")
    elif adjective.endswith("o"):
        stem, forms = adjective[:-1], ("o", "a", "i", "e")
    elif adjective.endswith("e"):
        stem, forms = adjective[:-1], ("e", "e", "i", "i")
    else:
        return adjective
    return stem + forms[(2 if noun.plural else 0) + (1 if noun.gender == "f" else 0)]


def noun_phrase(noun: Noun, adjective: str | None = None) -> str:
    """Return the noun followed by its agreeing adjective, if any."""
    return f"{noun.text} {inflect_adjective(adjective, noun)}" if adjective else noun.text


def with_article(noun: Noun, adjective: str | None = None, preposition: str | None = None) -> str:
    """Render "[preposition] article noun [adjective]", contracting the preposition ("di la" -> "della")."""
    article = definite_article(noun)
    phrase = noun_phrase(noun, adjective)
    if preposition is None:
        return join_article(article, phrase)
    if preposition in _PREPOSITION_STEMS:
        return join_article(_PREPOSITION_STEMS[preposition] + _ARTICLE_TAILS[article], phrase)
    return f"{preposition} {join_article(article, phrase)}"


def strip_accents(text: str) -> str:
    """Remove diacritics, as a user typing on a keyboard without accents would ("qualità" -> "qualita")."""
    # Called for most labels: skip the Unicode decomposition when there is nothing to strip.
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def label_words(label: str) -> list[str]:
    """Split a label into its words, dropping articles and prepositions ("dell'attività" -> ["attività"])."""
    return [word for word in re.findall(r"[^\W\d_]+", label.lower()) if word not in STOPWORDS]


# --------------------------------------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Skill:
    """One generated skill or knowledge concept (what the relations file needs to refer to it)."""

    uri: str
    skill_type: str
    reuse_level: str
    label: str


@dataclass(frozen=True, slots=True)
class Occupation:
    """One generated occupation."""

    uri: str
    isco_group: str
    code: str
    label: str


@dataclass(frozen=True)
class GeneratedDataset:
    """What :func:`generate` wrote, and the search queries to run against it."""

    target_dir: pathlib.Path
    skills_path: pathlib.Path
    occupations_path: pathlib.Path
    relations_path: pathlib.Path
    skill_count: int
    knowledge_count: int
    occupation_count: int
    relation_count: int
    essential_relation_count: int
    seed: int
    queries: tuple[str, ...]


class ZipfPicker[T]:
    """Pick items with Zipf-like weights, so that a few items are common and most are rare.

    The items are shuffled first so that which item is common depends on the seed, not on list order.
    """

    def __init__(self, rng: random.Random, items: Sequence[T], exponent: float = 1.0) -> None:
        self._items = list(items)
        rng.shuffle(self._items)
        self._cum_weights = list(itertools.accumulate(1.0 / (rank + 1) ** exponent for rank in range(len(items))))
        self._total = self._cum_weights[-1]
        self._random = rng.random

    def pick(self) -> T:
        # What random.choices does for k=1, without its per-call overhead (it is called ~200,000 times).
        return self._items[bisect.bisect(self._cum_weights, self._random() * self._total)]


class Vocabulary:
    """Seeded, skewed pickers over the word lists, shared by label and description builders."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.verbs = ZipfPicker(rng, [verb for verb, _ in VERBS], exponent=0.9)
        self.nominalization = dict(VERBS)
        self.objects = ZipfPicker(rng, OBJECTS, exponent=0.8)
        self.domains = ZipfPicker(rng, DOMAINS, exponent=0.8)
        # Topics of knowledge and occupations: "tecniche di *manutenzione*", "tecnico della *qualità*".
        self.topics = ZipfPicker(rng, [noun for _, noun in VERBS] + [n for n in DOMAINS if not n.plural], 0.8)
        self.adjectives = ZipfPicker(rng, ADJECTIVES, exponent=0.8)
        self.knowledge_heads = ZipfPicker(rng, KNOWLEDGE_HEADS, exponent=0.9)
        self.occupation_heads = ZipfPicker(rng, OCCUPATION_HEADS, exponent=0.7)

    def maybe_adjective(self, probability: float) -> str | None:
        return self.adjectives.pick() if self.rng.random() < probability else None

    def domain_phrase(self, preposition: str | None, adjective_probability: float = 0.6) -> str:
        return with_article(self.domains.pick(), self.maybe_adjective(adjective_probability), preposition)


def make_unique(label: str, seen: dict[str, None], extend: Iterator[str]) -> str:
    """Return label, or label extended with complements from ``extend`` until it is not in ``seen``; record it.

    ``seen`` is a dict rather than a set so that nothing ever depends on string hash order (PYTHONHASHSEED).
    """
    candidate = label
    for attempt in itertools.count(1):
        if candidate not in seen:
            break
        # Complements are drawn from a vocabulary large enough that this almost never loops; the numbered
        # suffix only guarantees termination for tiny vocabularies or absurd sizes.
        candidate = f"{label} {next(extend)}" if attempt < 50 else f"{label} ({attempt})"
    seen[candidate] = None
    return candidate


def build_description(vocab: Vocabulary, opening: str) -> str:
    """Build one sentence of 15 to 30 words: ``opening`` followed by distinct tail clauses."""
    rng = vocab.rng
    target = rng.randint(15, 30)
    # Two clauses made of label vocabulary give full-text search something to find beyond the labels.
    clauses = [
        "nell'ambito " + vocab.domain_phrase("di"),
        "con riferimento " + vocab.domain_phrase("a"),
        *rng.sample(DESCRIPTION_CLAUSES, 6),
    ]
    rng.shuffle(clauses)
    parts = [opening]
    count = len(opening.split())
    for clause in clauses:
        if count >= target:
            break
        words = len(clause.split())
        if count + words <= 30:
            parts.append(clause)
            count += words
    sentence = ", ".join(parts) + "."
    return sentence[0].upper() + sentence[1:]


# --------------------------------------------------------------------------------------------------------------------
# Skills
# --------------------------------------------------------------------------------------------------------------------


def build_skill_label(vocab: Vocabulary) -> tuple[str, list[str], str]:
    """Return (preferred label, candidate alternative labels, description opening) of a skill/competence."""
    rng = vocab.rng
    verb = vocab.verbs.pick()
    obj = vocab.objects.pick()
    obj_adjective = vocab.maybe_adjective(0.25)
    object_part = with_article(obj, obj_adjective)
    roll = rng.random()
    if roll < 0.55:
        complement = " " + vocab.domain_phrase("di")  # "gestire la documentazione dei servizi educativi"
    elif roll < 0.7:
        complement = " " + vocab.domain_phrase("in")  # "... nelle strutture sanitarie"
    elif roll < 0.8:
        complement = " " + vocab.domain_phrase("per")  # "... per le imprese turistiche"
    else:
        complement = ""
    label = f"{verb} {object_part}{complement}"
    # Alternative labels as ESCO words them: the nominalized form, a periphrasis, the form without complement.
    nominalized = f"{vocab.nominalization[verb].text} {with_article(obj, obj_adjective, 'di')}{complement}"
    candidates = [
        nominalized,
        f"occuparsi {with_article(vocab.nominalization[verb], None, 'di')} {with_article(obj, obj_adjective, 'di')}"
        + complement,
        f"{verb} {object_part}",
    ]
    opening = ("capacità di " if rng.random() < 0.5 else "saper ") + label
    return label, candidates, opening


def build_knowledge_label(vocab: Vocabulary) -> tuple[str, list[str], str]:
    """Return (preferred label, candidate alternative labels, description opening) of a knowledge concept."""
    rng = vocab.rng
    head = vocab.knowledge_heads.pick()
    head_adjective = vocab.maybe_adjective(0.2)
    roll = rng.random()
    if roll < 0.5:
        # "tecniche di manutenzione [degli impianti elettrici]": bare "di" + topic, sometimes a domain after it.
        rest = "di " + noun_phrase(vocab.topics.pick(), vocab.maybe_adjective(0.3))
        if rng.random() < 0.3:
            rest += " " + vocab.domain_phrase("di")
    elif roll < 0.65:
        rest = "in materia di " + noun_phrase(vocab.topics.pick(), vocab.maybe_adjective(0.3))
    elif roll < 0.85:
        rest = vocab.domain_phrase(rng.choice(("su", "su", "in", "per")))  # "normativa sulla sicurezza alimentare"
    else:
        rest = vocab.domain_phrase("di")
    label = f"{noun_phrase(head, head_adjective)} {rest}"
    candidates = [
        f"conoscenza {with_article(head, head_adjective, 'di')} {rest}",
        f"{head.text} {rest}",
        strip_accents(label),
    ]
    opening = f"conoscere {with_article(head, head_adjective)} {rest}"
    return label, candidates, opening


def pick_alt_labels(rng: random.Random, label: str, candidates: list[str]) -> list[str]:
    """Keep 0-3 distinct alternative labels that differ from the preferred label."""
    roll = rng.random()
    wanted = 0 if roll < 0.25 else 1 if roll < 0.6 else 2 if roll < 0.85 else 3
    alt: dict[str, None] = {}
    for candidate in candidates:
        if len(alt) == wanted:
            break
        if candidate != label:
            alt[candidate] = None
    return list(alt)


def modified_date(rng: random.Random) -> str:
    """Return an ESCO-style ISO timestamp with milliseconds, in UTC."""
    moment = time.gmtime(_MODIFIED_FROM + rng.randrange(_MODIFIED_SPAN_SECONDS))
    return (
        f"{moment.tm_year:04d}-{moment.tm_mon:02d}-{moment.tm_mday:02d}T"
        f"{moment.tm_hour:02d}:{moment.tm_min:02d}:{moment.tm_sec:02d}.{rng.randrange(1000):03d}Z"
    )


def hidden_labels(rng: random.Random, label: str) -> str:
    """Now and then record the accent-free spelling as a hidden label, as ESCO does for common misspellings."""
    plain = strip_accents(label)
    return plain if plain != label and rng.random() < 0.3 else ""


def write_skills(path: pathlib.Path, count: int, rng: random.Random, vocab: Vocabulary) -> list[Skill]:
    """Write ``skills_it.csv`` row by row and return what the relations file needs to know of each skill."""
    skills: list[Skill] = []
    seen: dict[str, None] = {}
    levels = [level for level, _, _ in REUSE_LEVELS]
    level_cum_weights = list(itertools.accumulate(share for _, share, _ in REUSE_LEVELS))
    with csv_file(path, SKILL_HEADER) as writer:
        for _ in range(count):
            uri = SKILL_URI_PREFIX + str(uuid.UUID(int=rng.getrandbits(128), version=4))
            # About two thirds skill/competence, one third knowledge, as in ESCO.
            is_knowledge = rng.random() < 1 / 3
            skill_type = "knowledge" if is_knowledge else "skill/competence"
            build = build_knowledge_label if is_knowledge else build_skill_label
            label, candidates, opening = build(vocab)
            label = make_unique(label, seen, (vocab.domain_phrase(p) for p in itertools.cycle(("per", "in", "su"))))
            alt_labels = pick_alt_labels(rng, label, candidates)
            reuse_level = levels[bisect.bisect(level_cum_weights, rng.random() * level_cum_weights[-1])]
            writer.writerow(
                (
                    "KnowledgeSkillCompetence",
                    uri,
                    skill_type,
                    reuse_level,
                    label,
                    "\n".join(alt_labels),
                    hidden_labels(rng, label),
                    "released",
                    modified_date(rng),
                    "",
                    "",
                    SKILL_SCHEMES,
                    build_description(vocab, opening),
                )
            )
            skills.append(Skill(uri, skill_type, reuse_level, label))
    return skills


# --------------------------------------------------------------------------------------------------------------------
# Occupations
# --------------------------------------------------------------------------------------------------------------------


def build_isco_groups(rng: random.Random) -> dict[str, list[str]]:
    """Return about 40 distinct 4-digit ISCO unit groups per major group (1-9), sorted, keyed by major digit."""
    groups: dict[str, list[str]] = {}
    for major in "123456789":
        codes: dict[str, None] = {}
        while len(codes) < 40:
            codes[f"{major}{rng.randint(1, 6)}{rng.randint(1, 5)}{rng.randint(1, 9)}"] = None
        groups[major] = sorted(codes)
    return groups


def build_occupation_labels(vocab: Vocabulary, head: OccupationHead) -> tuple[str, str, str]:
    """Return (masculine label, feminine label, description opening) of one occupation.

    Both forms come from the same draws so that they name the same job, as ESCO's gendered alternative labels do.
    """
    rng = vocab.rng
    if rng.random() < 0.2:
        # "tecnico informatico [dei servizi sociali]": the adjective agrees with the title.
        adjective = vocab.adjectives.pick()
        tail = " " + vocab.domain_phrase("di") if rng.random() < 0.6 else ""

        def render(title: Noun) -> str:
            return f"{title.text} {inflect_adjective(adjective, title)}{tail}"

    else:
        # "tecnico della qualità dei servizi sociali", "addetto alla manutenzione degli impianti elettrici"
        focus = with_article(vocab.topics.pick(), vocab.maybe_adjective(0.2), head.preposition)
        tail = " " + vocab.domain_phrase("di") if rng.random() < 0.7 else ""

        def render(title: Noun) -> str:
            return f"{title.text} {focus}{tail}"

    masculine = Noun(head.masculine, "m", False)
    label = render(masculine)
    opening = f"{with_article(masculine, None)}{label[len(head.masculine) :]} si occupa di {vocab.verbs.pick()} " + (
        with_article(vocab.objects.pick(), vocab.maybe_adjective(0.3))
    )
    return label, render(Noun(head.feminine, "f", False)), opening


def write_occupations(
    path: pathlib.Path, count: int, rng: random.Random, vocab: Vocabulary, isco_groups: dict[str, list[str]]
) -> list[Occupation]:
    """Write ``occupations_it.csv`` row by row and return the occupations for the relations file."""
    occupations: list[Occupation] = []
    seen: dict[str, None] = {}
    # Some ISCO groups hold many occupations and most hold a few, as in ESCO.
    group_pickers = {major: ZipfPicker(rng, codes, exponent=0.8) for major, codes in isco_groups.items()}
    next_number: dict[str, int] = {}
    with csv_file(path, OCCUPATION_HEADER) as writer:
        for _ in range(count):
            uri = OCCUPATION_URI_PREFIX + str(uuid.UUID(int=rng.getrandbits(128), version=4))
            head = vocab.occupation_heads.pick()
            isco_group = group_pickers[rng.choice(head.isco_majors)].pick()
            label, feminine_label, opening = build_occupation_labels(vocab, head)
            unique = make_unique(label, seen, (vocab.domain_phrase(p) for p in itertools.cycle(("per", "in"))))
            # A disambiguating complement applies to the feminine form too.
            feminine_label += unique[len(label) :]
            label = unique
            candidates = [feminine_label]
            if head.feminine != head.masculine:
                candidates.append(f"{head.masculine}/{head.feminine}{label[len(head.masculine) :]}")
            candidates.append(strip_accents(label))
            alt_labels = pick_alt_labels(rng, label, candidates)
            number = next_number.get(isco_group, 0) + 1
            next_number[isco_group] = number
            code = f"{isco_group}.{number}"
            writer.writerow(
                (
                    "Occupation",
                    uri,
                    isco_group,
                    label,
                    "\n".join(alt_labels),
                    hidden_labels(rng, label),
                    "released",
                    modified_date(rng),
                    UNREGULATED_NOTE,
                    "",
                    "",
                    OCCUPATION_SCHEMES,
                    build_description(vocab, opening),
                    code,
                )
            )
            occupations.append(Occupation(uri, isco_group, code, label))
    return occupations


# --------------------------------------------------------------------------------------------------------------------
# Relations
# --------------------------------------------------------------------------------------------------------------------


def split_relations(rng: random.Random, total: int, occupations: int, per_occupation_cap: int) -> list[int]:
    """Split ``total`` relations among occupations with a log-normal spread, each at most ``per_occupation_cap``.

    Every occupation gets at least one relation when there are enough relations to go round.
    """
    weights = [rng.lognormvariate(0.0, 0.6) for _ in range(occupations)]
    scale = total / sum(weights)
    floor = 1 if total >= occupations else 0
    counts = [max(floor, min(per_occupation_cap, int(w * scale))) for w in weights]
    # Rounding and clamping leave the sum off by a little: fix it one relation at a time, largest weights first.
    order = sorted(range(occupations), key=lambda i: -weights[i])
    delta = total - sum(counts)
    while delta:
        step = 1 if delta > 0 else -1
        for i in order:
            if (step > 0 and counts[i] < per_occupation_cap) or (step < 0 and counts[i] > floor):
                counts[i] += step
                delta -= step
                if not delta:
                    break
    return counts


def skill_popularity(rng: random.Random, reuse_boost: list[float]) -> list[float]:
    """Return cumulative weights over skills: Zipf over a shuffled order, boosted by each skill's reuse level.

    The exponent 0.5 makes the most linked skills appear in roughly a quarter to a half of the occupations while
    the median skill has a handful of occupations; steeper curves put one skill in nearly every occupation.
    """
    order = list(range(len(reuse_boost)))
    rng.shuffle(order)
    weights = [0.0] * len(reuse_boost)
    for rank, index in enumerate(order):
        weights[index] = reuse_boost[index] / (rank + 1) ** 0.5
    return list(itertools.accumulate(weights))


def sample_skills(rng: random.Random, count: int, population: range, cum_weights: list[float]) -> list[int]:
    """Draw ``count`` distinct skill indices, popular skills more likely; order of first draw is kept."""
    if count > len(population) // 3:
        # Rejection sampling would stall when an occupation needs most of the skills (tiny test datasets).
        return rng.sample(population, count)
    chosen: dict[int, None] = {}
    while len(chosen) < count:
        for index in rng.choices(population, cum_weights=cum_weights, k=count - len(chosen)):
            chosen[index] = None
            if len(chosen) == count:
                break
    return list(chosen)


def write_relations(
    path: pathlib.Path,
    total: int,
    rng: random.Random,
    occupations: list[Occupation],
    skills: list[Skill],
) -> int:
    """Write ``occupationSkillRelations_it.csv`` with exactly ``total`` distinct pairs; return the essential count."""
    counts = split_relations(rng, total, len(occupations), len(skills))
    boost_by_level = {level: boost for level, _, boost in REUSE_LEVELS}
    cum_weights = skill_popularity(rng, [boost_by_level[skill.reuse_level] for skill in skills])
    population = range(len(skills))
    essential = 0
    with csv_file(path, RELATION_HEADER) as writer:
        for occupation, count in zip(occupations, counts, strict=True):
            rows = []
            for index in sample_skills(rng, count, population, cum_weights):
                skill = skills[index]
                relation_type = "essential" if rng.random() < 0.6 else "optional"
                essential += relation_type == "essential"
                rows.append((occupation.uri, occupation.label, relation_type, skill.skill_type, skill.uri, skill.label))
            writer.writerows(rows)
    return essential


# --------------------------------------------------------------------------------------------------------------------
# Queries
# --------------------------------------------------------------------------------------------------------------------


def build_queries(rng: random.Random, skills: list[Skill], occupations: list[Occupation]) -> tuple[str, ...]:
    """Return QUERY_COUNT queries: 40% word prefixes, 30% two words, 15% accent-free/uppercase words, 15% codes.

    Words are drawn from random labels, so frequent words are queried more often, as users type them more often.
    """
    labels = [skill.label for skill in skills]
    occupation_labels = [occupation.label for occupation in occupations]

    def random_label_words() -> list[str]:
        source = occupation_labels if rng.random() < 0.15 else labels
        return label_words(rng.choice(source))

    def word_prefix() -> str | None:
        words = [word for word in random_label_words() if len(word) >= 4]
        if not words:
            return None
        word = rng.choice(words)
        return word[: rng.randint(3, min(6, len(word)))]

    def two_words() -> str | None:
        words = [word for word in random_label_words() if len(word) >= 3]
        if len(words) < 2:
            return None
        first = rng.randrange(len(words) - 1)
        second = first + 1 if rng.random() < 0.6 else rng.randrange(first + 1, len(words))
        last = words[second]
        # Often the user is still typing the second word.
        if rng.random() < 0.4 and len(last) > 4:
            last = last[: rng.randint(3, len(last) - 1)]
        return f"{words[first]} {last}"

    # Accented words are what accent-insensitive search is for: query them more often than their frequency says.
    accented = list(dict.fromkeys(word for label in labels for word in label_words(label) if not word.isascii()))

    def plain_or_upper() -> str | None:
        if accented and rng.random() < 0.6:
            word = rng.choice(accented)
        else:
            words = [word for word in random_label_words() if len(word) >= 5]
            if not words:
                return None
            word = rng.choice(words)
        plain = strip_accents(word)
        return plain.upper() if plain == word or rng.random() < 0.5 else plain

    def code() -> str:
        occupation = rng.choice(occupations)
        roll = rng.random()
        if roll < 0.4:
            return occupation.code  # "2635.1"
        if roll < 0.8:
            return occupation.isco_group  # "2635"
        return occupation.isco_group[: rng.randint(2, 3)]  # "263"

    prefixes, pairs, plain = QUERY_COUNT * 40 // 100, QUERY_COUNT * 30 // 100, QUERY_COUNT * 15 // 100
    codes = QUERY_COUNT - prefixes - pairs - plain
    plan = ((word_prefix, prefixes), (two_words, pairs), (plain_or_upper, plain), (code, codes))
    queries: list[str] = []
    seen: dict[str, None] = {}
    for make_query, wanted in plan:
        made = 0
        for attempt in range(wanted * 50):
            if made == wanted:
                break
            query = make_query()
            # Distinct queries measure more of the index; tiny datasets run out of them, so the last attempts
            # accept repeats rather than return fewer queries than asked.
            if query and (query not in seen or attempt >= wanted * 40):
                seen[query] = None
                queries.append(query)
                made += 1
        while made < wanted:  # only when a kind of query cannot be made at all (labels without long words)
            queries.append(code())
            made += 1
    rng.shuffle(queries)
    return tuple(queries)


# --------------------------------------------------------------------------------------------------------------------
# Files and entry points
# --------------------------------------------------------------------------------------------------------------------


class RowWriter(Protocol):
    """The part of a ``csv.writer`` used here."""

    def writerow(self, row: Iterable[str]) -> object: ...

    def writerows(self, rows: Iterable[Iterable[str]]) -> None: ...


@contextlib.contextmanager
def csv_file(path: pathlib.Path, header: Sequence[str]) -> Iterator[RowWriter]:
    """Open a CSV file as the ESCO download writes it and yield a writer positioned after the header.

    UTF-8 without BOM, minimal quoting (multi-line altLabels and comma-separated inScheme cells get quoted),
    LF line ends; rows go straight to the file so memory does not grow with the file.
    """
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
        writer.writerow(header)
        yield writer


def generate(
    target_dir: pathlib.Path,
    *,
    skills: int = 15_000,
    occupations: int = 3_000,
    relations: int = 130_000,
    seed: int = 20260101,
) -> GeneratedDataset:
    """Write the three ESCO CSV files into ``target_dir`` (created if missing) and describe them.

    The same arguments always produce byte-identical files and the same queries.
    """
    if skills < 1 or occupations < 1:
        raise ValueError("skills and occupations must be at least 1")
    if not 0 <= relations <= skills * occupations:
        raise ValueError(f"relations must be between 0 and skills * occupations ({skills * occupations})")
    target_dir = pathlib.Path(target_dir)
    target_dir.mkdir(parents=True, exist_ok=True)

    # One generator per concern, each seeded from the seed and a name (string seeds are hashed with SHA-512, so
    # they do not depend on PYTHONHASHSEED): changing the number of relations leaves the skills file unchanged.
    skill_rng = random.Random(f"{seed}:skills")
    occupation_rng = random.Random(f"{seed}:occupations")
    relation_rng = random.Random(f"{seed}:relations")
    query_rng = random.Random(f"{seed}:queries")

    skills_path = target_dir / SKILLS_FILE
    occupations_path = target_dir / OCCUPATIONS_FILE
    relations_path = target_dir / RELATIONS_FILE

    skill_records = write_skills(skills_path, skills, skill_rng, Vocabulary(skill_rng))
    occupation_records = write_occupations(
        occupations_path, occupations, occupation_rng, Vocabulary(occupation_rng), build_isco_groups(occupation_rng)
    )
    essential = write_relations(relations_path, relations, relation_rng, occupation_records, skill_records)

    return GeneratedDataset(
        target_dir=target_dir,
        skills_path=skills_path,
        occupations_path=occupations_path,
        relations_path=relations_path,
        skill_count=len(skill_records),
        knowledge_count=sum(skill.skill_type == "knowledge" for skill in skill_records),
        occupation_count=len(occupation_records),
        relation_count=relations,
        essential_relation_count=essential,
        seed=seed,
        queries=build_queries(query_rng, skill_records, occupation_records),
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: generate the dataset and print what was written and how long it took."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("target_dir", type=pathlib.Path, help="directory to write the CSV files into")
    parser.add_argument("--skills", type=int, default=15_000, help="number of skills (default: %(default)s)")
    parser.add_argument("--occupations", type=int, default=3_000, help="number of occupations (default: %(default)s)")
    parser.add_argument("--relations", type=int, default=130_000, help="number of relations (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=20260101, help="random seed (default: %(default)s)")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    try:
        dataset = generate(
            args.target_dir, skills=args.skills, occupations=args.occupations, relations=args.relations, seed=args.seed
        )
    except ValueError as error:
        parser.error(str(error))
    elapsed = time.perf_counter() - started

    for path, rows in (
        (dataset.skills_path, dataset.skill_count),
        (dataset.occupations_path, dataset.occupation_count),
        (dataset.relations_path, dataset.relation_count),
    ):
        print(f"{path}: {rows:,} rows, {path.stat().st_size / 1_048_576:.1f} MiB")
    print(
        f"{dataset.knowledge_count:,} knowledge concepts, {dataset.essential_relation_count:,} essential relations, "
        f"{len(dataset.queries)} queries (seed {dataset.seed})"
    )
    print(f"generated in {elapsed:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
