"""The ontology: MODEL.md terms declared, quality checks pass (and fire on bad input), RDF/XML copy
in sync, Protégé catalog complete, vocabularies as MODEL.md lists them."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, SKOS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from smarthealth.config import ONTOLOGY_IRI
from smarthealth.namespaces import ORG, PREFIXES, SMH, SMHV
from smarthealth.validation.graphs import load_ontology, ontology_files
from smarthealth.validation.ontology_checks import check_files, check_graph, checks_dir, run_checks
from smarthealth.validation.owl_export import GENERATED_NOTE, merged_ontology, owl_is_current, owl_path
from smarthealth.population.statements import MEASURES

TERM = re.compile(r"`((?:smh|org|m8g|eurio|oa|prov|skos|dcterms|foaf):[A-Za-z][A-Za-z0-9]*)")


@pytest.fixture(scope="module")
def ontology(settings) -> Graph:
    return load_ontology(settings)


@pytest.fixture(scope="module")
def check_results(settings):
    return {result.name: result for result in run_checks(check_graph(settings), checks_dir(settings))}


def model_terms(settings) -> set[URIRef]:
    """Read every prefixed term MODEL.md writes in backquotes."""
    text = (settings.ontology_dir / "MODEL.md").read_text(encoding="utf-8")
    terms = set()
    for prefixed in TERM.findall(text):
        prefix, local = prefixed.split(":")
        terms.add(URIRef(str(PREFIXES[prefix]) + local))
    return terms


def test_every_model_term_is_declared(settings, ontology):
    terms = model_terms(settings)
    assert URIRef(SMH + "Region") in terms and URIRef(ORG + "Membership") in terms
    undeclared = sorted(t for t in terms if (t, RDF.type, None) not in ontology)
    assert undeclared == []


def test_every_class_and_property_of_the_ontology_is_in_model_md(settings, ontology):
    terms = model_terms(settings)
    own = {
        s for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
        for s in ontology.subjects(RDF.type, kind)
        if isinstance(s, URIRef) and str(s).startswith(str(SMH))
    }
    assert sorted(own - terms) == []
    assert len([s for s in own if (s, RDF.type, OWL.Class) in ontology]) == 35  # 33 + StatedFigure, Involvement


def test_ontology_header(ontology):
    header = URIRef(ONTOLOGY_IRI)
    assert (header, RDF.type, OWL.Ontology) in ontology
    assert ontology.value(header, OWL.versionIRI) == URIRef(ONTOLOGY_IRI + "/1.0.0")
    assert ontology.value(header, OWL.versionInfo) == Literal("1.0.0")
    assert ontology.value(header, DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")
    for required in (DCTERMS.title, DCTERMS.description, DCTERMS.creator, DCTERMS.created, DCTERMS.modified):
        assert ontology.value(header, required) is not None, required
    assert URIRef(ONTOLOGY_IRI + "/imports/external") in set(ontology.objects(header, OWL.imports))


def test_alignment_and_axioms(ontology):
    assert (SMH.nutsRegion, RDFS.subPropertyOf, SKOS.exactMatch) in ontology
    assert (SMH.collaboratesWith, RDF.type, OWL.SymmetricProperty) in ontology
    assert (SMH.nutsCode, RDF.type, OWL.FunctionalProperty) in ontology
    assert (SMH.Organisation, RDFS.subClassOf, ORG.Organization) in ontology
    assert (SMH.Grant, RDFS.subClassOf, URIRef("http://data.europa.eu/s66#Grant")) in ontology
    assert not list(ontology.triples((None, OWL.sameAs, None)))
    disjoint_sets = [set(ontology.items(ontology.value(axiom, OWL.members)))
                     for axiom in ontology.subjects(RDF.type, OWL.AllDisjointClasses)]
    assert any({SMH.Region, SMH.Organisation, SMH.Project, SMH.Event, SMH.SourceDocument, SMH.Quotation} <= members
               for members in disjoint_sets)
    # Organisation subclasses must stay compatible: a university hospital is both.
    assert not any({SMH.Hospital, SMH.ResearchOrganisation} <= members for members in disjoint_sets)


@pytest.mark.parametrize("check", [path.stem for path in check_files(Path(__file__).parents[1] / "ontology" / "checks")])
def test_check_passes_on_the_ontology(check, check_results):
    assert check_results[check].rows == []


def test_there_are_checks_for_each_concern(check_results):
    assert set(check_results) >= {
        "missing-label-violation", "duplicate-label-violation", "missing-definition-violation",
        "missing-title-or-license-violation", "class-without-superclass-violation",
        "property-without-domain-or-range-violation", "undeclared-shape-term-violation",
        "property-kind-violation", "sameas-violation", "undeclared-term-violation",
    }


BAD_PREFIXES = """
@prefix smh:  <https://w3id.org/smart-health/ontology#> .
@prefix smhv: <https://w3id.org/smart-health/vocab/> .
@prefix owl:  <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix sh:   <http://www.w3.org/ns/shacl#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
"""
GOOD_CLASS = """smh:Good a owl:Class ; rdfs:subClassOf smh:Thing ;
    rdfs:label "good"@en , "goed"@nl ; skos:definition "A good class."@en .
