"""Recurring graph patterns of MODEL.md: memberships (positive and negative) and observations."""

from __future__ import annotations

from decimal import Decimal

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

from ..namespaces import ORG, SMH, UNIT
from .iris import concept
from .provenance import SourceGraph

MEMBERSHIP_ROLES = {
    "co-lead", "member", "observer", "prospective", "coordinator", "partner",
    "founding-partner", "country-level-member", "initiator", "lead",
}


def membership(
    sg: SourceGraph,
    *,
    member: URIRef,
    organisation: URIRef,
    role: str,
    is_member: bool,
    quote: str,
    where: str,
    period: str | None = None,
    label: str | None = None,
) -> URIRef:
    """Add an org:Membership (and org:memberOf, or an owl:NegativePropertyAssertion for "no")."""
    if role not in MEMBERSHIP_ROLES:
        raise ValueError(f"unknown membership role {role!r}")
    member_key = sg.iris.key_of(member)
    organisation_key = sg.iris.key_of(organisation)
    node = sg.iris.membership(member_key, organisation_key, role)
    sg.add(node, RDF.type, ORG.Membership)
    sg.add(node, ORG.member, member)
    sg.add(node, ORG.organization, organisation)
    sg.add(node, ORG.role, concept("membership-role", role))
    sg.add(node, SMH.isMember, Literal(is_member))
    if not label:
        label = (f"{member_key} {role} of {organisation_key}" if is_member
                 else f"{member_key} not a member of {organisation_key}")
    sg.add(node, RDFS.label, Literal(label, lang="en"))
    if period:
        sg.add(node, SMH.period, Literal(period, datatype=XSD.gYear))
    sg.cite(node, quote, where=where)
    if is_member:
        sg.add(member, ORG.memberOf, organisation)
    else:
        # A fixed blank-node id derived from the membership key keeps the output byte-stable.
        assertion = BNode(f"npa-{member_key}--{organisation_key}")
        sg.add(assertion, RDF.type, OWL.NegativePropertyAssertion)
        sg.add(assertion, OWL.sourceIndividual, member)
        sg.add(assertion, OWL.assertionProperty, ORG.memberOf)
        sg.add(assertion, OWL.targetIndividual, organisation)
    return node


def observation(
    sg: SourceGraph,
    *,
    region: URIRef,
    indicator: str,
    period: str | None,
    quote: str,
    where: str,
    numeric: Decimal | int | None = None,
    category: str | None = None,
    unit: str | None = None,
    label: str,
) -> URIRef:
    """Add one smh:IndicatorObservation for a region (period None when the source gives none)."""
    node = sg.iris.observation(sg.iris.key_of(region), indicator, period or "undated")
    sg.add(node, RDF.type, SMH.IndicatorObservation)
    sg.add(node, RDFS.label, Literal(label, lang="en"))
    sg.add(node, SMH.indicator, concept("indicator", indicator))
    sg.add(node, SMH.observedRegion, region)
    if period:
        sg.add(node, SMH.period, Literal(period, datatype=XSD.gYear))
    if numeric is not None:
        sg.add(node, SMH.numericValue, Literal(Decimal(numeric), datatype=XSD.decimal))
    if category is not None:
        sg.add(node, SMH.categoryValue, Literal(category, lang="en"))
    if unit:
        sg.add(node, SMH.unit, UNIT[unit])
    sg.cite(node, quote, where=where)
    return node
