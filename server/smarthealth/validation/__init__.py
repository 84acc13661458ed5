"""Check the knowledge graph: SHACL validation, OWL reasoning with HermiT and ontology quality checks.

``reason`` is imported on first use so that validating does not pay for loading owlready2.
"""

from __future__ import annotations

from .shacl import Quote, ValidationOutcome, Violation, validate

__all__ = ["Quote", "ReasoningOutcome", "ValidationOutcome", "Violation", "reason", "validate"]


def __getattr__(name):
    if name in ("reason", "ReasoningOutcome"):
        from . import reasoning

        return getattr(reasoning, name)
    raise AttributeError(name)
