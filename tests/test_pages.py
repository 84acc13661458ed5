"""The query page of a real server: served, self-contained (no CDN), lists every saved query."""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests

import smarthealth
from smarthealth.federation.endpoints import endpoint_parameter, text_with_endpoint
from smarthealth.saved.catalog import load_catalog

STATIC_DIR = Path(smarthealth.__file__).resolve().parent / "static"


class PageParts(HTMLParser):
    """Collect what a page loads (scripts, stylesheets, images) and its saved-query buttons."""

    def __init__(self):
        super().__init__()
        self.scripts: list[dict] = []
        self.links: list[dict] = []
        self.loaded_urls: list[str] = []
        self.query_buttons: list[str] = []
        self._in_json_script = False
        self.json_blocks: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            self.scripts.append(attributes)
            if attributes.get("src"):
                self.loaded_urls.append(attributes["src"])
            self._in_json_script = attributes.get("type") == "application/json"
        elif tag == "link":
            self.links.append(attributes)
            if attributes.get("href"):
                self.loaded_urls.append(attributes["href"])
        elif tag in ("img", "iframe", "source", "audio", "video") and attributes.get("src"):
            self.loaded_urls.append(attributes["src"])
        if attributes.get("data-query-name"):
            self.query_buttons.append(attributes["data-query-name"])

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_json_script = False

    def handle_data(self, data):
        if self._in_json_script:
            self.json_blocks.append(data)


@pytest.fixture(scope="module")
def page(live_server):
    answer = requests.get(f"{live_server}/", timeout=30)
    return answer


@pytest.fixture(scope="module")
def parts(page):
    parser = PageParts()
    parser.feed(page.text)
    return parser


@pytest.fixture(scope="module")
def catalog(settings):
    return load_catalog(settings.queries_dir)


def test_page_is_served_as_html(page):
    assert page.status_code == 200, page.text
    assert page.headers["Content-Type"].startswith("text/html")
    assert "<title>" in page.text and "SPARQL" in page.text
    assert "default-src 'self'" in page.headers.get("Content-Security-Policy", "")


def test_page_loads_yasgui_from_this_server_only(page, parts, live_server):
    assert any("yasgui.min.js" in url for url in parts.loaded_urls)
    assert any("yasgui.min.css" in url for url in parts.loaded_urls)
    server_host = urlsplit(live_server).netloc
    for url in parts.loaded_urls:
        if url.startswith("data:"):
            continue  # inline content (the empty favicon), fetched from nowhere
        # Relative URLs, so the page also works behind a proxy that adds a path prefix.
        assert not url.startswith("/"), f"{url} is absolute; use a relative URL"
        resolved = urlsplit(urljoin(f"{live_server}/", url))
        assert resolved.netloc == server_host, f"{url} loads from another host"
    for script in parts.scripts:
        assert script.get("src") or script.get("type") == "application/json", (
            "inline executable script (the Content-Security-Policy forbids it)"
        )


def test_page_lists_every_saved_query(parts, catalog, page):
    assert catalog, "no saved queries in queries/"
    assert sorted(parts.query_buttons) == sorted(query.name for query in catalog)
    shown_text = html.unescape(page.text)
    for query in catalog:
        assert query.summary in shown_text, f"the summary of {query.name} is not shown"
    embedded = json.loads("".join(parts.json_blocks))["saved"]
    # A federated question is shown naming its default endpoint (SERVICE <IRI>, which runs from the
    # editor), with our values in an empty VALUES block of its SERVICE group; the rest as written.
    federated = {query.name for query in catalog if endpoint_parameter(query)}
    shown = {item["name"]: re.sub(r"VALUES \?(\w+) \{[^}]*\}", r"VALUES ?\1 { }", item["text"])
             if item["name"] in federated else item["text"] for item in embedded}
    assert shown == {
        query.name: text_with_endpoint(query, endpoint_parameter(query).default) if query.name in federated
        else query.text for query in catalog
    }


@pytest.mark.parametrize("asset, media_type", [
    ("yasgui/yasgui.min.js", "text/javascript"),
    ("yasgui/yasgui.min.css", "text/css"),
    ("pages/query.js", "text/javascript"),
    ("pages/query.css", "text/css"),
])
def test_static_assets_are_served_from_the_package(asset, media_type, live_server, parts):
    referenced = [url for url in parts.loaded_urls if url.endswith(asset)]
    assert referenced, f"the page does not load {asset}"
    answer = requests.get(urljoin(f"{live_server}/", referenced[0]), timeout=30)
    assert answer.status_code == 200, answer.text[:200]
    assert answer.headers["Content-Type"].split(";")[0] in (media_type, "application/javascript")
    assert answer.content == (STATIC_DIR / asset).read_bytes()


def test_yasgui_license_ships_with_it():
    text = (STATIC_DIR / "yasgui" / "LICENSE").read_text(encoding="utf-8")
    assert "MIT" in text and "@zazuko/yasgui" in text


def test_page_script_queries_the_relative_sparql_endpoint():
    script = (STATIC_DIR / "pages" / "query.js").read_text(encoding="utf-8")
    assert 'new URL("sparql", document.baseURI)' in script
    assert "http://" not in script and "https://" not in script
