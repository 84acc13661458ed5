"""The built dataset: outputs, named graphs, provenance, identity, determinism, no e-mails."""

from __future__ import annotations

import re
import shutil

import pytest
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import OWL, PROV, RDF, RDFS, SKOS

from smarthealth.config import ONTOLOGY_IRI, Settings
from smarthealth.namespaces import OA, ORG, SMH, SMHV
from smarthealth.population.build import build, ensure_built, load_dataset

ID = "https://w3id.org/smart-health/id/"
STEMS = ["000_47ec06a769ba5fcc", "001_54163fe3eccd58e8", "002_87288936a96fbea5",
         "003_40d31b0bcedf8a9d", "004_92df48ec1dc621d2"]
EMAIL = re.compile(rb"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


@pytest.fixture(scope="module")
def dataset(built):
    return load_dataset(built.dataset_path)


def union(dataset, predicate):
    """Return the (subject, object) pairs of a predicate over all named graphs."""
    return {(s, o) for s, _, o, _ in dataset.quads((None, predicate, None, None))}


def graph(dataset, stem):
    return dataset.graph(URIRef(f"{ID}graph/{stem}"))


def test_four_outputs_written(built):
    assert set(built.paths) == {"trig", "ttl", "nq", "jsonld"}
    for path in built.paths.values():
        assert path.exists() and path.stat().st_size > 10_000
    assert built.dataset_path == built.paths["trig"]


def test_one_named_graph_per_source_plus_ontology(dataset):
    names = {str(g.identifier) for g in dataset.graphs() if len(g)}
    # Plus the reviewed links to other datasets (data/curated/links.yaml), when any is accepted.
    assert names == {f"{ID}graph/{stem}" for stem in STEMS} | {ONTOLOGY_IRI, f"{ID}graph/reviewed-links",
                                                                          f"{ID}graph/reviewed-labels"}


def test_every_source_graph_contributes_instances_beyond_its_own_description(built):
    for stem in STEMS:
        per_class = built.counts[f"{ID}graph/{stem}"]
        domain = {cls: n for cls, n in per_class.items()
                  if cls not in {"smh:Quotation", "oa:TextQuoteSelector", "smh:SourceDocument"}}
        assert sum(domain.values()) >= 10, (stem, per_class)


def test_source_documents_described_in_their_own_graph(dataset):
    for stem in STEMS:
        g = graph(dataset, stem)
        source = URIRef(f"{ID}source/{stem}")
        assert (source, RDF.type, SMH.SourceDocument) in g
        assert g.value(source, SMH.fileName) == Literal(f"{stem}.txt")
    lang = "http://publications.europa.eu/resource/authority/language/"
    assert graph(dataset, STEMS[3]).value(URIRef(f"{ID}source/{STEMS[3]}"), URIRef(
        "http://purl.org/dc/terms/language")) == URIRef(lang + "NLD")


def test_every_instance_cites_a_quotation_in_its_own_graph(dataset):
    skip = {SMH.Quotation, OA.TextQuoteSelector, OWL.NegativePropertyAssertion}
    for stem in STEMS:
        g = graph(dataset, stem)
        for subject, cls in g.subject_objects(RDF.type):
            if cls in skip:
                continue
            quotes = list(g.objects(subject, PROV.wasDerivedFrom))
            assert quotes, f"{subject} in {stem} has no provenance"
            for quote in quotes:
                assert (quote, RDF.type, SMH.Quotation) in g
                assert g.value(quote, OA.hasSource) == URIRef(f"{ID}source/{stem}")


def test_every_quote_is_verbatim_in_its_document(dataset):
    settings = Settings()
    for stem in STEMS:
        text = (settings.sources_dir / f"{stem}.txt").read_text(encoding="utf-8")
        g = graph(dataset, stem)
        exacts = list(g.objects(None, OA.exact))
        assert exacts
        for exact in exacts:
            assert str(exact) in text, (stem, str(exact))


def test_actor_table_gives_regions_with_nuts_and_actors_with_roles(dataset):
    g = graph(dataset, STEMS[0])
    flanders = URIRef(f"{ID}region/BE2")
    assert g.value(flanders, SMH.nutsCode) == Literal("BE2")
    assert g.value(flanders, SMH.nutsLevel).toPython() == 1
    assert g.value(URIRef(f"{ID}region/FI1D"), SMH.nutsLevel).toPython() == 2
    assert g.value(URIRef(f"{ID}region/SI0"), SMH.nutsLevel).toPython() == 1
    assert g.value(URIRef(f"{ID}region/ES24"), SMH.country) == URIRef(
        "http://publications.europa.eu/resource/authority/country/ESP")
    based_in_flanders = set(g.subjects(SMH.basedIn, flanders))
    assert URIRef(f"{ID}organisation/imec") in based_in_flanders
    assert len(based_in_flanders) >= 25
    assert URIRef(f"{ID}organisation/health-house") in based_in_flanders
    assert g.value(URIRef(f"{ID}organisation/vlaio"), SMH.helixRole) == SMHV["helix-role/financing"]


def test_pilot_memberships(dataset):
    g = graph(dataset, STEMS[0])
    pilot = URIRef(f"{ID}initiative/smart-health-pilot")
    roles = {g.value(m, ORG.member): g.value(m, ORG.role) for m in g.subjects(ORG.organization, pilot)
             if g.value(m, ORG.member) and str(g.value(m, ORG.member)).startswith(f"{ID}region/")}
    assert len(roles) == 14
    assert roles[URIRef(f"{ID}region/BE2")] == SMHV["membership-role/co-lead"]
    assert roles[URIRef(f"{ID}region/ES24")] == SMHV["membership-role/observer"]
    assert roles[URIRef(f"{ID}region/NL33")] == SMHV["membership-role/prospective"]
    aragon = URIRef(f"{ID}membership/ES24--smart-health-pilot")
    assert g.value(aragon, SMH.period) == Literal("2026", datatype=URIRef(
        "http://www.w3.org/2001/XMLSchema#gYear"))


def test_negative_membership_has_fixed_negative_property_assertion(dataset):
    g = graph(dataset, STEMS[4])
    member = URIRef(f"{ID}membership/BE2--icpermed")
    assert g.value(member, SMH.isMember) == Literal(False)
    flanders, icpermed = URIRef(f"{ID}region/BE2"), URIRef(f"{ID}initiative/icpermed")
    assert (flanders, ORG.memberOf, icpermed) not in g
    assertions = list(g.subjects(OWL.sourceIndividual, flanders))
    targets = {g.value(a, OWL.targetIndividual) for a in assertions}
    assert icpermed in targets
    assert all(isinstance(a, BNode) for a in assertions)
    assert (flanders, ORG.memberOf, URIRef(f"{ID}initiative/errin")) in g
    positive = sum(1 for m in g.subjects(RDF.type, ORG.Membership) if g.value(m, SMH.isMember).toPython())
    negative = sum(1 for m in g.subjects(RDF.type, ORG.Membership) if not g.value(m, SMH.isMember).toPython())
    assert (positive, negative) == (10, 11)  # 9 from the yes/no flags, 1 co-lead (S3P4PM)


def test_profile_indicators(dataset):
    g = graph(dataset, STEMS[4])
    population = URIRef(f"{ID}observation/BE2--population--2019")
    assert g.value(population, SMH.numericValue).toPython() == 6596233
    share = URIRef(f"{ID}observation/BE2--share-over-65--undated")
    assert str(g.value(share, SMH.numericValue)) == "20.20"
    group = URIRef(f"{ID}observation/BE2--innovation-performance-group--2019")
    assert str(g.value(group, SMH.categoryValue)) == "Strong +"
    ratings = [o for o in g.subjects(RDF.type, SMH.IndicatorObservation)]
    assert len(ratings) == 11


def test_one_entity_one_iri_with_alt_labels(dataset):
    imec = URIRef(f"{ID}organisation/imec")
    alt = {str(o) for s, o in union(dataset, SKOS.altLabel) if s == imec}
    assert {"Imec", "IMEC"} <= alt
    graphs_with_imec = {str(c.identifier) for c in dataset.graphs() if (imec, RDF.type, None) in c}
    assert {f"{ID}graph/{STEMS[0]}", f"{ID}graph/{STEMS[3]}", f"{ID}graph/{STEMS[4]}"} <= graphs_with_imec
    labelled_imec = {s for s, o in union(dataset, RDFS.label) if str(o).casefold() == "imec"}
    assert labelled_imec == {imec}
    regmed = {s for s, o in union(dataset, SKOS.altLabel) if str(o) in {"Regmed XB", "RegMedXB", "RegMed-XB"}}
    assert regmed == {URIRef(f"{ID}organisation/regmed-xb")}


def test_regmed_xb_moonshots_stand_in_their_own_graphs(dataset):
    """000: "RegMed XB (Moonshots : eye, diabetes, osteoarthritis)"; 003: "moonshots gedefinieerd om
    nieuwe oplossingen voor patiënten met diabetes, nierziekten en artrose". One subject, one
    property, two graphs with different values; the organisation RegMed XB coordinates it."""
    regmed = URIRef(f"{ID}project/regmed-xb")

    def moonshots(stem):
        g = graph(dataset, stem)
        return {str(o).rsplit("/", 1)[-1] for o in g.objects(regmed, SMH.hasUseCase)
                if (o, RDF.type, SMH.Moonshot) in g}
    deck = moonshots(STEMS[0])
    note = moonshots(STEMS[3])
    assert {"regmed-xb-moonshot-eye", "regmed-xb-moonshot-diabetes", "regmed-xb-moonshot-osteoarthritis"} == deck
    assert {"regmed-xb-moonshot-diabetes", "regmed-xb-moonshot-kidney-disease",
            "regmed-xb-moonshot-osteoarthritis"} <= note
    assert "regmed-xb-moonshot-eye" not in note
    assert "regmed-xb-moonshot-kidney-disease" not in deck
    assert (regmed, RDF.type, SMH.DemoCase) in graph(dataset, STEMS[0])
    assert (regmed, RDF.type, SMH.Project) in graph(dataset, STEMS[3])
    for stem in (STEMS[0], STEMS[3]):
        assert graph(dataset, stem).value(regmed, SMH.coordinatedBy) == URIRef(f"{ID}organisation/regmed-xb")
    assert not {s for s, _ in union(dataset, RDF.type) if "regmed-xb-demo-case" in s or "regmed-xb-programme" in s}


def test_amounts_are_decimal_euro(dataset):
    g = graph(dataset, STEMS[3])
    granted = URIRef(f"{ID}funding/vlaio-icon-2019-granted")
    assert g.value(granted, SMH.amount).toPython() == 16100000
    assert g.value(granted, SMH.amount).datatype == URIRef("http://www.w3.org/2001/XMLSchema#decimal")
    assert str(g.value(granted, SMH.smeShare)) == "0.8"
    assert g.value(granted, SMH.currency) == URIRef(
        "http://publications.europa.eu/resource/authority/currency/EUR")
    assert g.value(URIRef(f"{ID}funding/fwo-fkm-maximum-per-mandate"), SMH.fundingKind) == SMHV[
        "funding-kind/maximum"]


def test_ontology_graph_is_included(dataset):
    ontology = dataset.graph(URIRef(ONTOLOGY_IRI))
    assert (URIRef(ONTOLOGY_IRI), RDF.type, OWL.Ontology) in ontology
    assert (SMHV["helix-role/business"], RDF.type, SKOS.Concept) in ontology


def test_no_email_address_in_any_output(built):
    for path in built.paths.values():
        assert not EMAIL.search(path.read_bytes()), path


def test_two_builds_are_byte_identical(built, tmp_path):
    second = build(Settings().with_build_dir(tmp_path))
    for fmt, path in built.paths.items():
        assert path.read_bytes() == second.paths[fmt].read_bytes(), fmt


def test_base_iri_is_configurable(tmp_path):
    from dataclasses import replace

    settings = replace(Settings(), base_iri="https://example.org/kg/").with_build_dir(tmp_path)
    report = build(settings)
    text = report.paths["nq"].read_text(encoding="utf-8")
    assert "<https://example.org/kg/region/BE2>" in text
    assert ID not in text


def _copy_inputs(root):
    source_root = Settings().root
    for folder in ("data/sources", "data/curated"):
        shutil.copytree(source_root / folder, root / folder)
    (root / "ontology").mkdir()
    for name in ("smart-health.ttl", "vocabularies.ttl"):
        if (source_root / "ontology" / name).exists():
            shutil.copy(source_root / "ontology" / name, root / "ontology" / name)
    return Settings(root=root)


def test_ensure_built_builds_only_when_inputs_changed(tmp_path):
    import os

    settings = _copy_inputs(tmp_path)
    path = ensure_built(settings)
    first = path.stat().st_mtime_ns
    assert ensure_built(settings) == path and path.stat().st_mtime_ns == first
    curated = settings.curated_dir / "entities.yaml"
    os.utime(curated, ns=(first + 5_000_000_000, first + 5_000_000_000))
    ensure_built(settings)
    assert path.stat().st_mtime_ns > first


def test_all_formats_hold_the_same_quads(built, dataset):
    from rdflib import Dataset, Graph

    expected = len(list(dataset.quads((None, None, None, None))))
    for fmt, parser in (("nq", "nquads"), ("jsonld", "json-ld")):
        other = Dataset()
        other.parse(built.paths[fmt], format=parser)
        assert len(list(other.quads((None, None, None, None)))) == expected, fmt
    union = Graph().parse(built.paths["ttl"], format="turtle")
    assert len(union) == len({(s, p, o) for s, p, o, _ in dataset.quads((None, None, None, None))})


def test_every_class_property_and_concept_the_data_uses_is_declared(dataset):
    from rdflib import Graph
    from rdflib.namespace import XSD

    settings = Settings()
    files = [settings.ontology_dir / name for name in
             ("smart-health.ttl", "vocabularies.ttl", "imports/external.ttl")]
    if not all(path.exists() for path in files):
        pytest.skip("the ontology files are not all there yet")
    ontology = Graph()
    for path in files:
        ontology.parse(path, format="turtle")
    declared = set(ontology.subjects())
    builtin = (str(RDF), str(RDFS), str(OWL), str(XSD), "http://qudt.org/vocab/unit/")
    undeclared = set()
    for s, p, o, g in dataset.quads((None, None, None, None)):
        if str(g) == ONTOLOGY_IRI:
            continue
        for term in [p] + ([o] if p == RDF.type or str(o).startswith(str(SMHV)) else []):
            if isinstance(term, URIRef) and not str(term).startswith((ID, *builtin)) and term not in declared:
                undeclared.add(str(term))
    assert not undeclared
