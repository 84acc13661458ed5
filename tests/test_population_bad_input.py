"""Bad input makes the build fail with a SourceError naming file and line, and write nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from smarthealth.config import Settings
from smarthealth.errors import SourceError
from smarthealth.population.build import build

FIXTURES = Path(__file__).parent / "fixtures" / "population"
DECK = "000_47ec06a769ba5fcc.txt"
PROFILE = "004_92df48ec1dc621d2.txt"


@pytest.fixture
def project(tmp_path) -> Settings:
    """Copy the project's inputs (sources, curated files, ontology) into a temporary root."""
    root = Settings().root
    for folder in ("data/sources", "data/curated"):
        shutil.copytree(root / folder, tmp_path / folder)
    (tmp_path / "ontology").mkdir()
    for name in ("smart-health.ttl", "vocabularies.ttl"):
        if (root / "ontology" / name).exists():
            shutil.copy(root / "ontology" / name, tmp_path / "ontology" / name)
    for path in (tmp_path / "data" / "sources").iterdir():
        path.chmod(0o644)
    return Settings(root=tmp_path)


def fails(settings: Settings) -> str:
    with pytest.raises(SourceError) as error:
        build(settings)
    assert not settings.output_dir.exists() or not any(settings.output_dir.iterdir()), \
        "a failed build must not write outputs"
    return str(error.value)


def add_curated(settings: Settings, fixture: str) -> Path:
    target = settings.curated_dir / f"zz-{fixture}"
    shutil.copy(FIXTURES / fixture, target)
    return target


def test_malformed_yaml_names_file_and_line(project):
    path = add_curated(project, "malformed.yaml")
    message = fails(project)
    assert str(path) in message
    assert "malformed YAML" in message
    assert ":6" in message or ":5" in message


def test_unknown_entity_key_names_file_line_and_key(project):
    path = add_curated(project, "unknown_entity.yaml")
    message = fails(project)
    assert f"{path}:4" in message
    assert "unknown entity key 'no-such-organisation'" in message


def test_wrong_quote_names_file_record_and_quote(project):
    path = add_curated(project, "wrong_quote.yaml")
    message = fails(project)
    assert f"{path}:4 (record project/topfit)" in message
    assert "quote not found verbatim in 002_87288936a96fbea5.txt" in message
    assert "TOPFIT was founded in Maastricht in 1999" in message


def test_record_without_quote_fails(project):
    path = add_curated(project, "missing_quote.yaml")
    message = fails(project)
    assert f"{path}:4" in message
    assert "needs a non-empty 'quote'" in message


def test_curated_file_about_missing_source_fails(project):
    path = add_curated(project, "missing_source.yaml")
    message = fails(project)
    assert str(path) in message
    assert "099_0000000000000000.txt is missing" in message


def test_missing_source_file_fails(project):
    (project.sources_dir / "002_87288936a96fbea5.txt").unlink()
    message = fails(project)
    assert "002_87288936a96fbea5" in message
    assert "missing" in message


def test_table_row_with_wrong_cell_count_fails(project):
    deck = project.sources_dir / DECK
    text = deck.read_text(encoding="utf-8")
    row = next(line for line in text.split("\n") if line.startswith("Lombardy (IT)\t"))
    broken = row.rsplit("\t", 1)[0]
    deck.write_text(text.replace(row, broken), encoding="utf-8")
    line = text.split("\n").index(row) + 1
    message = fails(project)
    assert f"{deck}:{line}" in message
    assert "3 cells, expected 4" in message


def test_unknown_flag_in_profile_fails(project):
    profile = project.sources_dir / PROFILE
    text = profile.read_text(encoding="utf-8") + (FIXTURES / "profile_unknown_flag.txt").read_text()
    profile.write_text(text, encoding="utf-8")
    message = fails(project)
    assert str(profile) in message
    assert "unknown membership flag" in message


def test_email_address_in_a_quote_fails(project):
    deck = project.sources_dir / DECK
    deck.write_text(deck.read_text(encoding="utf-8") + "\nPilot office: office@example.org\n", encoding="utf-8")
    curated = project.curated_dir / "zz-email.yaml"
    curated.write_text(
        "source: 000_47ec06a769ba5fcc\nrecords:\n"
        "  - id: person/office\n    a: smh:Person\n    label: Pilot office\n"
        "    quote: \"Pilot office: office@example.org\"\n",
        encoding="utf-8",
    )
    message = fails(project)
    assert "e-mail address" in message
    assert str(curated) in message


