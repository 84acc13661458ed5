"""EU-funded projects of the pilot's organisations (CORDIS / EURIO), tried as users do: reconcile with
`smarthealth align --target cordis` on a CORDIS-shaped stand-in, review, serve the graph with the
accepted links, and ask queries/federation-projects through the API, the query page and /sparql. The
stand-in records are test fixtures (tests/fixtures/federation/cordis-shaped.ttl): no public copy of a
CORDIS record of one of our organisations was found. The real records of data/reference/ check the
query's SERVICE group against the shape CORDIS publishes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time

import pyoxigraph as ox
import pytest
import requests
import yaml
from rdflib import Dataset, URIRef

from federation_standin import ROOT, answer_rows, expected_rows, oxigraph_serve
from server_process import start_server
from smarthealth.config import Settings
from smarthealth.federation.service_values import _blank_comments_and_strings, _group_after, fill_service_values
from smarthealth.population.iris import Iris
from smarthealth.population.links import links_graph, load_links
from smarthealth.saved.catalog import find_query, load_catalog

SETTINGS = Settings()
BASE = SETTINGS.base_iri
CORDIS_SHAPED = ROOT / "tests" / "fixtures" / "federation" / "cordis-shaped.ttl"
CORDIS_REFERENCE = ROOT / "data" / "reference" / "cordis-957189-big-map.ttl"
STAND_IN = "http://stand-in.test/cordis/"
JSON = {"Accept": "application/sparql-results+json"}
ACCEPTED = {"O1": "organisation/ku-leuven", "O2": "organisation/ugent", "O4": "organisation/imec"}


@pytest.fixture(scope="module")
def cordis_standin():
    with oxigraph_serve([CORDIS_SHAPED]) as server:
        yield server


@pytest.fixture(scope="module")
def reference_standin():
    with oxigraph_serve([CORDIS_REFERENCE]) as server:
        yield server


@pytest.fixture(scope="module")
def review(built, cordis_standin, tmp_path_factory):
    """Run `smarthealth align --target cordis` on the stand-in; return the review file's content."""
    out = tmp_path_factory.mktemp("review") / "align-cordis.yaml"
    command = [sys.executable, "-m", "smarthealth", "align", "--target", "cordis", "--kind", "organisation",
               "--data", str(built.dataset_path), "--endpoint", cordis_standin.query_url, "--out", str(out)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(out.read_text(encoding="utf-8")), result.stdout


@pytest.fixture(scope="module")
def linked_dataset(built, review, tmp_path_factory):
    """The built graph plus the links a reviewer accepted from the review file (a TriG file)."""
    document, _ = review
    for entry in document["candidates"]:
        key = entry["target"].removeprefix(STAND_IN)
        entry["decision"] = "accepted" if ACCEPTED.get(key) == entry["entity"] else "rejected"
        entry["reviewed_by"], entry["reviewed_on"] = "test reviewer", "2026-11-26"
    folder = tmp_path_factory.mktemp("linked")
    reviewed = folder / "links.yaml"
    reviewed.write_text(yaml.safe_dump({"links": document["candidates"]}), encoding="utf-8")
    subjects = {URIRef(f"{BASE}{key}") for key in ACCEPTED.values()}
    graph = links_graph(load_links(reviewed), Iris(BASE), subjects)
    dataset = Dataset()
    dataset.parse(built.dataset_path, format="trig")
    named = dataset.graph(URIRef(f"{BASE}graph/test-reviewed-cordis-links"))
    for triple in graph:
        named.add(triple)
    path = folder / "linked.trig"
    dataset.serialize(path, format="trig")
    return path


@pytest.fixture(scope="module")
def server(linked_dataset, cordis_standin, reference_standin):
    args = ["--data", str(linked_dataset), "--allow-service", cordis_standin.query_url,
            "--allow-service", reference_standin.query_url]
    # The page sends its three completion queries as it opens; on a loaded machine one of them can
    # wait past the 2 s a client's further query may wait (429). One page is one user here.
    with start_server(args, env={"SMARTHEALTH_MAX_QUERIES_PER_CLIENT": "4"}) as process:
        yield process


def _expected(dataset_path, remote_files) -> set[tuple]:
    """What the query must give: our graph and the remote files joined locally (no SERVICE, no VALUES filling)."""
    return expected_rows(dataset_path, "federation-projects", remote_files, base_iri=BASE,
                         queries_dir=SETTINGS.queries_dir, drop_empty_values=True)


def test_align_proposes_cordis_organisations_by_legal_name_with_their_country(review):
    document, stdout = review
    assert document["run"]["target"] == "cordis"
    found = {(c["entity"], c["target"].removeprefix(STAND_IN)): c["evidence"] for c in document["candidates"]}
    assert set(found) == {("organisation/ku-leuven", "O1"), ("organisation/ku-leuven", "O3"),
                          ("organisation/ugent", "O2"), ("organisation/imec", "O4")}
    leuven = found[("organisation/ku-leuven", "O1")]
    assert (leuven["matched_label"], leuven["matched_property"], leuven["country"], leuven["score"]) == \
        ("KU LEUVEN", "eurio:legalName", "BEL", 1.0)
    assert (found[("organisation/ku-leuven", "O3")]["country"], found[("organisation/ku-leuven", "O3")]["score"]) == \
        ("USA", 0.5)  # the same legal name in another country
    assert all(c["decision"] == "pending" for c in document["candidates"])
    assert "4 candidates for 3 of" in stdout


def test_projects_of_the_linked_organisations_through_the_api(server, cordis_standin, linked_dataset):
    started = time.perf_counter()
    answer = requests.get(f"{server.base_url}/api/queries/federation-projects",
                          params={"endpoint": cordis_standin.query_url}, headers=JSON, timeout=60)
    elapsed = time.perf_counter() - started
    assert answer.status_code == 200, answer.text
    rows = answer_rows(answer.json())
    assert rows == _expected(linked_dataset, [CORDIS_SHAPED])
    table = {(row["organisation"].removeprefix(BASE), row["grantId"], row["role"])
             for row in (dict(zip(answer.json()["head"]["vars"], r)) for r in rows)}
    # From the fixture's text: O1 coordinates P1 and takes part in P2, O2 in P1, O4 in P2; O3 (rejected) and O5 none.
    assert table == {("organisation/ku-leuven", "900001", "coordinator"), ("organisation/ku-leuven", "900002", "participant"),
                     ("organisation/ugent", "900001", "participant"), ("organisation/imec", "900002", "participant")}
    print(f"\nfederation-projects via API against the CORDIS-shaped stand-in: {len(rows)} rows in {elapsed:.2f} s")


def test_the_service_group_carries_only_the_linked_organisations(server, cordis_standin):
    text = requests.get(f"{server.base_url}/api/queries/federation-projects/sparql",
                        params={"endpoint": cordis_standin.query_url}, timeout=30).text
    sent = re.search(r"VALUES \?eurioOrganisation \{([^}]*)\}", text).group(1).split()
    assert {iri for iri in sent if iri.startswith(f"<{STAND_IN}")} == {f"<{STAND_IN}{key}>" for key in ACCEPTED}
    assert f"<{STAND_IN}O3>" not in sent  # rejected in review: never asked about
    direct = requests.post(server.sparql_url, data={"query": text}, headers=JSON, timeout=60)
    api = requests.get(f"{server.base_url}/api/queries/federation-projects",
                       params={"endpoint": cordis_standin.query_url}, headers=JSON, timeout=60)
    assert answer_rows(direct.json()) == answer_rows(api.json()) and len(answer_rows(api.json())) == 4


def test_the_service_group_reads_the_real_cordis_records_as_published(reference_standin):
    """Run the query's SERVICE group on the real records (asking about every organisation they hold)."""
    text = find_query(load_catalog(SETTINGS.queries_dir), "federation-projects").text
    code = _blank_comments_and_strings(text)
    start, end = _group_after(code, re.search(r"\bSERVICE\b", code).end())
    prefixes = "\n".join(line for line in text.splitlines() if line.startswith("PREFIX"))
    store = ox.Store()
    store.bulk_load(path=str(CORDIS_REFERENCE), format=ox.RdfFormat.TURTLE)
    organisations = [row["o"] for row in store.query("SELECT ?o WHERE { ?o a <http://data.europa.eu/s66#Organisation> }")]
    filled = fill_service_values(f"SELECT * WHERE {{ SERVICE <http://x.test/> {text[start:end]} }}", lambda _: organisations)
    group = filled.replace("SERVICE <http://x.test/>", "")
    answer = requests.post(reference_standin.query_url, data=f"{prefixes}\n{group}".encode(), timeout=30, headers={
        "Content-Type": "application/sparql-query", **JSON})
    assert answer.status_code == 200, answer.text
    rows = [{k: v["value"] for k, v in row.items()} for row in answer.json()["results"]["bindings"]]
    # What the snapshot's text holds: 7 roles in project 957189, one coordinator.
    assert len(rows) == 7 and {row["grantId"] for row in rows} == {"957189"}
    assert {(row["legalName"], row["role"]) for row in rows if row["role"] != "participant"} == {
        ("DANMARKS TEKNISKE UNIVERSITET", "coordinator"), ("RHODIA OPERATIONS", "thirdParty")}
    assert {row["title"] for row in rows} == {"Battery Interface Genome - Materials Acceleration Platform"}
    assert {(row["startDate"], row["endDate"]) for row in rows} == {("2020-09-01", "2024-02-29")}


def test_the_committed_graph_has_no_cordis_link_so_the_real_records_join_to_nothing(built, reference_standin):
    """No reviewed link names a CORDIS organisation (none of ours was found in a public copy): the answer is empty."""
    reviewed = load_links(SETTINGS.curated_dir / "links.yaml")
    assert not [link for link in reviewed if link.target.startswith("http://data.europa.eu/s66/")]
    assert _expected(built.dataset_path, [CORDIS_REFERENCE]) == set()


def test_the_query_page_asks_and_runs_the_federated_projects_question(browser, server, cordis_standin):
    browser.open(f"{server.base_url}/")
    browser.wait_for("window.smarthealthQueryPage && document.querySelector('.yasqe')")
    browser.evaluate("window.smarthealthQueryPage.openSavedQuery('federation-projects')")
    text = browser.evaluate("window.smarthealthQueryPage.yasgui.getTab().getYasqe().getValue()")
    assert "SERVICE <https://cordis.europa.eu/datalab/sparql>" in text and f"<{STAND_IN}O1>" in text
    browser.evaluate(f"document.querySelector('#question-fields [name=endpoint]').value = {json.dumps(cordis_standin.query_url)}")
    asked = browser.evaluate("window.smarthealthQueryPage.runQuestion().then(j => j && j.results.bindings)")
    api = requests.get(f"{server.base_url}/api/queries/federation-projects",
                       params={"endpoint": cordis_standin.query_url}, headers=JSON, timeout=60).json()
    assert asked == api["results"]["bindings"] and len(asked) == 4
    browser.screenshot("query-page-federation-projects-asked")
    browser.evaluate("window.smarthealthQueryPage.yasgui.getTab().getYasr().results = null")
    browser.evaluate("window.smarthealthQueryPage.yasgui.getTab().getYasqe().query().then(() => true)")
    browser.wait_for("window.smarthealthQueryPage.yasgui.getTab().getYasr().results", timeout_s=30)
    shown = browser.evaluate("window.smarthealthQueryPage.yasgui.getTab().getYasr().results.getBindings()")
    assert answer_rows({"head": {"vars": api["head"]["vars"]}, "results": {"bindings": shown}}) == answer_rows(api)
    browser.screenshot("query-page-federation-projects-editor-run")
    assert browser.console_errors() == []
