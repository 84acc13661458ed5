"""Federation, tried as users do: a real ``oxigraph serve`` stand-in loaded with data/reference, a real
``smarthealth serve`` with the allow-list, federated saved queries through the API and /sparql, and a
partner store federating into our endpoint."""

from __future__ import annotations

import http.server
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF

from federation_standin import REFERENCE, Canary, WIKIDATA_SHAPED, answer_rows, expected_rows, oxigraph_serve
from server_process import free_port, http_endpoint_in_thread, start_server
from smarthealth.config import Settings
from smarthealth.saved.binding import bind
from smarthealth.saved.catalog import find_query, load_catalog

SETTINGS = Settings()
SD = "http://www.w3.org/ns/sparql-service-description#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SMH = "https://w3id.org/smart-health/ontology#"
SERVICE_TIMEOUT_S = 3


class Silent(http.server.BaseHTTPRequestHandler):
    """An endpoint that reads the request and never answers within the time limit."""

    def do_POST(self):
        self.server.hits += 1
        time.sleep(30)

    do_GET = do_POST

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def standin():
    """The stand-in EU endpoint: ``oxigraph serve`` with the reference snapshot."""
    assert REFERENCE, "data/reference holds no Turtle snapshot"
    with oxigraph_serve(REFERENCE) as server:
        yield server


@pytest.fixture(scope="module")
def wikidata_file() -> Path:
    return WIKIDATA_SHAPED


@pytest.fixture(scope="module")
def wikidata_standin(wikidata_file):
    with oxigraph_serve([wikidata_file]) as server:
        yield server


@pytest.fixture(scope="module")
def silent():
    with http_endpoint_in_thread(Silent, hits=0) as url:
        yield url


@pytest.fixture(scope="module")
def down_url():
    return f"http://127.0.0.1:{free_port()}/sparql"  # nothing listens there


@pytest.fixture(scope="module")
def server(built, standin, wikidata_standin, silent, down_url):
    """Our endpoint, allowing the stand-ins (one written another way), a closed port and a silent endpoint."""
    written_otherwise = standin.query_url.replace("http://", "HTTP://") + "/"
    args = ["--data", str(built.dataset_path), "--allow-service", written_otherwise,
            "--allow-service", wikidata_standin.query_url, "--allow-service", down_url, "--allow-service", silent]
    with start_server(args, env={"SMARTHEALTH_SERVICE_TIMEOUT": str(SERVICE_TIMEOUT_S)}) as process:
        yield process


def _rows(answer: dict) -> set[tuple]:
    return answer_rows(answer)


def _expected_rows(built, name: str, remote_files: list[Path]) -> set[tuple]:
    """Join the built graph with the remote data locally (one store, no SERVICE): what the federation must give."""
    return expected_rows(built.dataset_path, name, remote_files, base_iri=SETTINGS.base_iri,
                         queries_dir=SETTINGS.queries_dir)


def _expected_region_rows(built) -> set[tuple]:
    return _expected_rows(built, "federation-regions", REFERENCE)


def test_federated_region_query_through_the_api_joins_our_graph_with_the_snapshot(server, standin, built):
    started = time.perf_counter()
    answer = requests.get(f"{server.base_url}/api/queries/federation-regions",
                          params={"endpoint": standin.query_url}, headers={"Accept": "application/sparql-results+json"},
                          timeout=30)
    elapsed = time.perf_counter() - started
    assert answer.status_code == 200, answer.text
    rows = _rows(answer.json())
    expected = _expected_region_rows(built)
    assert rows == expected
    by_code = {row[2]: row for row in rows}
    # Spot checks against the snapshot text itself, so that an empty join cannot pass.
    variables = answer.json()["head"]["vars"]
    name, parent = variables.index("officialName"), variables.index("parentCode")
    assert by_code["BE2"][name] == "Vlaams Gewest" and by_code["BE2"][parent] == "BE"
    assert by_code["FI1D"][name] == "Pohjois- ja Itä-Suomi" and by_code["FI1D"][parent] == "FI1"
    assert len(rows) == 12
    # Question 14's columns: the NUTS IRI of the code, the region instance, the country authority IRI.
    table = [dict(zip(answer.json()["head"]["vars"], row)) for row in rows]
    for row in table:
        assert row["nutsRegion"] == f"http://data.europa.eu/nuts/code/{row['nutsCode']}"
        assert row["region"] == f"{SETTINGS.base_iri.rstrip('/')}/region/{row['nutsCode']}"
        assert row["country"].startswith("http://publications.europa.eu/resource/authority/country/")
    countries = {row["nutsCode"]: row["country"].rsplit("/", 1)[-1] for row in table}
    assert countries["BE2"] == "BEL" and countries["NL4"] == "NLD" and countries["ES24"] == "ESP"
    print(f"\nfederation-regions via API against the stand-in: {len(rows)} rows in {elapsed:.2f} s")


