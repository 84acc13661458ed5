"""The ``smarthealth query`` command: listing, formats, exit status 2 with a message on bad input."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from smarthealth.cli import cli
from smarthealth.config import Settings

BASE = Settings().base_iri


@pytest.fixture(scope="module")
def run_query(built):
    def run(*arguments: str, data: bool = True):
        extra = ["--data", str(built.dataset_path)] if data else []
        return CliRunner().invoke(cli, ["query", *arguments, *extra])

    return run


def test_list_names_every_query_and_its_parameters(run_query):
    result = run_query("--list", data=False)
    assert result.exit_code == 0
    names = [path.stem for path in sorted(Settings().queries_dir.glob("*.rq"))]
    for name in names:
        assert f"{name}: " in result.stdout
    assert "--param role=...  Optional: a helix role" in result.stdout
    assert "--param theme=...  Required: a theme key" in result.stdout


def test_csv_output(run_query):
    result = run_query("helix-gaps", "--param", "role=business", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert {row["region"] for row in rows} == {BASE + "region/NL2", BASE + "region/DEE"}


def test_table_output_is_the_default(run_query):
    result = run_query("pilot-regions")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["region", "regionLabel", "nutsCode"]
    assert "id:region/BE2" in result.stdout and lines[-1] == "(14 rows)"


def test_show_sparql_prints_the_values_block(run_query):
    result = run_query("region-profile", "-p", "region=BE2", "--show-sparql", "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert f"VALUES (?_region_iri) {{ (<{BASE}region/BE2>) }}" in result.stderr
    assert json.loads(result.stdout)["head"]["vars"][0] == "section"


@pytest.mark.parametrize("arguments, fragments", [
    (["theme"], ["missing required parameter 'theme'"]),
    (["helix-gaps", "-p", "role=business", "-p", "colour=red"], ["unknown parameter 'colour'"]),
    (["consortium-builder", "-p", "theme=data-digital-tech", "-p", "min=abc"], ["parameter 'min'", "integer"]),
    (["region-profile", "-p", "region=XX9"], ["no such region 'XX9'"]),
    (["region-profile", "-p", "region=BE2> } ?s ?p ?o {"], ["parameter 'region'"]),
    (["region-profile", "-p", "region"], ["expected KEY=VALUE"]),
    (["region-profile", "-p", "region=BE2", "-p", "region=NL2"], ["more than once"]),
    (["no-such-question"], ["no saved query named 'no-such-question'"]),
    ([], ["give a query NAME"]),
])
def test_bad_input_exits_2_with_a_message(run_query, arguments, fragments):
    result = run_query(*arguments)
    assert result.exit_code == 2, result.stdout
    assert result.stdout == ""
    for fragment in fragments:
        assert fragment in result.stderr


def test_injection_in_a_text_parameter_finds_nothing(run_query):
    result = run_query("search", "-p", 'text=x")) } UNION { ?entity ?p ?label } #', "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["results"]["bindings"] == []


def test_entry_point_runs_as_a_process(built):
    """The installed command path: python -m smarthealth query ... (main() and its exit codes)."""
    ok = subprocess.run(
        [sys.executable, "-m", "smarthealth", "query", "pilot-regions", "--format", "csv",
         "--data", str(built.dataset_path)],
        capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    rows = list(csv.DictReader(io.StringIO(ok.stdout)))
    assert {row["nutsCode"] for row in rows} >= {"BE2", "NL2", "NL4", "ES24"}
    bad = subprocess.run(
        [sys.executable, "-m", "smarthealth", "query", "consortium-builder", "-p", "theme=x", "-p", "min=abc",
         "--data", str(built.dataset_path)],
        capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2
    assert "parameter 'min'" in bad.stderr and "Traceback" not in bad.stderr


def test_a_runaway_query_is_stopped_at_the_cli_time_limit(built, tmp_path):
    # A cross join of every triple with itself three times never finishes on the built graph.
    (tmp_path / "runaway.rq").write_text(
        "#+ summary: A deliberately runaway query\n"
        "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }\n"
    )
    command = [sys.executable, "-m", "smarthealth", "query", "runaway", "--queries", str(tmp_path),
               "--data", str(built.dataset_path), "--timeout", "1"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=30)
    assert result.returncode != 0
    assert "time limit" in result.stderr and "Traceback" not in result.stderr
