"""`smarthealth coverage`: the names, numbers and dates of the documents that no quote and no label
covers. The uncovered list may shrink, never grow (tests/coverage_baseline.tsv: regenerate it with
`smarthealth coverage --tsv > tests/coverage_baseline.tsv` after covering or leaving out items)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from smarthealth.cli import cli
from smarthealth.config import Settings
from smarthealth.errors import SourceError
from smarthealth.population.cli import read_sources
from smarthealth.population.coverage import _find_all, extract, load_left_out, sections, summary_line, uncovered_table

BASELINE = Path(__file__).parent / "coverage_baseline.tsv"


def test_extract_finds_names_numbers_and_dates_but_not_structure():
    text = ("3.3.1 Bedrijfssteun\nIn 2019 werden 49 mandaten goedgekeurd door VLAIO en het Agentschap Zorg.\n"
            "  1. Regional level: Vlaanderen in transitie\nHeld on 9 October 2019 in Brussels (S3P4PM).\n")
    items = {(item.kind, item.text) for item in extract("003_x", text)}
    assert {("number", "2019"), ("number", "49"), ("name", "VLAIO"), ("name", "Agentschap Zorg"),
            ("date", "9 October 2019"), ("name", "Brussels"), ("name", "S3P4PM")} <= items
    # Section and list numbers, a number glued to a name (S3P4PM), sentence starts: not items.
    assert not {text for kind, text in items if text in {"3.3.1", "1", "3", "4", "In", "Held"}}
    assert [title for _, title in sections(text)] == ["(start)", "3.3.1 Bedrijfssteun"]


def test_a_footnote_mark_glued_to_a_name_ends_the_name():
    text = ("neurologische wetenschappen en het Human Brain Project.17\n"
            "zoals ELIXIR.12,13 ELIXIR coördineert grote databanken. Men verwijst ook naar 1+MEGA.6 Na aandringen "
            "van de regio's komen de middelen uit het Digital Europe Programme.10 Deze zal starten.\n"
            "zie ook Flanders.health, Industry 4.0, A.I. en het Programme.3 Horizon Europe daarna.\n"
            "Sectors: C - Manufacturing; C.21 - Basic pharmaceutical products\n")
    names = [item.text for item in extract("003_x", text) if item.kind == "name"]
    assert {"Human Brain Project", "ELIXIR", "MEGA", "Digital Europe Programme", "Horizon Europe"} <= set(names)
    # No name keeps its footnote mark, and the word that starts the next sentence is no name.
    assert not [name for name in names if name[-1].isdigit() or name in {"Na", "Deze"}], names
    # A dot inside a name ("Flanders.health", "A.I") or after a one-letter code ("C.21") is no footnote mark.
    assert {"Flanders.health", "A.I", "C.21 - Basic"} <= set(names)


def test_the_uncovered_list_does_not_grow(built):
    """Every uncovered item was uncovered already: new text needs a quote, a label or a reason."""
    baseline = Counter(tuple(line.split("\t")) for line in BASELINE.read_text(encoding="utf-8").splitlines() if line)
    now = uncovered_table(built.coverage)
    grown = now - baseline
    assert not grown, f"newly uncovered (quote, label or leave out with a reason): {sorted(grown)}"
    assert sum(len(d.left_out) for d in built.coverage) > 0
    assert all(reason.strip() for d in built.coverage for _, reason in d.left_out)


def test_coverage_command_prints_counts_and_lists_every_uncovered_item(built):
    result = CliRunner().invoke(cli, ["coverage", str(built.dataset_path)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert [line for line in lines if line.startswith("coverage ")] == [summary_line(d) for d in built.coverage]
    listed = [line for line in lines if line.startswith("  line ")]
    assert len(listed) == sum(len(d.uncovered) for d in built.coverage)


def test_a_name_outside_every_left_out_passage_is_listed_under_its_section(built, tmp_path, monkeypatch):
    """Narrow one left-out passage in a copy of the project: the name it no longer spans is uncovered."""
    home = tmp_path / "home"
    (home / "data" / "curated").mkdir(parents=True)
    (home / "data" / "sources").symlink_to(Settings().sources_dir)
    left_out = (Settings().curated_dir / "left-out.yaml").read_text(encoding="utf-8")
    whole = '"Join the vibrant Smart Health Pilot Community!"'
    assert left_out.count(whole) == 1
    (home / "data" / "curated" / "left-out.yaml").write_text(left_out.replace(whole, '"Join the vibrant"'),
                                                             encoding="utf-8")
    monkeypatch.setenv("SMARTHEALTH_HOME", str(home))
    before = next(d for d in built.coverage if d.source.startswith("000")).counts()["uncovered"]

    result = CliRunner().invoke(cli, ["coverage", str(built.dataset_path)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any(line.startswith("coverage 000:") and line.endswith(f", {before + 1} uncovered") for line in lines)
    at = lines.index("[000] Governance, Synergies & European-Level Collaboration")
    assert "  line  287  name    Smart Health Pilot Community" in lines[at + 1:]
    tsv = CliRunner().invoke(cli, ["coverage", "--tsv", str(built.dataset_path)])
    assert "000_47ec06a769ba5fcc\tname\tSmart Health Pilot Community" in tsv.output.splitlines()


def test_a_left_out_entry_needs_a_reason(tmp_path):
    (tmp_path / "left-out.yaml").write_text('left-out:\n  - {source: 001_x, text: "Kanaal Z", reason: ""}\n')
    with pytest.raises(SourceError, match="written reason"):
        load_left_out(tmp_path, {"001_x"})


def test_every_left_out_entry_is_a_decision_that_still_excuses_something(built):
    """A reason is a decision, not a to-do ("NOT DONE"); a passage the graph now quotes or labels
    wholly is no longer left out and goes from the file."""
    settings = Settings()
    entries = load_left_out(settings.curated_dir, {d.source for d in built.coverage})
    assert not [text for stem in entries for text, reason in entries[stem] if "NOT DONE" in reason.upper()]
    sources = read_sources(settings.sources_dir)
    excused = {d.source: [(item.start, item.end) for item, _ in d.left_out] for d in built.coverage}
    stale = [(stem, text) for stem in entries for text, _ in entries[stem]
             if not any(s <= start and end <= e for s, e in _find_all(sources[stem].text, text)
                        for start, end in excused[stem])]
    assert stale == [], "left-out passages that excuse nothing any more (remove them)"


def test_a_label_covers_a_number_only_where_it_is_written(tmp_path):
    """The label "Action 2 – Data" covers the 2 of its own heading, not the 2 of "TRL 2-5" elsewhere."""
    from rdflib import Graph, Literal, URIRef
    from rdflib.namespace import RDFS

    from smarthealth.population.coverage import measure
    from smarthealth.population.provenance import SourceText

    path = tmp_path / "003_test.txt"
    path.write_text("Action 2 – Data\n\nThe industry wants innovation (TRL 2-5) from the calls.\n", encoding="utf-8")
    graph = Graph()
    graph.add((URIRef("https://example.org/id/plan/action-2"), RDFS.label, Literal("Action 2 – Data", lang="en")))
    document, = measure([SourceText.read(path)], graph, {})
    assert [(item.line, item.text) for item in document.by_label if item.kind == "number"] == [(1, "2")]
    assert [(item.line, item.text) for item in document.uncovered if item.kind == "number"] == [(3, "2"), (3, "5")]


def test_a_quoted_number_is_covered_only_when_it_is_data(tmp_path):
    """A passage quoted for an entity does not make its number data: "42 members" stays uncovered
    until a figure with the value 42 cites it; "4,8 miljoen" is the amount 4800000."""
    from decimal import Decimal

    from rdflib import Graph, Literal, URIRef
    from rdflib.namespace import PROV, RDF, XSD

    from smarthealth.namespaces import OA, SMH
    from smarthealth.population.coverage import measure
    from smarthealth.population.provenance import SourceText

    path = tmp_path / "001_test.txt"
    path.write_text("The network has 42 members and a budget of 4,8 miljoen euro.\n", encoding="utf-8")
    graph = Graph()
    base = "https://example.org/id/"

    def cite(node, exact):
        quote = URIRef(base + "quote/" + str(abs(hash(exact))))
        graph.add((quote, RDF.type, SMH.Quotation))
        graph.add((quote, OA.hasSource, URIRef(base + "source/001_test")))
        graph.add((quote, OA.hasSelector, URIRef(str(quote) + "/selector")))
        graph.add((URIRef(str(quote) + "/selector"), OA.exact, Literal(exact)))
        graph.add((node, PROV.wasDerivedFrom, quote))

    cite(URIRef(base + "initiative/network"), "The network has 42 members and a budget of 4,8 miljoen euro.")
    document, = measure([SourceText.read(path)], graph, {})
    assert [item.text for item in document.uncovered] == ["42", "4,8"]

    figure, amount = URIRef(base + "figure/network--members"), URIRef(base + "funding/network-budget")
    graph.add((figure, SMH.numericValue, Literal(Decimal(42))))
    cite(figure, "42 members")
    graph.add((amount, SMH.amount, Literal("4800000", datatype=XSD.decimal)))
    cite(amount, "a budget of 4,8 miljoen euro")
    document, = measure([SourceText.read(path)], graph, {})
    assert document.uncovered == [] and [item.text for item in document.by_quote if item.kind == "number"] == ["42", "4,8"]
