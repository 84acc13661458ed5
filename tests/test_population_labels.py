"""No name from memory: the English label of every EU-level body, programme, network or strategy is
written in one of the documents (whitespace, case and apostrophes aside), or is built from their
words as listed here with the passage it comes from; an acronym the documents never expand keeps
the acronym as its label (EISMEA, DG RTD, EIB, IHI, RIVs, EP PerMed...)."""

from __future__ import annotations

from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS

from smarthealth.namespaces import SMH, SMHV
from smarthealth.population.cli import read_sources
from smarthealth.validation.graphs import read_graph

# EU bodies among the organisations (the documents' EU institutions and agencies).
EU_BODIES = {"organisation/european-union", "organisation/european-commission", "organisation/dg-rtd",
             "organisation/eismea", "organisation/eib", "organisation/council-eu-health-ministers"}
# Label -> the words of the documents it is built from.
BUILT_FROM_THE_DOCUMENTS = {
    "initiative/ec-pm-regions": "004: 'PM region according EC'",
    "initiative/eit-health-innostars": "004: 'EIT Health/InnoStars'",
    "initiative/esfri": "003: 'European Strategic Forum for Research Infrastructures - ESFRI-agenda'",
    "initiative/s3-advanced-materials-batteries": "000: the S3 partnerships it lists ('Advanced Materials for Batteries')",
    "initiative/s3-hydrogen-valleys": "000: the S3 partnerships it lists ('Hydrogen Valleys')",
    "initiative/s3-photonics": "000: the S3 partnerships it lists ('Photonics')",
    "initiative/s3p4pm": "000: 'Smart Specialisation Strategies (S3) Modernisation partnership for Personalised Medicine'",
    "initiative/s3-cop-demonstration-service": "000: 'Demonstration service delivered by the S3 CoP'",
    "initiative/vi-3d-printing": "000: the Vanguard Initiative pilots it lists",
    "initiative/vi-efficient-sustainable-manufacturing": "000: the Vanguard Initiative pilots it lists",
    "initiative/vi-nano-enabled-products": "000: the Vanguard Initiative pilots it lists",
    "initiative/ipcei-strategic-forum": "003: 'het strategisch forum dat belangrijke projecten van algemeen Europees belang (IPCEI, Important Projects of Common European Interest) identificeert'",
    "programme/ipcei": "003: '(IPCEI, Important Projects of Common European Interest)'",
    "programme/ep-permed-calls": "000: 'EP PerMed' among the programmes' calls",
    "programme/h2020-societal-challenge-1": "003: 'Horizon 2020', 'Societal Challenge 1 Health and Wellbeing'",
    "programme/horizon-europe-cluster-1": "000: '6 HE Cluster 1' in the list that names 'Horizon Europe'",
    "programme/efro-vlaanderen-priority-1": "003: 'EFRO Vlaanderen 2014 – 2020', 'prioritaire as 1: ‘Innovatie’'; 001: 'the ERDF program in Flanders'",
    "programme/efro-vlaanderen-priority-2": "003: 'EFRO Vlaanderen 2014 – 2020', 'prioriteit 2'; 001: 'the ERDF program in Flanders'",
    "programme/gti": "003: 'geïntegreerde territoriale investeringen (GTI-) zones' of EFRO Vlaanderen",
    "organisation/council-eu-health-ministers": "003: 'de raadsconclusies van de EU Ministers voor gezondheid' (English of the Dutch)",
    "initiative/bbmri": "003: 'het biobank initiatief BBMRI'",
    "initiative/eatris": "003: 'de translationele onderzoeksinfrastructuur EATRIS'",
    "initiative/ecrin": "003: 'de klinische onderzoeksinfrastructuur ECRIN'",
    "initiative/era-nets": "003: 'Europese netwerken rond gezamenlijke programmering van onderzoek (ERA-netten'",
    "programme/aal": "003: 'AAL – Active & Assisted Living Joint Programme'",
    "policy-document/commission-staff-working-document-omics-2013":
        "003: 'In 2013 werd een ‘Commission Staff Working document on omics-technologies for personalised medicine’ gepubliceerd'",
    "policy-document/council-conclusions-personalised-medicine-2015":
        "003: 'de raadsconclusies van de EU Ministers voor gezondheid, voor gepersonaliseerde geneeskunde gepubliceerd in december 2015'",
    "policy-document/icpermed-action-plan": "003: ICPerMed 'publiceerde een actieplan'",
    "policy-document/mission-letter-kyriakides-2019":
        "003: 'De EC-president Ursula von der Leyen droeg in 2019 Europees Commissaris Kyriakides in haar missiebrief op'",
    "policy-document/one-million-genomes-declaration": "003: 'Op de Digital Days 2018 werd de 1-million genomes verklaring'",
}
EU_KINDS = (SMH.Network, SMH.Partnership, SMH.MacroRegionalStrategy, SMH.Pilot)


def _norm(text: str) -> str:
    return " ".join(str(text).replace("’", "'").split()).lower()


def test_english_labels_of_eu_bodies_are_the_documents_words(built, settings):
    graph = read_graph(built.dataset_path)
    texts = _norm(" ".join(source.text for source in read_sources(settings.sources_dir).values()))
    base = settings.base_iri
    eu = {URIRef(base + path) for path in EU_BODIES}
    eu |= {node for kind in EU_KINDS for node in graph.subjects(RDF.type, kind)}
    eu |= set(graph.subjects(SMH.programmeLevel, SMHV["programme-level/eu"]))
    from_memory = []
    for node in sorted(eu):
        path = str(node)[len(base):]
        for label in graph.objects(node, RDFS.label):
            if isinstance(label, Literal) and label.language == "en" and _norm(label) not in texts \
                    and path not in BUILT_FROM_THE_DOCUMENTS:
                from_memory.append(f"{path}: {label}")
    assert from_memory == [], "\n".join(from_memory)
    assert {f"{base}organisation/{key}" for key in ("dg-rtd", "eismea", "eib")} <= {str(n) for n in eu}


def test_an_acronym_the_documents_never_expand_stays_the_label(built, settings):
    graph = read_graph(built.dataset_path)
    labels = {path: {str(label) for label in graph.objects(URIRef(settings.base_iri + path), RDFS.label)
                     if isinstance(label, Literal) and label.language == "en"}
              for path in ("organisation/dg-rtd", "organisation/eismea", "organisation/eib", "programme/ihi",
                           "programme/i3", "programme/rivs", "programme/eie", "initiative/ep-permed", "initiative/ehab",
                           "programme/imi2-ju", "initiative/jpi")}
    assert labels == {"organisation/dg-rtd": {"DG RTD"}, "organisation/eismea": {"EISMEA"}, "organisation/eib": {"EIB"},
                      "programme/ihi": {"IHI"}, "programme/i3": {"I3"}, "programme/rivs": {"RIVs"}, "programme/eie": {"EIE"},
                      "initiative/ep-permed": {"EP PerMed"}, "initiative/ehab": {"EHAB"}, "programme/imi2-ju": {"IMI2-JU"},
                      "initiative/jpi": {"JPI"}}
