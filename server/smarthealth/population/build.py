"""Build the Smart Health dataset: one named graph per source document plus the ontology graph."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.namespace import DCTERMS, RDF, RDFS, XSD

from ..config import ONTOLOGY_IRI, Settings
from ..errors import SourceError
from ..namespaces import LANGUAGE, OA, SMH, bind_prefixes
from .actor_table import emit_actor_table
from .curated import CuratedFile, load_curated_files
from .iris import Iris
from .links import LINKS_FILE, emit_links
from .reviewed_labels import LABEL_SOURCES_FILE, emit_reviewed_labels
from .pilot_regions import emit_pilot_regions
from .provenance import EMAIL_PATTERN, SourceGraph, SourceText
from .region_profile import emit_region_profile
from .registry import Registry
from .serialize import FILES, render, sorted_dataset, write_all
from .yamlio import load_yaml, where
from .coverage import LEFT_OUT_FILE, DocumentCoverage, load_left_out, measure

log = logging.getLogger(__name__)

ONTOLOGY_FILES = ("smart-health.ttl", "vocabularies.ttl")
ENTITIES_FILE = "entities.yaml"
SOURCES_FILE = "sources.yaml"
LANGUAGES = {"en": "ENG", "nl": "NLD"}


@dataclass
class BuildReport:
    """What a build wrote: the TriG path, every output path, and counts per source and class."""

    dataset_path: Path
    paths: dict[str, Path]
    counts: dict[str, dict[str, int]]
    triples: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    coverage: list[DocumentCoverage] = field(default_factory=list)


# Source document number (the file name's prefix) -> parsers of its structured parts, in order.
STRUCTURED_PARSERS = {
    "000": (emit_actor_table, emit_pilot_regions),
    "004": (emit_region_profile,),
}


def _structured_parsers(stem: str):
    """Return the parsers that read structured parts of a source document, by its number."""
    return STRUCTURED_PARSERS.get(stem.split("_", 1)[0], ())


def build(settings: Settings) -> BuildReport:
    """Build the dataset from the sources, curated files and ontology; write the four outputs."""
    iris = Iris(settings.base_iri)
    registry = Registry.load(settings.curated_dir / ENTITIES_FILE, iris)
    sources = read_sources(settings.sources_dir)
    metadata = _source_metadata(settings.curated_dir / SOURCES_FILE, sources)
    curated = load_curated_files(settings.curated_dir, exclude={ENTITIES_FILE, SOURCES_FILE, LINKS_FILE, LEFT_OUT_FILE,
                                                                   LABEL_SOURCES_FILE})
    _check_curated_sources(curated, sources)
    report_skipped: list[str] = []
    graphs: dict[URIRef, Graph] = {}
    for stem, source in sources.items():
        sg = SourceGraph(source=source, iris=iris)
        _describe_source(sg, metadata[stem])
        for parser in _structured_parsers(stem):
            result = parser(sg, registry)
            report_skipped.extend(getattr(result, "skipped", []) or [])
        for curated_file in curated:
            if curated_file.source == stem:
                curated_file.emit(sg, registry)
        _require_contribution(sg)
        graphs[iris.graph(stem)] = sg.graph
    reviewed_links = emit_links(settings.curated_dir, iris, graphs)
    if reviewed_links:
        graphs[reviewed_links[0]] = reviewed_links[1]
    reviewed_labels = emit_reviewed_labels(settings.curated_dir, iris, graphs)
    if reviewed_labels:
        graphs[reviewed_labels[0]] = reviewed_labels[1]
    warnings = []
    ontology = _ontology_graph(settings, warnings)
    if ontology is not None:
        graphs[URIRef(ONTOLOGY_IRI)] = ontology
    _refuse_email_addresses(graphs)
    dataset = sorted_dataset(graphs, iris.base)
    contents = render(dataset, iris.base)
    paths = write_all(contents, settings.output_dir)
    counts = count_classes(dataset)
    triples = {str(name): len(graph) for name, graph in graphs.items()}
    for skipped in report_skipped:
        log.debug("skipped: %s", skipped)
    union = Graph()
    for graph in graphs.values():
        union += graph
    coverage = measure(list(sources.values()), union, load_left_out(settings.curated_dir, set(sources)))
    return BuildReport(dataset_path=paths["trig"], paths=paths, counts=counts, triples=triples,
                       skipped=report_skipped, warnings=warnings, coverage=coverage)


def _require_contribution(sg: SourceGraph) -> None:
    """Fail when a source document adds nothing but its own description (every source must count)."""
    own = {SMH.SourceDocument, SMH.Quotation, OA.TextQuoteSelector}
    if not any(cls not in own for cls in sg.graph.objects(None, RDF.type)):
        raise SourceError(
            f"source document {sg.source.path.name} contributes no facts: add a parser or a curated "
            f"file in data/curated/ with 'source: {sg.stem}'", where=str(sg.source.path))


def read_sources(sources_dir: Path) -> dict[str, SourceText]:
    """Read every source document (data/sources/*.txt), by file stem."""
    files = sorted(sources_dir.glob("*.txt"))
    if not files:
        raise SourceError("no source documents (*.txt) found", where=str(sources_dir))
    return {path.stem: SourceText.read(path) for path in files}


def _source_metadata(path: Path, sources: dict[str, SourceText]) -> dict[str, dict]:
    data = load_yaml(path)
    records = data.get("documents") if isinstance(data, dict) else None
    if not isinstance(records, list):
        raise SourceError("expected 'documents:' with a list of records", where=str(path))
    metadata = {}
    for record in records:
        place = where(path, record)
        if not isinstance(record, dict):
            raise SourceError("expected a mapping", where=place)
        missing = {"file", "title", "language", "quote"} - set(record)
        if missing:
            raise SourceError(f"source record lacks {sorted(missing)}", where=place)
        stem = Path(record["file"]).stem
        if stem not in sources:
            raise SourceError(f"source file {record['file']!r} is missing from data/sources/", where=place)
        if record["language"] not in LANGUAGES:
            raise SourceError(f"unknown language {record['language']!r}", where=place)
        metadata[stem] = {**record, "where": place}
    for stem in sources:
        if stem not in metadata:
            raise SourceError(f"source document {stem}.txt has no record", where=str(path))
    return metadata


def _describe_source(sg: SourceGraph, record: dict) -> None:
    iri = sg.source_iri
    language = record["language"]
    sg.node(iri, SMH.SourceDocument, label_en=record["title"] if language == "en" else None,
            label_nl=record["title"] if language == "nl" else None,
            quote=record["quote"], where=record["where"])
    if language != "en":
        sg.add(iri, RDFS.label, Literal(record.get("titleEn", record["title"]), lang="en"))
    sg.add(iri, DCTERMS.title, Literal(record["title"], lang=language))
    sg.add(iri, DCTERMS.language, LANGUAGE[LANGUAGES[language]])
    sg.add(iri, SMH.fileName, Literal(sg.source.path.name))
    if record.get("date"):
        sg.add(iri, DCTERMS.date, _date_literal(str(record["date"])))
    if record.get("description"):
        sg.add(iri, DCTERMS.description, Literal(record["description"], lang="en"))


def _date_literal(text: str) -> Literal:
    kind = {4: XSD.gYear, 7: XSD.gYearMonth, 10: XSD.date}.get(len(text))
    if kind is None:
        raise SourceError(f"unknown date form {text!r}")
    return Literal(text, datatype=kind)


def _check_curated_sources(curated: list[CuratedFile], sources: dict[str, SourceText]) -> None:
    for curated_file in curated:
        if curated_file.source not in sources:
            raise SourceError(f"source document {curated_file.source}.txt is missing from data/sources/",
                              where=str(curated_file.path))


def _ontology_graph(settings: Settings, warnings: list[str]) -> Graph | None:
    graph = Graph()
    found = False
    for name in ONTOLOGY_FILES:
        path = settings.ontology_dir / name
        if not path.exists():
            message = f"ontology file {path} does not exist yet: the ontology graph goes without it"
            log.warning(message)
            warnings.append(message)
            continue
        try:
            graph.parse(path, format="turtle")
        except Exception as error:  # rdflib raises several unrelated types for bad Turtle
            raise SourceError(f"cannot parse ontology file: {error}", where=str(path)) from None
        found = True
    # Blank nodes of the ontology (class expressions, lists) get content-derived ids: stable bytes.
    return to_canonical_graph(graph) if found else None


def _refuse_email_addresses(graphs: dict[URIRef, Graph]) -> None:
    """Fail when any term of any graph carries an e-mail address (persons: name and role only)."""
    for name, graph in graphs.items():
        for triple in graph:
            for term in triple:
                if EMAIL_PATTERN.search(str(term)):
                    raise SourceError(f"an e-mail address would enter the graph {name}: {str(term)!r}")


def count_classes(dataset: Dataset) -> dict[str, dict[str, int]]:
    """Count the typed instances per named graph and class (compact names)."""
    counts: dict[str, dict[str, int]] = {}
    for graph in dataset.graphs():
        if not isinstance(graph.identifier, URIRef) or len(graph) == 0:
            continue
        per_class = Counter(
            graph.namespace_manager.curie(str(cls)) if _has_prefix(dataset, cls) else str(cls)
            for _, cls in graph.subject_objects(RDF.type)
        )
        counts[str(graph.identifier)] = dict(sorted(per_class.items()))
    return dict(sorted(counts.items()))


def count_union(dataset: Dataset) -> dict[str, int]:
    """Count distinct typed instances per class over the union of all named graphs."""
    pairs = {(s, o) for s, _, o, _ in dataset.quads((None, RDF.type, None, None))}
    per_class = Counter(
        dataset.namespace_manager.curie(str(cls)) if _has_prefix(dataset, cls) else str(cls)
        for _, cls in pairs
    )
    return dict(sorted(per_class.items()))


def _has_prefix(dataset: Dataset, iri) -> bool:
    return any(str(iri).startswith(str(ns)) for _, ns in dataset.namespaces())


def load_dataset(path: Path) -> Dataset:
    """Read a built TriG file back into an rdflib Dataset."""
    if not Path(path).exists():
        raise SourceError("built dataset not found (run `smarthealth build`)", where=str(path))
    dataset = Dataset()
    bind_prefixes(dataset)
    dataset.parse(path, format="trig")
    return dataset


def input_files(settings: Settings) -> list[Path]:
    """Return every file a build reads: sources, curated files and the ontology."""
    files = sorted(settings.sources_dir.glob("*.txt")) + sorted(settings.curated_dir.glob("*.yaml"))
    files += [settings.ontology_dir / name for name in ONTOLOGY_FILES if (settings.ontology_dir / name).exists()]
    return files


def ensure_built(settings: Settings) -> Path:
    """Build only when the TriG is missing or older than an input; return the TriG path."""
    target = settings.dataset_path
    if target.exists():
        built_at = target.stat().st_mtime
        if all(path.stat().st_mtime <= built_at for path in input_files(settings)):
            return target
    return build(settings).dataset_path


def with_base_iri(settings: Settings, base_iri: str | None) -> Settings:
    """Return settings using another base IRI for instance data, when one is given."""
    return replace(settings, base_iri=base_iri) if base_iri else settings


__all__ = ["BuildReport", "build", "ensure_built", "load_dataset", "count_classes", "count_union", "FILES"]
