"""Dumps, VoID and DCAT-AP against a real server: the dumps hold the whole dataset, the descriptions
list them and pass the shipped shapes, PUBLIC_URL replaces the request's Host in every description."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
import requests
from pyshacl import validate
from rdflib import BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF

from rdf_media_types import RDFLIB_FORMAT_BY_MEDIA_TYPE
from server_process import start_server

VOID = Namespace("http://rdfs.org/ns/void#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
SHAPES = Path(__file__).resolve().parents[1] / "server" / "smarthealth" / "static" / "shapes" / "dataset-descriptions.shacl.ttl"
BASE = "https://w3id.org/smart-health/id/"
DUMPS = {"trig": "application/trig", "nq": "application/n-quads", "ttl": "text/turtle", "jsonld": "application/ld+json"}
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def _plain_quads(dataset: Dataset) -> set[tuple]:
    """Return the quads without blank nodes, typed literals compared by value (the store
    writes decimals in canonical form)."""
    quads = set()
    for s, p, o, g in dataset.quads((None, None, None, None)):
        if isinstance(s, BNode) or isinstance(o, BNode):
            continue
        if isinstance(o, Literal) and o.datatype is not None and not isinstance(o.toPython(), Literal):
            o = ("literal", str(o.datatype), o.toPython())
        quads.add((s, p, o, str(getattr(g, "identifier", g))))
    return quads


@pytest.fixture(scope="module")
def source_quads(built) -> set[tuple]:
    return _plain_quads(Dataset().parse(built.dataset_path, format="trig"))


@pytest.mark.parametrize("extension", sorted(DUMPS))
def test_each_dump_holds_the_whole_dataset(live_server, source_quads, extension):
    answer = requests.get(f"{live_server}/downloads/smart-health.{extension}", timeout=60)
    assert answer.status_code == 200, answer.text[:300]
    assert answer.headers["Content-Type"].split(";")[0] == DUMPS[extension]
    assert f'filename="smart-health.{extension}"' in answer.headers["Content-Disposition"]
    served = _plain_quads(Dataset().parse(data=answer.content, format=RDFLIB_FORMAT_BY_MEDIA_TYPE[DUMPS[extension]]))
    if extension == "ttl":  # the union: graph names are gone, every statement is there
        assert {q[:3] for q in served} == {q[:3] for q in source_quads}
    else:
        assert served == source_quads


def test_a_compressed_dump_is_the_same_file_gzipped(live_server):
    plain = requests.get(f"{live_server}/downloads/smart-health.nq", timeout=60).content
    packed = requests.get(f"{live_server}/downloads/smart-health.nq.gz", timeout=60)
    assert packed.headers["Content-Type"] == "application/gzip"
    assert "Content-Encoding" not in packed.headers
    assert gzip.decompress(packed.content) == plain


def test_an_unknown_dump_is_a_404_naming_the_formats(live_server):
    answer = requests.get(f"{live_server}/downloads/smart-health.xlsx", timeout=30)
    assert answer.status_code == 404 and "trig" in answer.text


@pytest.fixture(scope="module")
def void(live_server) -> Graph:
    answer = requests.get(f"{live_server}/.well-known/void", headers={"Accept": "text/turtle"}, timeout=60)
    assert answer.status_code == 200, answer.text
    return Graph().parse(data=answer.text, format="turtle")


def test_void_lists_dumps_endpoint_uri_space_and_examples_that_resolve(live_server, void):
    dataset = next(void.subjects(VOID.uriSpace, None))
    dumps = {str(o) for o in void.objects(dataset, VOID.dataDump)}
    assert {f"{live_server}/downloads/smart-health.{e}" for e in DUMPS} <= dumps
    assert str(void.value(dataset, VOID.sparqlEndpoint)) == f"{live_server}/sparql"
    assert str(void.value(dataset, VOID.uriSpace)) == BASE
    examples = [str(o) for o in void.objects(dataset, VOID.exampleResource)]
    assert BASE + "region/BE2" in examples
    for url in sorted(dumps)[:3]:
        head = requests.head(url, timeout=60)
        media_type = DUMPS.get(url.rsplit(".", 1)[-1], "application/gzip")
        assert head.status_code == 200 and head.headers["Content-Type"].startswith(media_type), head.headers
        assert int(head.headers["Content-Length"]) > 1000
    for example in examples:
        page = requests.get(f"{live_server}/id/{example[len(BASE):]}", headers={"Accept": "text/turtle"}, timeout=30)
        assert page.status_code == 200
        assert any(Graph().parse(data=page.text, format="turtle").predicate_objects(URIRef(example)))


@pytest.fixture(scope="module")
def dcat(live_server) -> Graph:
    answer = requests.get(f"{live_server}/dcat", headers={"Accept": "text/turtle"}, timeout=60)
    assert answer.status_code == 200, answer.text
    return Graph().parse(data=answer.text, format="turtle")


def test_dcat_has_one_distribution_per_dump_and_the_sources(live_server, dcat):
    dataset = next(dcat.subjects(RDF.type, DCAT.Dataset))
    downloads = {str(dcat.value(d, DCAT.downloadURL)) for d in dcat.objects(dataset, DCAT.distribution)}
    assert {f"{live_server}/downloads/smart-health.{e}{z}" for e in DUMPS for z in ("", ".gz")} == downloads
    sources = {str(o) for o in dcat.objects(dataset, DCTERMS.source)}
    assert len(sources) == 5 and all(s.startswith(BASE + "source/") for s in sources)
    assert dcat.value(dataset, DCTERMS.license) is not None
    assert (URIRef(f"{live_server}/sparql"), RDF.type, DCAT.DataService) in dcat


@pytest.mark.parametrize("description", ["void", "dcat"])
def test_descriptions_pass_the_shipped_shapes(request, description):
    conforms, _, report = validate(request.getfixturevalue(description), shacl_graph=str(SHAPES))
    assert conforms, report


@pytest.mark.parametrize(
    "description, remove, reason",
    [("void", VOID.dataDump, "void:dataDump"), ("dcat", DCTERMS.source, "source documents"),
     ("dcat", DCAT.distribution, "distribution")],
)
def test_shapes_fail_a_description_missing_what_they_require(request, description, remove, reason):
    graph = Graph()
    for triple in request.getfixturevalue(description):
        graph.add(triple)
    graph.remove((None, remove, None))
    conforms, _, report = validate(graph, shacl_graph=str(SHAPES))
    assert not conforms and reason in report


def test_the_shapes_are_served_with_the_descriptions(live_server):
    answer = requests.get(f"{live_server}/assets/shapes/dataset-descriptions.shacl.ttl", timeout=30)
    assert answer.status_code == 200
    assert len(Graph().parse(data=answer.text, format="turtle")) > 20


def test_home_page_links_open_as_pages_in_a_browser(live_server):
    home = requests.get(f"{live_server}/", headers={"Accept": BROWSER_ACCEPT}, timeout=30).text
    nav = home[home.index('<nav aria-label="Site">'):home.index("</nav>")]
    targets = [part.split('"', 1)[0] for part in nav.split('href="')[1:]]
    assert {"ontology", "downloads", "api/docs", "about", "about#sparql-endpoint", "browse"} <= set(targets)
    for target in targets:
        answer = requests.get(f"{live_server}/{target}", headers={"Accept": BROWSER_ACCEPT}, timeout=60)
        assert answer.status_code == 200, target
        assert answer.headers["Content-Type"].startswith("text/html"), f"{target} would be downloaded"
        assert answer.url.split("#")[0] != f"{live_server}/", f"{target} leads back to the home page"


def test_void_asked_by_a_browser_is_the_about_page(live_server):
    answer = requests.get(f"{live_server}/.well-known/void", headers={"Accept": BROWSER_ACCEPT}, timeout=30)
    assert answer.url == f"{live_server}/about" and answer.headers["Content-Type"].startswith("text/html")


def test_public_url_replaces_a_forged_host_in_every_description(built):
    public = "https://kg.example.org/smart-health"
    with start_server(["--data", str(built.dataset_path)], env={"SMARTHEALTH_PUBLIC_URL": public}) as server:
        forged = {"Host": "attacker.example:666", "Accept": "text/turtle"}
        for path in ("/sparql", "/.well-known/void", "/dcat"):
            answer = requests.get(f"{server.base_url}{path}", headers=forged, timeout=60)
            assert answer.status_code == 200, answer.text
            assert "attacker.example" not in answer.text, path
            assert f"{public}/sparql" in answer.text, path
        void = Graph().parse(data=requests.get(f"{server.base_url}/.well-known/void", headers=forged, timeout=60).text,
                             format="turtle")
        assert f"{public}/downloads/smart-health.trig" in {str(o) for o in void.objects(None, VOID.dataDump)}
