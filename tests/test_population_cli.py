"""The `smarthealth build` and `smarthealth stats` commands."""

from __future__ import annotations

import re

from click.testing import CliRunner

from smarthealth.population.cli import build, stats

STEMS = ["000_47ec06a769ba5fcc", "001_54163fe3eccd58e8", "002_87288936a96fbea5",
         "003_40d31b0bcedf8a9d", "004_92df48ec1dc621d2"]


def test_build_prints_one_line_per_output_and_honours_base_iri(tmp_path):
    result = CliRunner().invoke(build, ["--out", str(tmp_path), "--base-iri", "https://example.org/sh/"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if line.startswith("wrote ")]
    assert sorted(re.search(r"\((\w+),", line).group(1) for line in lines) == ["jsonld", "nq", "trig", "ttl"]
    assert "<https://example.org/sh/region/BE2>" in (tmp_path / "smart-health.nq").read_text(encoding="utf-8")


def test_stats_counts_classes_per_source_graph(built):
    result = CliRunner().invoke(stats, [str(built.dataset_path)])
    assert result.exit_code == 0, result.output
    sections = dict(re.findall(r"^\[([^\]]+)\] (\d+) triples", result.output, re.MULTILINE))
    assert set(sections) == set(STEMS) | {"ontology", "reviewed-links", "reviewed-labels"}
    assert all(int(count) > 100 for name, count in sections.items() if name not in ("reviewed-links", "reviewed-labels"))
    deck = result.output.split("[000_47ec06a769ba5fcc]")[1].split("\n[")[0]
    # The deck names 19 regions: its 12 pilot regions, Cantabria and South Holland ("Discussions with
    # additional Regions"), Catalonia and Scotland ("onboarding of new members through dedicated
    # meetings"), Limburg and Brabant ("South Netherlands (Limburg and Brabant)") and Thuringia.
    assert re.search(r"^\s+19\s+smh:Region$", deck, re.MULTILINE)
    union = result.output.split("[union of all graphs: distinct instances]")[1]
    assert re.search(r"^\s+5\s+smh:SourceDocument$", union, re.MULTILINE)


def test_stats_on_missing_file_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(stats, [str(tmp_path / "nothing.trig")])
    assert result.exit_code != 0
    assert "built dataset not found" in str(result.exception)