def test_email_address_in_a_literal_fails(project):
    curated = project.curated_dir / "zz-email-literal.yaml"
    curated.write_text(
        "source: 000_47ec06a769ba5fcc\nrecords:\n"
        "  - id: person/jolien-roover\n    quote: \"Flanders: Jolien Roover\"\n"
        "    note: \"write to office@example.org\"\n",
        encoding="utf-8",
    )
    message = fails(project)
    assert "e-mail address would enter the graph" in message


def test_unknown_entity_in_registry_reference_fails(project):
    registry = project.curated_dir / "entities.yaml"
    registry.write_text(registry.read_text(encoding="utf-8") +
                        "\nbroken-org:\n  class: Company\n  label: {en: Broken}\n  region: atlantis\n",
                        encoding="utf-8")
    message = fails(project)
    assert "region 'atlantis' is not a known key" in message
    assert str(registry) in message


def test_failed_build_keeps_previous_outputs(project):
    first = build(project)
    before = {fmt: path.read_bytes() for fmt, path in first.paths.items()}
    add_curated(project, "wrong_quote.yaml")
    with pytest.raises(SourceError):
        build(project)
    assert {fmt: path.read_bytes() for fmt, path in first.paths.items()} == before
    assert sorted(p.name for p in project.output_dir.iterdir()) == sorted(p.name for p in first.paths.values())


def test_source_document_that_contributes_nothing_fails(project):
    new = project.sources_dir / "005_0123456789abcdef.txt"
    new.write_text("A new document\n\nwith nothing curated yet\n", encoding="utf-8")
    sources = project.curated_dir / "sources.yaml"
    sources.write_text(sources.read_text(encoding="utf-8") +
                       "  - file: 005_0123456789abcdef.txt\n    title: A new document\n"
                       "    language: en\n    quote: A new document\n", encoding="utf-8")
    message = fails(project)
    assert "005_0123456789abcdef.txt contributes no facts" in message


def test_source_document_without_record_in_sources_yaml_fails(project):
    (project.sources_dir / "005_0123456789abcdef.txt").write_text("Another document\n", encoding="utf-8")
    message = fails(project)
    assert "005_0123456789abcdef.txt has no record" in message
    assert str(project.curated_dir / "sources.yaml") in message


@pytest.mark.parametrize("record,reason", [
    ("  - id: project/topfit\n    quote: TOPFIT\n    colour: blue\n", "unknown record fields ['colour']"),
    ("  - id: project/topfit\n    quote: TOPFIT\n    props: {ex:thing: 1}\n", "not an IRI: 'ex:thing'"),
    ("  - id: project/topfit\n    quote: TOPFIT\n    props: {smh:year: '\"2019^^xsd:gYear'}\n", "malformed literal"),
    ("  - id: project/topfit\n    quote: TOPFIT\n    props: {smh:year: '\"2019-13\"^^xsd:gYearMonth'}\n",
     "is not a valid value of its datatype"),
    ("  - id: project/topfit\n    quote: TOPFIT\n    label: [a, b]\n", "label must be a string or {en: ..., nl: ...}"),
    ("  - membership: {member: \"@flanders\", organization: \"@s3p4pm\", role: chief}\n    quote: TOPFIT\n",
     "unknown membership role 'chief'"),
    ("  - just a string\n", "a record must be a mapping"),
])
def test_malformed_record_fails_naming_the_file(project, record, reason):
    path = project.curated_dir / "zz-bad.yaml"
    path.write_text("source: 002_87288936a96fbea5\nrecords:\n" + record, encoding="utf-8")
    message = fails(project)
    assert str(path) in message
    assert reason in message


def test_missing_ontology_files_are_skipped_with_a_warning(project):
    for path in project.ontology_dir.glob("*.ttl"):
        path.unlink()
    report = build(project)
    assert len(report.warnings) == 2
    assert all("does not exist yet" in warning for warning in report.warnings)
    assert "https://w3id.org/smart-health/ontology" not in report.counts
    assert len(report.counts) == 7  # the five source graphs, the reviewed links and the reviewed labels (data/curated/)
