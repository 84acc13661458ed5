"""The PREFIX block users need to write SPARQL about the project's own IRIs.

MODEL.md writes instance IRIs as ``id:region/BE2``, which is not a legal prefixed name in SPARQL
(a local part cannot hold ``/`` unescaped). One prefix per kind of instance makes every IRI of
ours writable: ``region:BE2``, ``organisation:imec``, ``project:regmed-xb``.
"""

from __future__ import annotations

from ..namespaces import PREFIXES

#: Prefix -> path under the base IRI, one per kind in MODEL.md's table of instance IRIs.
KIND_PATHS = {
    "region": "region/",
    "place": "place/",
    "organisation": "organisation/",
    "initiative": "initiative/",
    "membership": "membership/",
    "project": "project/",
    "use-case": "use-case/",
    "plan": "plan/",
    "programme": "programme/",
    "funding": "funding/",
    "event": "event/",
    "policy-document": "policy-document/",
    "observation": "observation/",
    "person": "person/",
    "theme": "theme/",
    "topic": "topic/",
    "source": "source/",
    "graph": "graph/",
    "quote": "quote/",
}


def kind_prefixes(base_iri: str) -> dict[str, str]:
    """Return prefix -> namespace IRI for each kind of instance under ``base_iri``."""
    return {prefix: base_iri + path for prefix, path in KIND_PATHS.items()}


def all_prefixes(base_iri: str) -> dict[str, str]:
    """Return the vocabulary prefixes followed by the per-kind prefixes."""
    return {**{name: str(namespace) for name, namespace in PREFIXES.items()}, **kind_prefixes(base_iri)}


def prefix_block(base_iri: str, names: list[str] | None = None) -> str:
    """Return SPARQL PREFIX declarations (all, or the ones named)."""
    prefixes = all_prefixes(base_iri)
    chosen = names if names is not None else list(prefixes)
    width = max(len(name) for name in chosen) + 1
    return "\n".join(f"PREFIX {(name + ':').ljust(width)} <{prefixes[name]}>" for name in chosen)