def test_federated_country_query_names_the_pilot_countries_as_the_country_table_does(server, standin, built):
    started = time.perf_counter()
    answer = requests.get(f"{server.base_url}/api/queries/federation-countries", params={"endpoint": standin.query_url},
                          headers={"Accept": "application/sparql-results+json"}, timeout=30)
    elapsed = time.perf_counter() - started
    assert answer.status_code == 200, answer.text
    rows = _rows(answer.json())
    assert rows == _expected_rows(built, "federation-countries", REFERENCE)
    table = [dict(zip(answer.json()["head"]["vars"], row)) for row in rows]
    # What the snapshot holds, read from its text: the pilot's eight countries, four languages each.
    assert {row["code"] for row in table} == {"BEL", "DEU", "ESP", "FIN", "ITA", "NLD", "ROU", "SVN"}
    assert len(rows) == 32 and {row["language"] for row in table} == {"de", "en", "fr", "nl"}
    names = {(row["code"], row["language"]): row["name"] for row in table}
    assert names[("BEL", "nl")] == "België" and names[("SVN", "fr")] == "Slovénie"
    assert {row["regions"] for row in table if row["code"] == "BEL"} == {"2"}  # Flanders, Wallonia
    for row in table:
        assert row["country"] == f"http://publications.europa.eu/resource/authority/country/{row['code']}"
    print(f"\nfederation-countries via API against the stand-in: {len(rows)} rows in {elapsed:.2f} s")


def test_federated_organisation_query_joins_reviewed_links_with_wikidata_shaped_items(
        server, wikidata_standin, wikidata_file, built):
    started = time.perf_counter()
    answer = requests.get(f"{server.base_url}/api/queries/federation-organisations",
                          params={"endpoint": wikidata_standin.query_url},
                          headers={"Accept": "application/sparql-results+json"}, timeout=30)
    elapsed = time.perf_counter() - started
    assert answer.status_code == 200, answer.text
    rows = _rows(answer.json())
    assert rows == _expected_rows(built, "federation-organisations", [wikidata_file])
    table = {row[0].rsplit("/", 1)[-1]: dict(zip(answer.json()["head"]["vars"], row)) for row in rows}
    assert set(table) == {"ku-leuven", "ugent"}  # X1 has KU Leuven's ROR ID but another country
    assert table["ku-leuven"]["item"] == "http://stand-in.test/entity/K1"
    assert table["ku-leuven"]["website"] == "http://stand-in.test/site/k1"
    assert table["ku-leuven"]["coordinates"] == "Point(4.7 50.88)"
    assert table["ugent"]["ror"] == "https://ror.org/00cv9y106" and table["ugent"]["website"] is None
    print(f"\nfederation-organisations via API against the stand-in: {len(rows)} rows in {elapsed:.2f} s")


def test_the_same_query_through_sparql_gives_the_same_rows(server, standin):
    query = find_query(load_catalog(SETTINGS.queries_dir), "federation-regions")
    sparql = bind(query, {"endpoint": standin.query_url}, base_iri=SETTINGS.base_iri, service_allowlist=None).sparql
    started = time.perf_counter()
    answer = requests.post(server.sparql_url, data={"query": sparql},
                           headers={"Accept": "application/sparql-results+json"}, timeout=30)
    elapsed = time.perf_counter() - started
    assert answer.status_code == 200, answer.text
    api = requests.get(f"{server.base_url}/api/queries/federation-regions", params={"endpoint": standin.query_url},
                       headers={"Accept": "application/sparql-results+json"}, timeout=30)
    assert _rows(answer.json()) == _rows(api.json()) and len(_rows(api.json())) == 12
    print(f"\nfederation-regions via /sparql against the stand-in: {len(_rows(answer.json()))} rows in {elapsed:.2f} s")