smh:Thing a owl:Class ; rdfs:subClassOf owl:Thing , <http://example.org/External> ;
    rdfs:label "thing"@en , "ding"@nl ; skos:definition "A thing."@en .
"""

# check name -> (a small bad ontology, a value the check must report)
BAD_ONTOLOGIES = {
    "missing-label-violation": (
        'smh:Bad a owl:Class ; rdfs:subClassOf smh:Thing ; rdfs:label "bad"@en ; skos:definition "x"@en .',
        "smh:Bad",
    ),
    "duplicate-label-violation": (
        'smh:Bad a owl:Class ; rdfs:subClassOf smh:Thing ; rdfs:label "Good"@en , "slecht"@nl ; skos:definition "x"@en .',
        "https://w3id.org/smart-health/ontology#Bad",
    ),
    "missing-definition-violation": (
        'smh:Bad a owl:Class ; rdfs:subClassOf smh:Thing ; rdfs:label "bad"@en , "slecht"@nl .',
        "smh:Bad",
    ),
    "missing-title-or-license-violation": (
        '<https://w3id.org/smart-health/ontology> a owl:Ontology ; dcterms:title "T"@en ; dcterms:description "D" ; '
        'owl:versionIRI <https://w3id.org/smart-health/ontology/9> .',
        '"dcterms:license"',
    ),
    "class-without-superclass-violation": (
        'smh:Bad a owl:Class ; rdfs:label "bad"@en , "slecht"@nl ; skos:definition "x"@en .',
        "smh:Bad",
    ),
    "property-without-domain-or-range-violation": (
        'smh:bad a owl:ObjectProperty ; rdfs:domain smh:Good ; rdfs:label "bad"@en , "slecht"@nl ; skos:definition "x"@en .',
        '"rdfs:range"',
    ),
    "property-kind-violation": (
        'smh:bad a owl:ObjectProperty , owl:DatatypeProperty ; rdfs:domain smh:Good ; rdfs:range smh:Good ; '
        'rdfs:label "bad"@en , "slecht"@nl ; skos:definition "x"@en .',
        "smh:bad",
    ),
    "sameas-violation": (
        "smh:Good owl:sameAs <http://www.wikidata.org/entity/Q1> .",
        "smh:Good",
    ),
    "undeclared-term-violation": (
        "smh:Good rdfs:seeAlso smh:Misspelt .",
        "smh:Misspelt",
    ),
    "undeclared-shape-term-violation": (
        "[] a sh:NodeShape ; sh:targetClass smh:Good ; sh:property [ sh:path smh:undeclaredProperty ] .",
        "smh:undeclaredProperty",
    ),
}


def test_every_check_has_a_bad_fixture(check_results):
    assert set(BAD_ONTOLOGIES) == set(check_results)


@pytest.mark.parametrize("check", sorted(BAD_ONTOLOGIES))
def test_check_fires_on_a_bad_ontology(check, settings):
    bad_turtle, expected_value = BAD_ONTOLOGIES[check]
    good = Graph().parse(data=BAD_PREFIXES + GOOD_CLASS, format="turtle")
    bad = Graph().parse(data=BAD_PREFIXES + GOOD_CLASS + bad_turtle, format="turtle")
    for graph in (good, bad):
        for prefix, namespace in PREFIXES.items():
            graph.bind(prefix, namespace, override=True)
    # The fixture's good part passes this check: the bad statement is what makes it fire.
    [clean] = run_checks(good, checks_dir(settings), only={check})
    assert clean.rows == [] or check == "missing-title-or-license-violation"
    [result] = run_checks(bad, checks_dir(settings), only={check})
    assert not result.passed
    assert any(expected_value in value for row in result.rows for value in row.values()), result.rows


def test_no_property_is_both_object_and_datatype(ontology):
    objects = set(ontology.subjects(RDF.type, OWL.ObjectProperty))
    datatypes = set(ontology.subjects(RDF.type, OWL.DatatypeProperty))
    annotations = set(ontology.subjects(RDF.type, OWL.AnnotationProperty))
    assert objects & datatypes == set()
    assert (objects | datatypes) & annotations == set()


EXPECTED_SCHEMES = {
    "helix-role": {"public-authority", "research-academia", "business", "civil-society", "cluster",
                   "company", "infrastructure", "hospital", "financing"},
    "membership-role": {"co-lead", "member", "observer", "prospective", "coordinator", "partner",
                        "founding-partner", "country-level-member", "lead", "supporter", "presenter",
                        "organiser", "co-organiser", "funder", "host", "initiator"},
    "status": {"running", "planned", "under-discussion", "completed", "held", "tentative"},
    "programme-level": {"eu", "national", "regional", "interregional"},
    "funding-kind": {"budget", "requested", "awarded", "maximum", "expenditure", "project-budget"},
    "qualifier": {"approximately", "nearly", "at-most", "at-least", "more-than"},
    # The population code refuses any other measure key; the scheme and the code must agree.
    "measure": set(MEASURES),
    "event-format": {"online", "in-person"},
    "indicator": {"population", "population-density", "share-over-65", "innovation-performance-group",
                  "mountain-classification", "pm-implementation-level", "need-developing-pm",
                  "need-support-funding", "need-pm-skills", "genomics-literacy",
                  "need-interregional-collaboration"},
}


@pytest.mark.parametrize("scheme", sorted(EXPECTED_SCHEMES))
def test_vocabulary_scheme(scheme, ontology):
    scheme_iri = URIRef(SMHV + scheme)
    assert (scheme_iri, RDF.type, SKOS.ConceptScheme) in ontology
    concepts = {str(c)[len(scheme_iri) + 1:] for c in ontology.subjects(SKOS.inScheme, scheme_iri)}
    assert concepts == EXPECTED_SCHEMES[scheme]
    for key in concepts:
        concept = URIRef(f"{scheme_iri}/{key}")
        assert (concept, RDF.type, SKOS.Concept) in ontology
        languages = {label.language for label in ontology.objects(concept, SKOS.prefLabel)}
        assert languages == {"en", "nl"}
        assert {label.language for label in ontology.objects(concept, RDFS.label)} == {"en", "nl"}
        top = (concept, SKOS.topConceptOf, scheme_iri) in ontology
        broader = ontology.value(concept, SKOS.broader)
        assert top != (broader is not None), f"{concept}: a top concept or a narrower one"
        if scheme == "membership-role":
            assert (concept, RDF.type, ORG.Role) in ontology


def test_helix_role_hierarchy(ontology):
    def broader(key):
        return ontology.value(URIRef(SMHV + f"helix-role/{key}"), SKOS.broader)

    assert broader("cluster") == URIRef(SMHV + "helix-role/business")
    assert broader("company") == URIRef(SMHV + "helix-role/business")
    assert broader("infrastructure") == URIRef(SMHV + "helix-role/business")
    assert broader("hospital") == URIRef(SMHV + "helix-role/research-academia")
    assert broader("financing") == URIRef(SMHV + "helix-role/public-authority")


def test_owl_copy_is_generated_and_in_sync(settings):
    text = owl_path(settings).read_text(encoding="utf-8")
    assert text.splitlines()[1].startswith("<!-- GENERATED FILE, do not edit: written by `smarthealth ontology`")
    assert GENERATED_NOTE.splitlines()[0] in text
    assert owl_is_current(settings), "ontology/smart-health.owl is stale: run `smarthealth ontology`"
    from rdflib.compare import isomorphic

    assert isomorphic(Graph().parse(data=text, format="xml"), merged_ontology(settings))


def test_owlready2_reads_the_owl_copy_offline(settings):
    import owlready2

    world = owlready2.World()
    onto = world.get_ontology(owl_path(settings).as_uri()).load()
    names = {cls.iri for cls in world.classes()}
    assert str(SMH.Region) in names and str(SMH.Quotation) in names
    assert onto is not None


def test_catalog_maps_every_import_to_a_local_file(settings):
    catalog = settings.ontology_dir / "catalog-v001.xml"
    namespace = {"c": "urn:oasis:names:tc:entity:xmlns:xml:catalog"}
    entries = {
        entry.get("name"): entry.get("uri")
        for entry in ElementTree.parse(catalog).getroot().findall("c:uri", namespace)
    }
    imports = set()
    headers = {}
    for path in ontology_files(settings):
        graph = Graph().parse(path, format="turtle")
        imports.update(str(o) for o in graph.objects(None, OWL.imports))
        for header in graph.subjects(RDF.type, OWL.Ontology):
            headers[str(header)] = path.resolve()
    assert imports, "the ontology imports its modules"
    for iri in imports:
        assert iri in entries, f"catalog-v001.xml does not map {iri}"
        target = (settings.ontology_dir / entries[iri]).resolve()
        assert target.is_file()
        assert headers[iri] == target, f"{iri} maps to {target}, which is not that ontology"


# The OWL API check compiles a small Java class: it needs a JDK (javac), not only the Java runtime
# HermiT needs. Where there is none, these tests say so and skip rather than fail.
needs_javac = pytest.mark.skipif(
    shutil.which("javac") is None or shutil.which("java") is None,
    reason="javac/java not on the PATH (install a JDK, e.g. default-jdk-headless)",
)


@needs_javac
def test_owl_api_opens_the_ontology_offline_through_the_catalog_in_owl2_dl(settings):
    from smarthealth.validation.dl_profile import check_profile

    report = check_profile(settings.ontology_dir / "smart-health.ttl", settings)
    assert report.missing_imports == []
    assert sorted(report.imported) == [ONTOLOGY_IRI + "/imports/external", "https://w3id.org/smart-health/vocab"]
    assert report.violations == []
    assert report.in_owl2_dl and report.ok
    assert report.axioms > 1000


@needs_javac
def test_owl_api_reads_the_rdfxml_copy_in_owl2_dl(settings):
    from smarthealth.validation.dl_profile import check_profile

    report = check_profile(owl_path(settings), settings)
    assert report.ok and report.imported == []


@needs_javac
def test_owl_api_reports_an_import_missing_from_the_catalog(settings):
    from smarthealth.validation.dl_profile import catalog_mappings, check_profile

    mappings = catalog_mappings(settings.ontology_dir / "catalog-v001.xml")
    del mappings["https://w3id.org/smart-health/vocab"]
    report = check_profile(settings.ontology_dir / "smart-health.ttl", settings, mappings=mappings)
    assert report.missing_imports == ["https://w3id.org/smart-health/vocab"]
    assert not report.ok


@needs_javac
def test_owl_api_flags_a_property_used_as_object_and_datatype_property(settings, tmp_path):
    from smarthealth.validation.dl_profile import check_profile

    bad = tmp_path / "bad.ttl"
    bad.write_text(BAD_PREFIXES + GOOD_CLASS + """
        <https://w3id.org/smart-health/ontology> a owl:Ontology .
        smh:x a smh:Good ; smh:both smh:x , "text" .
        smh:both a owl:ObjectProperty , owl:DatatypeProperty .
    """, encoding="utf-8")
    report = check_profile(bad, settings, mappings={})
    assert not report.in_owl2_dl
    assert any("smart-health/ontology#both" in violation for violation in report.violations)
