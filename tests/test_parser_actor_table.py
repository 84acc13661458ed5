"""The deck's (000) tab-separated actor table, parsed from the real source and from bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from smarthealth.config import Settings
from smarthealth.errors import SourceError
from smarthealth.population.actor_table import parse_actor_table
from smarthealth.population.provenance import SourceText

FIXTURES = Path(__file__).parent / "fixtures" / "population"


@pytest.fixture(scope="module")
def rows():
    return parse_actor_table(SourceText.read(Settings().sources_dir / "000_47ec06a769ba5fcc.txt"))


def test_table_has_twelve_region_rows(rows):
    assert [row.region_name for row in rows] == [
        "Flanders", "East Netherlands", "South Netherlands (Limburg and Brabant)",
        "Autonomous Province of Trento", "Emilia Romagna", "Lombardy", "East and North Finland",
        "Northeast Romania", "Saxony-Anhalt", "Slovenia", "Wallonia", "Aragon",
    ]


def test_flanders_has_5_public_10_research_10_business_actors(rows):
    flanders = rows[0]
    assert len(flanders.actors["Public authorities"]) == 5
    assert len(flanders.actors["Research & Academia"]) == 10
    assert len(flanders.actors["Business sector"]) == 10
    assert flanders.actors["Research & Academia"][4] == "Imec"
    assert flanders.actors["Business sector"][0] == "Flanders Bio"


def test_empty_cells_give_no_actors(rows):
    emilia = next(row for row in rows if row.region_name == "Emilia Romagna")
    assert emilia.actors["Public authorities"] == []
    assert emilia.actors["Research & Academia"] == []
    assert emilia.actors["Business sector"] == ["ART-ER", "CLUST-ER Health"]


def test_italic_aragon_row_is_the_observer_for_2026(rows):
    aragon = rows[-1]
    assert aragon.observer_year == "2026"
    assert aragon.country == "ES"
    assert aragon.actors["Business sector"] == ["Arahealth"]
    assert aragon.text.startswith("<i>Aragon")
    assert all(row.observer_year is None for row in rows[:-1])


def test_row_text_is_the_exact_line_of_the_document(rows):
    text = (Settings().sources_dir / "000_47ec06a769ba5fcc.txt").read_text(encoding="utf-8")
    for row in rows:
        assert text.split("\n")[row.line - 1] == row.text


def test_row_with_wrong_number_of_cells_fails_naming_file_and_line(tmp_path):
    source = tmp_path / "000_test.txt"
    source.write_text("Slides\n\n" + (FIXTURES / "actor_table_wrong_cells.txt").read_text(), encoding="utf-8")
    with pytest.raises(SourceError) as error:
        parse_actor_table(SourceText.read(source))
    message = str(error.value)
    assert f"{source}:5" in message
    assert "3 cells, expected 4" in message


def test_missing_table_header_fails(tmp_path):
    source = tmp_path / "000_test.txt"
    source.write_text("no table here\n", encoding="utf-8")
    with pytest.raises(SourceError, match="actor table header not found"):
        parse_actor_table(SourceText.read(source))
