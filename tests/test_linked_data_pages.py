"""Entity pages, class indexes and search, read the way a person reads them (real server, HTML parsed)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
import requests
from rdflib import Dataset, URIRef
from rdflib.namespace import RDF

BASE = "https://w3id.org/smart-health/id/"
OA_EXACT = URIRef("http://www.w3.org/ns/oa#exact")


class Page(HTMLParser):
    """The links, headings, quotations and text of a page."""

    def __init__(self, text: str):
        super().__init__()
        self.links: list[dict] = []
        self.headings: list[str] = []
        self.quotes: list[str] = []
        self.text_parts: list[str] = []
        self._stack: list[str] = []
        self._link: dict | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self._stack.append(tag)
        if tag == "a":
            self._link = {**dict(attrs), "text": ""}
            self.links.append(self._link)
        if tag in ("h1", "h2", "h3"):
            self.headings.append("")
        if tag == "blockquote":
            self.quotes.append("")

    def handle_endtag(self, tag):
        if self._stack and self._stack[-1] == tag:
            self._stack.pop()
        if tag == "a":
            self._link = None

    def handle_data(self, data):
        self.text_parts.append(data)
        if self._link is not None:
            self._link["text"] += data
        if any(tag in ("h1", "h2", "h3") for tag in self._stack) and self.headings:
            self.headings[-1] += data
        if "blockquote" in self._stack:
            self.quotes[-1] += data

    @property
    def text(self) -> str:
        return re.sub(r"\s+", " ", " ".join(self.text_parts))


def page(live_server, path: str, **params) -> Page:
    answer = requests.get(f"{live_server}{path}", params=params, timeout=30)
    assert answer.status_code == 200, answer.text[:500]
    assert answer.headers["Content-Type"].startswith("text/html")
    return Page(answer.text)


@pytest.fixture(scope="module")
def flanders(live_server) -> Page:
    return page(live_server, "/id/region/BE2")


@pytest.fixture(scope="module")
def source(built) -> Dataset:
    return Dataset().parse(built.dataset_path, format="trig")


def test_entity_page_has_title_dutch_name_type_and_groups(flanders):
    assert flanders.headings[0].strip() == "Flanders"
    assert "Dutch: Vlaanderen" in flanders.text
    for heading in ("According to", "Where", "Memberships and partners", "Indicators"):
        assert heading in [h.strip() for h in flanders.headings], heading


def test_a_dutch_name_written_as_the_title_is_not_repeated(live_server):
    named_in_dutch = page(live_server, "/id/programme/fwo-fkm")  # 003 names it in Dutch only
    assert named_in_dutch.headings[0].strip() == "Fundamenteel Klinische Mandaten (FKM)"
    assert "Dutch:" not in named_in_dutch.text


def test_sources_are_document_titles_with_verbatim_quotes_on_demand(flanders, source):
    assert "Framework note on research and" in flanders.text
    assert not re.search(r"\b00[0-4]_[0-9a-f]{16}\b", flanders.text), "a source is shown by its hash"
    exact = {str(o) for _, _, o, _ in source.quads((None, OA_EXACT, None, None))}
    assert flanders.quotes, "no quotation on the page"
    for quote in flanders.quotes[:20]:
        assert quote in exact, f"a quotation on the page is not verbatim from a source: {quote[:80]!r}"


def test_own_iris_link_to_local_pages_and_authority_iris_are_marked_external(flanders):
    hrefs = [link.get("href", "") for link in flanders.links]
    assert not [href for href in hrefs if href.startswith("https://w3id.org/smart-health/")], "an own IRI links off-site"
    nuts = [link for link in flanders.links if link.get("href") == "http://data.europa.eu/nuts/code/BE2"]
    assert nuts and all("external" in link.get("class", "") for link in nuts)
    assert any(link.get("href") == "/id/organisation/imec" for link in flanders.links)


def test_a_negative_membership_is_shown_as_not_a_member(flanders):
    assert "NOT a member (the source says no)" in flanders.text


def test_disagreeing_sources_are_side_by_side(live_server):
    regmed = page(live_server, "/id/project/regmed-xb")
    assert "Where the documents disagree" in [h.strip() for h in regmed.headings]
    answer = requests.get(f"{live_server}/doc/project/regmed-xb.html", timeout=30).text
    table = answer[answer.index('class="side-by-side"'):answer.index("</table>")]
    assert "Smart Health Pilot Meeting: 2025 Results and 2026 Outlook" in table
    assert "Framework note on research and innovation in health and care" in table
    assert "RegMed XB eye moonshot" in table and "RegMed XB kidney disease moonshot" in table


def test_class_index_lists_every_region_with_links_to_their_pages(live_server, source):
    browse = page(live_server, "/browse")
    assert any(link.get("href") == "/browse/Region" for link in browse.links)
    regions = page(live_server, "/browse/Region")
    region_type = URIRef("https://w3id.org/smart-health/ontology#Region")
    expected = {str(s) for s, _, _, _ in source.quads((None, RDF.type, region_type, None))}
    linked = {BASE + link["href"][len("/id/"):] for link in regions.links if link.get("href", "").startswith("/id/region/")}
    assert linked == expected


def test_organisations_are_grouped_by_their_kind(live_server):
    organisations = page(live_server, "/browse/Organisation")
    headings = " ".join(organisations.headings)
    for kind in ("company", "university", "hospital", "cluster"):
        assert kind in headings.lower(), kind


@pytest.mark.parametrize("words, expected", [("vlaanderen", "/id/region/BE2"), ("IMEC", "/id/organisation/imec"),
                                               ("s3p4pm", "/id/initiative/s3p4pm")])
def test_search_finds_labels_and_alternative_names_in_both_languages(live_server, words, expected):
    results = page(live_server, "/search", q=words)
    assert expected in [link.get("href") for link in results.links]


def test_search_takes_any_text_as_a_value(live_server):
    results = page(live_server, "/search", q='") } <script>')
    assert "Nothing is named like" in results.text
    assert page(live_server, "/search").text.count("Type part of a name") == 1


def test_an_unknown_class_is_a_404(live_server):
    assert requests.get(f"{live_server}/browse/NoSuchClass", timeout=30).status_code == 404


def test_saved_query_tables_link_iris_to_this_servers_pages(live_server):
    table = page(live_server, "/api/queries/pilot-regions", format="html")
    hrefs = [link.get("href", "") for link in table.links]
    assert any(href.startswith("/id/region/") for href in hrefs)
    assert not [href for href in hrefs if href.startswith("https://w3id.org/smart-health/")]
    titles = [link.get("title", "") for link in table.links if link.get("href", "").startswith("/id/")]
    assert all(title.startswith(BASE) for title in titles), "the full IRI stays visible as the link's title"


@pytest.mark.parametrize("path", ["/doc/region/BE2.html", "/browse", "/ontology", "/downloads"])
def test_pages_load_nothing_from_other_hosts(live_server, path):
    answer = requests.get(f"{live_server}{path}", timeout=30)
    policy = answer.headers.get("Content-Security-Policy", "")
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert not re.search(r'(src|href)="https?://(?!127\.0\.0\.1)[^"]*\.(js|css)"', answer.text)
