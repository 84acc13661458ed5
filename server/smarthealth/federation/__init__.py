"""Federation with other SPARQL endpoints: the SERVICE allow-list, federated saved queries, reconciliation."""
