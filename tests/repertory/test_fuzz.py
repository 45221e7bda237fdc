"""Fuzzing the CSV and JSON importers: whatever the bytes, the only exception is our ImportRejected."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from repertory.errors import ImportRejected
from repertory.importers import case_json, moodle_csv, rrfp_csv
from repertory.importers.parsed import validate
from repertory.importers.source import RawFile

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

RRFP_COLUMNS = list(rrfp_csv.COLUMNS)
MOODLE_COLUMNS = list(moodle_csv.COLUMNS)
CELL = st.one_of(
    st.sampled_from(
        [
            "",
            "RRFP-X",
            "framework",
            "competence_unit",
            "skill",
            "UC-1",
            "UC-2",
            "4",
            "9",
            "-1",
            "x",
            "1",
            "ADA.1.2",
            "http://e.org/a",
            "a|b",
            '"',
            '""',
            "\n",
            "Qualità",
            "\x00",
            "0.5",
            "1e400",
        ]
    ),
    st.text(max_size=12),
)


def parse_quietly(parser, data: bytes, **options) -> None:
    try:
        parsed = parser(RawFile(name="fuzz", data=data), **options)
        validate(parsed)
    except ImportRejected as rejected:
        assert rejected.problems and all(str(problem) for problem in rejected.problems)


def csv_text(columns: list[str]):
    header = st.lists(st.sampled_from([*columns, "bogus", ""]), min_size=1, max_size=len(columns) + 2)
    body = st.lists(st.lists(CELL, max_size=len(columns) + 2), max_size=8)
    delimiter = st.sampled_from([",", ";", "\t"])
    quote = st.booleans()

    @st.composite
    def build(draw):
        sep = draw(delimiter)
        quoted = draw(quote)
        lines = [draw(header), *draw(body)]
        render = (lambda cell: '"' + cell.replace('"', '""') + '"') if quoted else (lambda cell: cell)
        return "\n".join(sep.join(render(cell) for cell in line) for line in lines)

    return build()


ENCODED = st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16"])


@FUZZ
@given(text=csv_text(RRFP_COLUMNS), encoding=ENCODED)
def test_native_csv_importer_only_ever_raises_import_rejected(text, encoding):
    parse_quietly(rrfp_csv.parse, text.encode(encoding, errors="replace"))


@FUZZ
@given(text=csv_text(MOODLE_COLUMNS), encoding=ENCODED)
def test_moodle_csv_importer_only_ever_raises_import_rejected(text, encoding):
    parse_quietly(moodle_csv.parse, text.encode(encoding, errors="replace"))


@FUZZ
@given(data=st.binary(max_size=600))
def test_csv_importers_survive_arbitrary_bytes(data):
    parse_quietly(rrfp_csv.parse, data)
    parse_quietly(moodle_csv.parse, data)
    parse_quietly(rrfp_csv.parse, b"PK\x03\x04" + data)


JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=10),
    st.sampled_from(["isChildOf", "exactMatchOf", "isRelatedTo", "d1", "i1", "i2", "ADA.1"]),
)
JSON = st.recursive(
    JSON_SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.sampled_from(
                [
                    "identifier",
                    "uri",
                    "fullStatement",
                    "humanCodingScheme",
                    "CFItemType",
                    "language",
                    "notes",
                    "associationType",
                    "originNodeURI",
                    "destinationNodeURI",
                    "sequenceNumber",
                    "extensions",
                    "tosca",
                    "eqfLevel",
                    "kind",
                    "labelIt",
                    "altLabelsIt",
                    "title",
                    "x",
                ]
            ),
            children,
            max_size=6,
        ),
    ),
    max_leaves=30,
)


@st.composite
def case_packages(draw):
    item = st.fixed_dictionaries(
        {"identifier": st.sampled_from(["i1", "i2", "i3"]), "fullStatement": JSON_SCALARS},
        optional={
            "humanCodingScheme": JSON_SCALARS,
            "CFItemType": JSON_SCALARS,
            "extensions": JSON,
            "uri": JSON_SCALARS,
            "language": JSON_SCALARS,
        },
    )
    ref = st.fixed_dictionaries(
        {"identifier": st.sampled_from(["i1", "i2", "i3", "d1", "zz"]), "uri": JSON_SCALARS, "title": JSON_SCALARS}
    )
    association = st.fixed_dictionaries(
        {
            "associationType": st.sampled_from(["isChildOf", "exactMatchOf", "isRelatedTo", "isPeerOf"]),
            "originNodeURI": st.one_of(ref, JSON),
            "destinationNodeURI": st.one_of(ref, JSON),
        },
        optional={"sequenceNumber": JSON_SCALARS},
    )
    return {
        "CFDocument": draw(
            st.one_of(
                st.fixed_dictionaries(
                    {"identifier": st.just("d1"), "title": JSON_SCALARS},
                    optional={"extensions": JSON, "uri": JSON_SCALARS},
                ),
                JSON,
            )
        ),
        "CFItems": draw(st.one_of(st.lists(st.one_of(item, JSON), max_size=5), JSON)),
        "CFAssociations": draw(st.one_of(st.lists(association, max_size=6), JSON)),
    }


@FUZZ
@given(package=case_packages())
def test_case_importer_only_ever_raises_import_rejected_on_odd_packages(package):
    parse_quietly(case_json.parse, json.dumps(package).encode())


@FUZZ
@given(data=st.one_of(st.binary(max_size=400), JSON.map(lambda value: json.dumps(value).encode())))
def test_case_importer_survives_arbitrary_bytes_and_json(data):
    parse_quietly(case_json.parse, data)


NODE_CODES = ["A", "B", "C", "D", "E"]


@st.composite
def native_frameworks(draw):
    """Mostly well-formed native CSVs (random trees, labels, EQF levels, cross-walks) to push through the writer."""
    lines = [
        "framework,code,kind,parent_code,label_it,label_en,eqf_level,related,version",
        f"FZ,FZ,framework,,Fuzz,,,,{draw(st.sampled_from(['1', '2', 'x' * 120]))}",
    ]
    for code in draw(st.lists(st.sampled_from(NODE_CODES), max_size=5)):
        parent = draw(st.sampled_from(["", *NODE_CODES]))
        label = draw(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), min_size=0, max_size=30))
        eqf = draw(st.sampled_from(["", "1", "8", "9", "3.0"]))
        related = draw(st.sampled_from(["", "ADA.1.2.3", "http://e.org/x", "ADA.1|http://e.org/y"]))
        kind = draw(st.sampled_from(["sector", "competence_unit", "skill", "bogus"]))
        quoted = '"' + label.replace('"', '""') + '"'
        lines.append(f"FZ,{code},{kind},{parent},{quoted},,{eqf},{related},")
    return "\n".join(lines) + "\n"


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(text=native_frameworks())
def test_any_accepted_file_writes_cleanly_and_imports_again_as_a_no_op(db, text):
    from django.db import transaction

    from repertory import api

    with transaction.atomic():
        try:
            api.import_framework(text.encode(), name="fuzz.csv", source_format="rrfp-csv")
        except ImportRejected as rejected:
            assert rejected.problems
        else:
            assert api.import_framework(text.encode(), name="fuzz.csv", source_format="rrfp-csv").is_noop
        transaction.set_rollback(True)