def test_an_endpoint_not_on_the_allowlist_is_refused_and_never_contacted(server):
    seen: list[str] = []
    with http_endpoint_in_thread(Canary, seen=seen) as canary_url:
        api = requests.get(f"{server.base_url}/api/queries/federation-regions",
                           params={"endpoint": canary_url}, timeout=30)
        assert api.status_code == 400, api.text
        assert "allow-list" in api.json()["error"] and canary_url in api.json()["error"]
        direct = requests.post(server.sparql_url, timeout=30,
                               data={"query": f"SELECT * WHERE {{ SERVICE <{canary_url}> {{ ?s ?p ?o }} }}"})
        assert direct.status_code == 400, direct.text
        assert canary_url in direct.text
        # The default (the public EU endpoint) is not allow-listed here either: refused, no network.
        default = requests.get(f"{server.base_url}/api/queries/federation-regions", timeout=30)
        assert default.status_code == 400 and "publications.europa.eu" in default.json()["error"]
        assert seen == []
        requests.get(canary_url, timeout=5)  # the canary does count what reaches it
        assert seen == ["/sparql"]


def test_a_stand_in_that_is_down_gives_502_in_bounded_time(server, down_url):
    started = time.perf_counter()
    answer = requests.get(f"{server.base_url}/api/queries/federation-regions",
                          params={"endpoint": down_url}, timeout=30)
    elapsed = time.perf_counter() - started
    assert answer.status_code == 502, answer.text
    assert answer.json()["error"] == f"SERVICE <{down_url}>: the SERVICE endpoint did not give a usable answer"
    assert elapsed < SERVICE_TIMEOUT_S + 5


def test_a_silent_endpoint_is_stopped_at_the_service_time_limit(server, silent):
    started = time.perf_counter()
    answer = requests.post(server.sparql_url, timeout=60,
                           data={"query": f"SELECT * WHERE {{ SERVICE <{silent}> {{ ?s ?p ?o }} }}"})
    elapsed = time.perf_counter() - started
    assert answer.status_code == 503, answer.text
    assert f"{SERVICE_TIMEOUT_S:g} s" in answer.text
    assert SERVICE_TIMEOUT_S - 0.5 < elapsed < SERVICE_TIMEOUT_S + 8


def test_the_service_description_lists_the_allowlist(server, standin, down_url):
    answer = requests.get(server.sparql_url, headers={"Accept": "text/turtle"}, timeout=30)
    assert answer.status_code == 200, answer.text
    graph = Graph().parse(data=answer.text, format="turtle")
    allowed = {str(o) for o in graph.objects(None, DCTERMS.relation)}
    assert standin.query_url in allowed and down_url in allowed  # normalised: lower-case, no trailing slash
    for iri in allowed:
        assert (URIRef(iri), RDF.type, URIRef(SD + "Service")) in graph
    assert (None, URIRef(SD + "feature"), URIRef(SD + "BasicFederatedQuery")) in graph


def test_a_partner_store_federates_into_our_endpoint_with_values_bindings(server, built):
    codes = ["BE2", "NL2", "ITH5"]
    values = " ".join(f'"{code}"' for code in codes)
    federated = f"""
        PREFIX smh: <{SMH}>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?code ?region ?label WHERE {{
          VALUES ?code {{ {values} }}
          SERVICE <{server.sparql_url}> {{
            VALUES ?code {{ {values} }}
            ?region smh:nutsCode ?code ; rdfs:label ?label .
            FILTER(langMatches(lang(?label), "en"))
          }}
        }}"""
    with oxigraph_serve([]) as partner:
        started = time.perf_counter()
        answer = requests.post(partner.query_url, data=federated.encode(), timeout=60, headers={
            "Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"})
        elapsed = time.perf_counter() - started
    assert answer.status_code == 200, answer.text
    rows = _rows(answer.json())
    store = ox.Store()
    store.bulk_load(path=str(built.dataset_path), format=ox.RdfFormat.TRIG)
    local = store.query(federated.replace(f"SERVICE <{server.sparql_url}>", ""), use_default_graph_as_union=True)
    expected = {tuple(s[v].value for v in ("code", "region", "label")) for s in local}
    assert rows == expected and {row[0] for row in rows} == set(codes)
    print(f"\npartner oxigraph SERVICE <our /sparql>: {len(rows)} rows in {elapsed:.2f} s")
