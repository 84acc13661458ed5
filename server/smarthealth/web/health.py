"""``/health``: whether the endpoint can answer, with the size of its dataset."""

from __future__ import annotations

from flask import Blueprint, jsonify

from . import get_state

bp = Blueprint("health", __name__)


@bp.route("/health")
def health():
    """Report the status, the number of stored quads and named graphs, and the data generation."""
    store = get_state().store
    return jsonify(
        status="ok",
        triples=len(store),
        graphs=len(store.named_graphs()),
        generation=store.generation,
    )
