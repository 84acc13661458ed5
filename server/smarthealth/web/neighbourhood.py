"""The picture of an entity's neighbourhood: what it links to and what links to it, as nodes and
edges for Cytoscape.js (drawn by static/pages/entity.js)."""

from __future__ import annotations

import pyoxigraph as ox
from flask import request

from ..namespaces import ORG, RDF, SMH
from .entity_graph import NARY_CLASSES
from .entity_view import HEAD_PROPERTIES, O, S, EntityView

#: Above this many neighbours, the picture draws one node per kind ("company (28)") instead.
MOST_NODES_IN_PICTURE = 30


def neighbourhood(view: EntityView) -> dict:
    """Return the entity's neighbourhood as nodes and edges for the page's picture (Cytoscape.js)."""
    entity = view.entity
    links: list[tuple] = []  # (neighbour, points at the entity?, label)
    nary = {q.subject for q in view.d.quads if q.predicate.value == str(RDF.type) and q.object.value in NARY_CLASSES}
    skipped = HEAD_PROPERTIES | {str(SMH.nutsRegion), str(SMH.country), str(SMH.helixRole)}
    for quad in dict.fromkeys(q.triple for q in view.d.quads):
        predicate = quad.predicate.value
        if predicate in skipped:
            continue
        if quad.subject == entity and isinstance(quad.object, ox.NamedNode) and quad.object not in nary:
            links.append((quad.object, False, view.property_label(predicate)))
        elif quad.object == entity and isinstance(quad.subject, ox.NamedNode) and quad.subject not in nary:
            links.append((quad.subject, True, view.property_label(predicate)))
    for record in nary:
        facts = {q.predicate.value: q.object for q in view.d.about(record)}
        if str(ORG.Membership) in set(view.d.types(record)) and S + "isMember" in facts:
            member, organisation, role = facts.get(O + "member"), facts.get(O + "organization"), facts.get(O + "role")
            other = organisation if member == entity else member
            if isinstance(other, ox.NamedNode):
                label = ("not a member" if facts[S + "isMember"].value == "false"
                         else view.label(role) if role is not None else "member")
                links.append((other, other == member, label))
        elif isinstance(facts.get(S + "fundingProgramme"), ox.NamedNode) and facts[S + "fundingProgramme"] != entity:
            links.append((facts[S + "fundingProgramme"], False, "funding from"))

    def kind_of(node) -> tuple[str, str | None]:
        kinds = view.d.types(node)
        return (view.label(ox.NamedNode(kinds[0])), kinds[0]) if kinds else ("other", None)

    nodes = {entity.value: {"id": entity.value, "label": view.label(entity), "kind": "this",
                            "href": None, "center": True, "count": 1}}
    edges: dict[tuple, dict] = {}
    neighbours = list(dict.fromkeys(node for node, _, _ in links))
    by_kind: dict[str, list] = {}
    for node in neighbours:
        by_kind.setdefault(kind_of(node), []).append(node)
    grouped = len(neighbours) > MOST_NODES_IN_PICTURE
    placed: dict[str, str] = {}
    for (kind, kind_iri), members in by_kind.items():
        # Only kinds with a class index are drawn as one node (it links to that index).
        if grouped and len(members) > 2 and kind_iri and kind_iri.startswith(S):
            group_id = f"kind:{kind}"
            href = f"{request.script_root}/browse/{kind_iri[len(S):]}"
            nodes[group_id] = {"id": group_id, "label": f"{kind} ({len(members)})", "kind": kind, "href": href,
                               "center": False, "count": len(members)}
            placed.update({member.value: group_id for member in members})
        else:
            for member in members:
                href, _ = view.link(member.value)
                nodes[member.value] = {"id": member.value, "label": view.label(member), "kind": kind, "href": href,
                                       "center": False, "count": 1}
                placed[member.value] = member.value
    for node, inward, label in links:
        end = placed[node.value]
        source, target = (end, entity.value) if inward else (entity.value, end)
        edges.setdefault((source, target, label), {"source": source, "target": target, "label": label})
    return {"nodes": list(nodes.values()), "edges": list(edges.values()), "grouped": grouped}

