"""Where each label of the graph comes from: the documents' words, a reviewed reference table, or a
reviewed public source; the rules that tests/test_population_label_sources.py holds every label to."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDFS, SKOS

from smarthealth.namespaces import OA, SMH

LABEL_PROPERTIES = (RDFS.label, SKOS.prefLabel, SKOS.altLabel)
# Nodes of n-ary statements (figures, amounts, roles, memberships, observations, review records):
# their labels describe a statement from the labels of the entities in it; they name nothing.
STATEMENT_KINDS = ("figure/", "funding/", "involvement/", "membership/", "observation/", "link/", "label/",
                   "quote/", "graph/")
# Words that build a label without naming anything (English and Dutch).
GLUE = {"the", "of", "and", "for", "in", "on", "with", "to", "a", "an", "at", "by", "from", "de", "het",
        "van", "en", "voor", "in", "op", "met", "een", "der", "des"}


def words(text: str) -> list[str]:
    """Return the words of a text, lower-cased, punctuation dropped (so '(CRIG)' reads as 'CRIG-')."""
    return re.findall(r"\w+", str(text).replace("’", "'").lower())


def phrase(text: str) -> str:
    """Return the text as its words joined by single spaces, for comparing passages."""
    return " " + " ".join(words(text)) + " "


def reference_names(reference_dir: Path) -> dict[str, set[str]]:
    """Return the names of each concept of the reviewed reference tables (NUTS, EU countries)."""
    names: dict[str, set[str]] = {}
    for path in sorted(Path(reference_dir).glob("*.ttl")):
        table = Graph().parse(path)
        for concept, name in table.subject_objects(SKOS.prefLabel):
            names.setdefault(str(concept), set()).add(phrase(name))
    return names


def quotes_of(graph: Graph, node: URIRef) -> list[str]:
    """Return the verbatim passages the graph cites for a node."""
    passages = []
    for quote in graph.objects(node, PROV.wasDerivedFrom):
        for selector in graph.objects(quote, OA.hasSelector):
            passages.extend(str(exact) for exact in graph.objects(selector, OA.exact))
    return passages


def singular(word: str) -> str:
    """Return a word with an English plural ending dropped ('universities' -> 'university')."""
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    return word[:-1] if word.endswith("s") and len(word) > 3 else word


def label_sources(path: Path) -> tuple[dict[tuple[str, str], dict], dict[tuple[str, str], dict]]:
    """Return the reviewed and the built entries of data/curated/label-sources.yaml by (entity, label)."""
    document = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    reviewed = {(entry["entity"], entry["altLabel"]): entry for entry in document.get("reviewed", [])}
    built = {(entry["entity"], entry["label"]): entry for entry in document.get("built", [])}
    return reviewed, built


def built_from(label: str, passages: list[str]) -> bool:
    """Say whether every word of a label that names something stands in the passages."""
    cited = {singular(word) for word in words(" ".join(passages))}
    return all(singular(word) in cited for word in words(label) if word not in GLUE)


def unsourced_labels(graph: Graph, base: str, source_text: str, references: dict[str, set[str]],
                     reviewed: dict[tuple[str, str], dict], built: dict[tuple[str, str], dict],
                     listed: set[str] = frozenset()) -> list[tuple[str, str]]:
    """Return (entity path, label) for every label of an entity that no document, table or review gives.

    A label is sourced when its words stand in that order in a document; or it is a name the
    reviewed reference table gives for the entity's country or NUTS region; or a reviewed public
    source gives it as an English altLabel (label-sources.yaml `reviewed`, whose passage must
    hold it); or every word of
    it that names something stands in the passages the graph cites for that entity, or in the
    passages label-sources.yaml `built` lists for it (the caller checks those are verbatim); or the
    entity's English label is one that tests/test_population_labels.py lists (``listed``).
    """
    documents = phrase(source_text)
    found = []
    for prop in LABEL_PROPERTIES:
        for node, label in graph.subject_objects(prop):
            path = str(node)[len(base):] if str(node).startswith(base) else None
            if path is None or not isinstance(label, Literal) or path.startswith(STATEMENT_KINDS):
                continue
            if phrase(label) in documents:
                continue
            linked = {str(o) for p in (SMH.country, SMH.nutsRegion) for o in graph.objects(node, p)}
            if any(phrase(label) in references.get(concept, ()) for concept in linked):
                continue
            entry = reviewed.get((path, str(label)))
            if entry and prop == SKOS.altLabel and label.language == "en" and phrase(label) in phrase(entry["passage"]):
                continue
            recipe = built.get((path, str(label)))
            if recipe and built_from(label, [p for ps in recipe["passages"].values() for p in ps]):
                continue
            if built_from(label, quotes_of(graph, node)):
                continue
            if path in listed and prop == RDFS.label and label.language == "en":
                continue
            found.append((path, str(label)))
    return sorted(set(found))
