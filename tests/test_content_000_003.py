"""Everything the deck (000) and the policy note (003) name is in their graphs: class, label, quote, links.

Each row names a thing with its class, its English (and Dutch) label and a passage of the document
that must be one of its quotations; each link row a statement the passage beside it supports.
"""

from __future__ import annotations

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS

from smarthealth.config import Settings
from smarthealth.namespaces import OA, ORG, SMH, SMHV
from smarthealth.population.build import load_dataset

ID = "https://w3id.org/smart-health/id/"
DECK = "000_47ec06a769ba5fcc"
NOTE = "003_40d31b0bcedf8a9d"
DCTERMS_DATE = URIRef("http://purl.org/dc/terms/date")
DCTERMS_CREATOR = URIRef("http://purl.org/dc/terms/creator")
DCTERMS_PART = URIRef("http://purl.org/dc/terms/isPartOf")
ASSOCIATED = PROV.wasAssociatedWith
# XSD as plain IRIs: pytest probes module attributes, and rdflib's XSD namespace warns on unknown names.
XSD_DATE, XSD_YEAR, XSD_YEAR_MONTH = (URIRef(f"http://www.w3.org/2001/XMLSchema#{name}")
                                      for name in ("date", "gYear", "gYearMonth"))

# (graph, instance path, class, English label, Dutch label or None, a passage among its quotes)
NAMED = [
    # 000: regions met, bodies heard, events in the plans, instruments
    (DECK, "region/catalonia", "Region", "Catalonia", None,
     "Continuous outreach and onboarding of new members through dedicated meetings (East and North Finland, Catalonia, Scotland"),
    (DECK, "region/scotland", "Region", "Scotland", None, "Catalonia, Scotland, Aragon, Cantabria, South Holland, etc.)."),
    (DECK, "region/NL41", "Region", "Noord-Brabant", "Noord-Brabant",
     "including **two Peer Reviews scheduled in 2026** (Maastricht and Noord-Brabant)"),
    (DECK, "region/NL42", "Region", "Limburg (Netherlands)", "Limburg", "South Netherlands (Limburg and Brabant) (NL)"),
    (DECK, "region/DEG", "Region", "Thuringia", None, "joint meeting with S3P MedTech in Thuringia in September"),
    (DECK, "organisation/eismea", "PublicAuthority", "EISMEA", None,
     "strategic guidance and policy insights (EISMEA, PLP, DG RTD, etc.)"),
    (DECK, "organisation/dg-rtd", "PublicAuthority", "DG RTD", None,
     "strategic guidance and policy insights (EISMEA, PLP, DG RTD, etc.)"),
    (DECK, "event/onboarding-meetings-2024-2025", "Event", "Dedicated onboarding meetings with prospective member regions (2024/2025)",
     None, "Continuous outreach and onboarding of new members through dedicated meetings"),
    (DECK, "event/solid-symposium-2026", "Event", "Solid Symposium 2026", None, "**WE ARE** : Solid Symposium 2026"),
    (DECK, "event/s3-cop-annual-conference-2026", "Event", "S3 Community of Practice Annual Conference (2026)", None,
     "(Annual Conference participation, collaboration with other S3 Partnerships, etc.)"),
    (DECK, "event/plp-peer-review-east-netherlands", "Event", "Interreg Europe PLP peer review for East Netherlands (applied for)",
     None, "The East Netherlands region successfully submitted an application for a PLP Peer Review"),
    (DECK, "place/noord-brabant", "Place", "Noord-Brabant", "Noord-Brabant", "(Maastricht and Noord-Brabant)"),
    (DECK, "programme/i3-strand-2b", "FundingInstrument", "I3 Strand 2b", None, "Potential I3 Strand 2b proposal"),
    (DECK, "initiative/s3-cop-demonstration-service", "Initiative", "Demonstration service of the S3 Community of Practice",
     None, "**Demonstration service delivered by the S3 CoP**"),
    # 003: Flemish bodies, committees, documents
    (NOTE, "organisation/flemish-government", "PublicAuthority", "Flemish Government", "Vlaamse Regering",
     "die door de Vlaamse Regering n.a.v. de COVID-19 pandemie werden opgericht"),
    (NOTE, "organisation/economisch-relance-adviescomite", "PublicAuthority", "Economisch Relance Adviescomité",
     "Economisch Relance Adviescomité", "Fig. 1 Een Zorgzaam Vlaanderen actievoorstel van het Economisch Relance Adviescomité"),
    (NOTE, "organisation/maatschappelijk-relancecomite", "PublicAuthority", "maatschappelijke relancecomité",
     "maatschappelijke relancecomité", "de rapporten van de maatschappelijke en economisch relance comités"),
    (NOTE, "organisation/vario", "PublicAuthority", "VARIO", None, "de voorloper van VARIO"),
    (NOTE, "policy-document/rapport-economisch-relancecomite-2020", "PolicyDocument",
     "Report of the Economic Recovery Advisory Committee (14 July 2020)", "Rapport van het economisch relancecomité",
     "Op 14 juli 2020 verschenen de rapporten van de maatschappelijke en economisch relance comités"),
    (NOTE, "policy-document/zorgzaam-vlaanderen", "PolicyDocument",
     "Een Zorgzaam Vlaanderen", "Een Zorgzaam Vlaanderen",
     "Fig. 1 Een Zorgzaam Vlaanderen actievoorstel van het Economisch Relance Adviescomité"),
    (NOTE, "policy-document/vrwi-toekomstverkenningen-2025", "PolicyDocument", "VRWI Toekomstverkenningen 2025",
     "VRWI Toekomstverkenningen 2025", "de VRWI Toekomstverkenningen 2025 om de innovatie-paradox te overbruggen"),
    (NOTE, "policy-document/council-conclusions-personalised-medicine-2015", "PolicyDocument",
     "Council conclusions of the EU health ministers on personalised medicine (December 2015)",
     "Raadsconclusies van de EU Ministers voor gezondheid voor gepersonaliseerde geneeskunde",
     "zoals gedefinieerd in de raadsconclusies van de EU Ministers voor gezondheid, voor gepersonaliseerde geneeskunde gepubliceerd in december 2015"),
    (NOTE, "policy-document/commission-staff-working-document-omics-2013", "PolicyDocument",
     "Commission Staff Working document on omics-technologies for personalised medicine (2013)", None,
     "In 2013 werd een ‘Commission Staff Working document on omics-technologies for personalised medicine’ gepubliceerd"),
    (NOTE, "policy-document/icpermed-action-plan", "PolicyDocument", "ICPerMed action plan", "Actieplan van ICPerMed",
     "Dit consortium publiceerde een actieplan en een Eranet ondersteunt de uitvoering ervan."),
    (NOTE, "policy-document/one-million-genomes-declaration", "PolicyDocument", "1-million genomes declaration (2018)",
     "1-million genomes verklaring", "Op de Digital Days 2018 werd de 1-million genomes verklaring door 13 EU-lidstaten ondertekend."),
    (NOTE, "policy-document/mission-letter-kyriakides-2019", "PolicyDocument",
     "Mission letter of the Commission President to Commissioner Kyriakides (2019)", "Missiebrief aan Europees Commissaris Kyriakides",
     "droeg in 2019 Europees Commissaris Kyriakides in haar missiebrief op"),
    (NOTE, "policy-document/nota-vlaamse-regering-2019-05-04", "PolicyDocument",
     "nota aan de Vlaamse Regering van 4 mei 2019", "Nota aan de Vlaamse Regering van 4 mei 2019",
     "De nota aan de Vlaamse Regering van 4 mei 2019 gaf opdracht aan het innovatief bedrijvennetwerk (IBN)"),
    (NOTE, "policy-document/nota-vr-impulsprogramma", "PolicyDocument",
     "Note to the Flemish Government on the impulse programme for innovation in health and care",
     "Nota VR impulsprogramma Innovatie in gezondheid en zorg", "de nota VR impulsprogramma Innovatie in gezondheid en zorg"),
    (NOTE, "policy-document/nota-focus-flanders-care-2019-2024", "PolicyDocument", "Nota Focus Flanders’ Care 2019-2024",
     "Nota Focus Flanders’ Care 2019-2024", "Nota Focus Flanders’ Care 2019-2024 dd. 23 maart 2020"),
    (NOTE, "policy-document/vlaams-beleidsplan-artificiele-intelligentie", "PolicyDocument",
     "Flemish policy plan on artificial intelligence", "Vlaams beleidsplan artificiële intelligentie",
     "Hier is ook een link naar het Vlaams beleidsplan artificiële intelligentie (verder)."),
    (NOTE, "policy-document/vlaams-actieplan-bio-economie", "PolicyDocument", "Flemish action plan on the bio-economy",
     "Vlaams actieplan bio-economie", "circulaire economie en bio-economie"),
    (NOTE, "policy-document/mou-nederland-vlaanderen-gepersonaliseerde-geneeskunde", "PolicyDocument",
     "Dutch-Flemish memorandum of understanding on personalised medicine",
     "Memorandum of Understanding Nederland-Vlaanderen over gepersonaliseerde geneeskunde",
     "waarop een Memorandum of Understanding werd ondertekend om op gebied van gepersonaliseerde geneeskunde samen te werken"),
    (NOTE, "policy-document/benchmarking-analysis-personalised-medicine", "PolicyDocument",
     "Benchmarking Analysis of Personalised Medicine (Technopolis)", None, "Benchmarking Analysis of Personalised Medicine, Technopolis (2018)"),
    (NOTE, "policy-document/essenscia-jaarrapport-2019", "PolicyDocument", "jaarrapport 2019 van Essenscia", "Jaarrapport 2019 van Essenscia",
     "Volgens het jaarrapport 2019 van Essenscia"),
    # 003: EU bodies, people, events, programmes and infrastructures
    (NOTE, "organisation/european-union", "PublicAuthority", "European Union", None,
     "De EU detecteerde de ontwikkelingen naar gepersonaliseerde geneeskunde"),
    (NOTE, "organisation/european-commission", "PublicAuthority", "European Commission", None,
     "De EC-president Ursula von der Leyen"),
    (NOTE, "organisation/council-eu-health-ministers", "PublicAuthority", "EU ministers for health",
     "EU Ministers voor gezondheid", "in 2015 publiceerde de Raad van Europa een definitie voor gepersonaliseerde geneeskunde"),
    (NOTE, "organisation/eib", "FundingAgency", "EIB", None, "investeringen van de EIB en andere Europese bronnen"),
    (NOTE, "organisation/belgian-federal-government", "PublicAuthority", "federale overheid", "federale overheid",
     "kon de federale overheid worden overtuigd om in augustus 2020 ook de verklaring te ondertekenen voor België"),
    (NOTE, "person/ursula-von-der-leyen", "Person", "Ursula von der Leyen", None, "De EC-president Ursula von der Leyen"),
    (NOTE, "person/stella-kyriakides", "Person", "Stella Kyriakides", None, "Europees Commissaris Kyriakides"),
    (NOTE, "event/digital-day-2018", "Event", "Digital Days 2018", None, "Op de Digital Days 2018 werd de 1-million genomes verklaring"),
    (NOTE, "event/flanders-care-participatiefora", "Event", "Flanders' Care annual participation fora",
     "Jaarlijkse participatiefora van Flanders’ Care", "door de organisatie van jaarlijkse participatiefora en een roadshow in Vlaanderen"),
    (NOTE, "initiative/esfri", "Initiative", "European Strategic Forum for Research Infrastructures (ESFRI)", None,
     "European Strategic Forum for Research Infrastructures - ESFRI-agenda"),
    (NOTE, "initiative/bbmri", "Network", "BBMRI biobank initiative", "Biobank initiatief BBMRI",
     "Er is in Vlaanderen een grote capaciteit om deel te nemen aan het biobank initiatief BBMRI"),
    (NOTE, "initiative/eatris", "Network", "EATRIS translational research infrastructure",
     "Translationele onderzoeksinfrastructuur EATRIS", "aan de translationele onderzoeksinfrastructuur EATRIS"),
    (NOTE, "initiative/ecrin", "Network", "ECRIN clinical research infrastructure", "Klinische onderzoeksinfrastructuur ECRIN",
     "of aan de klinische onderzoeksinfrastructuur ECRIN"),
    (NOTE, "organisation/eosc", "Infrastructure", "European Open Science Cloud (EOSC)", "Europese open wetenschapswolk",
     "de Europese open wetenschapswolk (EOSC, European Open Science Cloud)"),
    (NOTE, "organisation/covid-19-data-platform", "Infrastructure", "COVID-19 Data Platform", "COVID-19 Data Platform",
     "was het opzetten van een COVID-19 Data Platform."),
    (NOTE, "organisation/tef-health", "Infrastructure", "Testing and Experimentation Facility for Health", None,
     "zoals een Testing and Experimentation Facility for Health."),
    (NOTE, "programme/h2020-societal-challenge-1", "FundingInstrument", "Horizon 2020 Societal Challenge 1: Health and Wellbeing",
     None, "vielen uiteraard onder Societal Challenge 1 Health and Wellbeing"),
    (NOTE, "programme/imi2-ju", "FundingInstrument", "IMI2-JU", None,
     "Societal Challenge 1 Health and Wellbeing18 en IMI2-JU19"),
    (NOTE, "initiative/era-nets", "Network", "ERA-NETs (European networks for joint programming of research)", "ERA-netten",
     "(ERA-netten en JPI)"),
    (NOTE, "initiative/jpi", "Network", "JPI", "JPI", "(ERA-netten en JPI)"),
    (NOTE, "project/human-brain-project", "Project", "Human Brain Project", None, "neurologische wetenschappen en het Human Brain Project."),
    (NOTE, "programme/ipcei", "FundingProgramme", "Important Projects of Common European Interest (IPCEI)", None,
     "(IPCEI, Important Projects of Common European Interest)"),
    (NOTE, "initiative/ipcei-strategic-forum", "Initiative", "Strategic Forum for Important Projects of Common European Interest",
     "Strategisch forum voor IPCEI", "door het strategisch forum dat belangrijke projecten van algemeen Europees belang"),
    (NOTE, "programme/ambient-assisted-living-jp", "FundingProgramme", "Ambient Assisted Living Joint Programme", None,
     "een vervolgprogramma van het Ambient Assisted Living Joint programme"),
    (NOTE, "programme/gti", "FundingInstrument", "Integrated territorial investments (GTI) of ERDF Flanders",
     "Geïntegreerde territoriale investeringen (GTI)", "Binnen de drie geïntegreerde territoriale investeringen (GTI-) zones"),
    (NOTE, "programme/efro-vlaanderen-priority-1", "FundingInstrument", "ERDF Flanders 2014–2020, priority axis 1: Innovation",
     "EFRO Vlaanderen 2014 – 2020, prioritaire as 1: ‘Innovatie’", "prioritaire as 1: ‘Innovatie’"),
    (NOTE, "programme/sbo", "FundingProgramme", "SBO", "SBO", "(zowel fundamentele onderzoek als SBO)"),
    (NOTE, "programme/pio", "FundingProgramme", "Innovatieve overheidsopdrachten (PIO)",
     "Platform Innovatieve overheidsopdrachten (PIO)", "het Platform Innovatieve overheidsopdrachten (PIO)"),
    (NOTE, "programme/sio", "FundingProgramme", "Sociale Impact Obligaties (SIO)", "Sociale Impact Obligaties (SIO)",
     "Sociale Impact Obligaties (SIO)"),
    (NOTE, "initiative/nib-z", "Initiative", "Nieuw Industrieel Beleid Zorgeconomie (NIB-Z)",
     "Nieuw Industrieel Beleid Zorgeconomie (NIB-Z)", "Nieuw Industrieel Beleid Zorgeconomie (NIB-Z)"),
    (NOTE, "initiative/zorgproeftuinen", "Initiative", "Zorgproeftuinen", "Zorgproeftuinen", "ondersteuning van Zorgproeftuinen"),
    (NOTE, "initiative/european-anti-infectious-unit", "Initiative", "European Anti-Infectious Unit", None,
     "Farma en de European Anti-Infectious Unit."),
    (NOTE, "organisation/fris", "Infrastructure", "FRIS-databank", "FRIS-databank", "een analyse van de FRIS databank."),
    (NOTE, "organisation/rode-neuzen", "CivilSocietyOrganisation", "Rode Neuzen", "Rode Neuzen",
     "in het kader van de Rode Neuzen"),
    (NOTE, "organisation/rode-kruis-vlaanderen", "CivilSocietyOrganisation", "Rode Kruis Vlaanderen", "Rode Kruis Vlaanderen",
     "het Rode Kruis Vlaanderen (totale budget max. 475.000 euro)"),
    (NOTE, "organisation/kom-op-tegen-kanker", "CivilSocietyOrganisation", "Kom op tegen Kanker", "Kom op tegen Kanker",
     "Kom op tegen Kanker (totale budget max. 1.000.000 euro"),
    (NOTE, "organisation/technopolis", "Company", "Technopolis", None, "Benchmarking Analysis of Personalised Medicine, Technopolis (2018)"),
    (NOTE, "organisation/flanders-health-spearhead-cluster-healthtech", "Cluster", "speerpuntcluster HealthTech",
     "speerpuntcluster HealthTech", "Centrale pijler en nieuw in dit impulsprogramma is een speerpuntcluster HealthTech."),
    (NOTE, "organisation/genomics-flanders", "Infrastructure", "Genomics Flanders", "Genomics Flanders",
     "de uitbouw van ‘Genomics Flanders’, een genoomdatabank in Vlaanderen."),
    (NOTE, "organisation/flanders-cell-gene-hub", "Infrastructure", "Flanders Cell en Gene Hub", "Flanders Cell en Gene Hub",
     "7.4 Actie 4 Flanders Cell en Gene Hub - RegMed XB/VL"),
    (NOTE, "policy-document/doelgroepbevraging-2020", "PolicyDocument",
     "Gapanalyse en doelgroepbevraging", "Gapanalyse en doelgroepbevraging",
     "Door Inovigate en PWC werd in 2020 een doelgroepbevraging uitgevoerd"),
    (NOTE, "programme/ibn", "FundingProgramme", "innovatief bedrijfsnetwerk (IBN)", "Innovatief bedrijfsnetwerk (IBN)",
     "In 2018 werd een innovatief bedrijfsnetwerk (IBN) flanders.health opgestart"),
    (NOTE, "organisation/genomics-england", "Organisation", "Genomics England", None,
     "Genomics England, Estland, Finland en IJsland zijn de koplopers in Europa"),
    # 003: regions and countries, GTI zones
    (NOTE, "region/BE", "Region", "Belgium", "België", "ook de verklaring te ondertekenen voor België"),
    (NOTE, "region/BE22", "Region", "Prov. Limburg (BE)", None, "SALK (GTI Limburg – 4,76)"),
    (NOTE, "region/BE25", "Region", "Prov. West-Vlaanderen", "West-Vlaanderen", "West Deal (GTI West-Vlaanderen – 1,3)"),
    (NOTE, "region/kempen", "Region", "Kempen", "Kempen", "Dynak (GTI Kempen – 2,9)"),
    (NOTE, "initiative/salk", "Initiative", "SALK", None, "SALK (GTI Limburg – 4,76)"),
    (NOTE, "initiative/west-deal", "Initiative", "West Deal", None, "West Deal (GTI West-Vlaanderen – 1,3)"),
    (NOTE, "initiative/dynak", "Initiative", "Dynak", None, "Dynak (GTI Kempen – 2,9)"),
    (NOTE, "region/germany", "Region", "Germany", "Duitsland", "minder sterk is dan die van Duitsland"),
    (NOTE, "region/united-states", "Region", "United States", None, "loopt Europa sterk achterop vergeleken met de VS"),
    (NOTE, "region/england", "Region", "England", "Engeland", "in plaats van naar Engeland, Estland of IJsland."),
    (NOTE, "region/estonia", "Region", "Estonia", "Estland", "Genomics England, Estland, Finland en IJsland zijn de koplopers"),
    (NOTE, "region/iceland", "Region", "IJsland", "IJsland", "Genomics England, Estland, Finland en IJsland zijn de koplopers"),
    (NOTE, "region/finland", "Region", "Finland", None, "Genomics England, Estland, Finland en IJsland zijn de koplopers"),
    (NOTE, "region/france", "Region", "France", "Frankrijk", "Frankrijk toetst de mogelijkheden af"),
    (NOTE, "initiative/smart-health-pilot", "Pilot", "Vanguard Initiative Smart Health pilot", None,
     "de Vanguard Initiatief Smart Health piloot"),
    (NOTE, "region/netherlands", "Region", "Netherlands", "Nederland", "naar analogie met Nederland een beperkt aantal ambitieuze moonshots"),
    (NOTE, "place/ghent", "Place", "Ghent", "Gent", "De ELIXIR-hub in Gent is hier dan ook een belangrijke partner."),
    (NOTE, "place/brussels", "Place", "Brussels", "Brussel", "de vier universitaire ziekenhuizen in Leuven, Gent, Antwerpen en Brussel"),
]

# (graph, subject path, predicate, object path or literal); the passage is each subject's quote above
# or the one in the comment.
LINKS = [
    (DECK, "event/onboarding-meetings-2024-2025", SMH.organisedBy, "initiative/smart-health-pilot"),
    (DECK, "event/onboarding-meetings-2024-2025", ASSOCIATED, "region/catalonia"),
    (DECK, "event/onboarding-meetings-2024-2025", ASSOCIATED, "region/scotland"),
    (DECK, "event/onboarding-meetings-2024-2025", SMH.status, SMHV["status/held"]),
    # "Smart Health – Learn & Connect in 2024/2025"
    (DECK, "event/onboarding-meetings-2024-2025", SMH.startDate, Literal("2024", datatype=XSD_YEAR)),
    (DECK, "event/onboarding-meetings-2024-2025", SMH.endDate, Literal("2025", datatype=XSD_YEAR)),
    (DECK, "event/solid-symposium-2026", SMH.status, SMHV["status/planned"]),
    (DECK, "event/solid-symposium-2026", SMH.startDate, Literal("2026", datatype=XSD_YEAR)),
    (DECK, "event/s3-cop-annual-conference-2026", SMH.organisedBy, "initiative/s3-cop"),
    (DECK, "event/plp-peer-review-east-netherlands", SMH.organisedBy, "initiative/interreg-plp"),
    # "two Peer Reviews scheduled in 2026 (Maastricht and Noord-Brabant)"
    (DECK, "event/plp-peer-review-noord-brabant-2026", SMH.locatedIn, "place/noord-brabant"),
    (DECK, "place/noord-brabant", SMH.basedIn, "region/NL41"),
    (DECK, "place/thuringia", SMH.basedIn, "region/DEG"),
    # "South Netherlands (Limburg and Brabant) (NL)"
    (DECK, "region/NL42", SMH.partOfRegion, "region/NL4"),
    (DECK, "region/NL41", SMH.partOfRegion, "region/NL4"),
    # "(tbc: Brussels in June; joint meeting with S3P MedTech in Thuringia in September)" stays tentative
    (DECK, "event/plenary-brussels-2026-06", SMH.status, SMHV["status/tentative"]),
    (DECK, "event/plenary-thuringia-2026-09", SMH.status, SMHV["status/tentative"]),
    (DECK, "programme/i3-strand-2b", DCTERMS_PART, "programme/i3"),
    # "Ghent, Maastricht & Lecco (joint events with the S3P MedTech Partnership)"
    (DECK, "event/plenary-ghent-2024-04", SMH.coOrganisedWith, "initiative/s3-medtech"),
    (DECK, "initiative/s3-cop-demonstration-service", ORG.subOrganizationOf, "initiative/s3-cop"),
    (DECK, "organisation/dg-rtd", ORG.subOrganizationOf, "organisation/european-commission"),
    (NOTE, "policy-document/rapport-economisch-relancecomite-2020", DCTERMS_DATE, Literal("2020-07-14", datatype=XSD_DATE)),
    (NOTE, "policy-document/rapport-economisch-relancecomite-2020", DCTERMS_CREATOR,
     "organisation/economisch-relance-adviescomite"),
    (NOTE, "policy-document/council-conclusions-personalised-medicine-2015", DCTERMS_DATE,
     Literal("2015-12", datatype=XSD_YEAR_MONTH)),
    (NOTE, "policy-document/nota-vlaamse-regering-2019-05-04", DCTERMS_DATE, Literal("2019-05-04", datatype=XSD_DATE)),
    (NOTE, "policy-document/nota-focus-flanders-care-2019-2024", DCTERMS_DATE, Literal("2020-03-23", datatype=XSD_DATE)),
    (NOTE, "policy-document/mission-letter-kyriakides-2019", DCTERMS_CREATOR, "person/ursula-von-der-leyen"),
    (NOTE, "person/ursula-von-der-leyen", SMH.affiliation, "organisation/european-commission"),
    (NOTE, "person/stella-kyriakides", SMH.affiliation, "organisation/european-commission"),
    (NOTE, "organisation/belgian-federal-government", SMH.basedIn, "region/BE"),
    (NOTE, "programme/h2020-societal-challenge-1", DCTERMS_PART, "programme/horizon-2020"),
    (NOTE, "programme/imi2-ju", DCTERMS_PART, "programme/horizon-2020"),
    (NOTE, "programme/gti", DCTERMS_PART, "programme/efro-vlaanderen"),
    (NOTE, "initiative/salk", SMH.basedIn, "region/BE22"),
    (NOTE, "initiative/west-deal", SMH.basedIn, "region/BE25"),
    (NOTE, "initiative/dynak", SMH.basedIn, "region/kempen"),
    (NOTE, "region/BE22", SMH.partOfRegion, "region/BE2"),
    (NOTE, "region/kempen", SMH.partOfRegion, "region/BE2"),
    (NOTE, "organisation/genomics-england", SMH.basedIn, "region/england"),
    (NOTE, "project/human-brain-project", SMH.participant, "organisation/fwo"),
    (NOTE, "programme/ibn", SMH.managedBy, "organisation/vlaio"),
    (NOTE, "policy-document/doelgroepbevraging-2020", DCTERMS_CREATOR, "organisation/pwc"),
    (NOTE, "event/flanders-care-participatiefora", SMH.organisedBy, "initiative/flanders-care"),
    # "de vier universitaire ziekenhuizen in Leuven, Gent, Antwerpen en Brussel"
    (NOTE, "organisation/uz-gent", SMH.locatedIn, "place/ghent"),
    (NOTE, "organisation/uz-brussel", SMH.locatedIn, "place/brussels"),
    (NOTE, "organisation/elixir-hub-ghent", SMH.locatedIn, "place/ghent"),
]

# (graph, agent path, role, event or project path); passages in the curated records
INVOLVEMENTS = [
    # "The East Netherlands region successfully submitted an application for a PLP Peer Review"
    (DECK, "region/NL2", "initiator", "event/plp-peer-review-east-netherlands"),
    (DECK, "initiative/interreg-plp", "organiser", "event/plp-peer-review-east-netherlands"),
    # "Ghent, Maastricht & Lecco (joint events with the S3P MedTech Partnership)"
    (DECK, "initiative/s3-medtech", "co-organiser", "event/plenary-ghent-2024-04"),
    (NOTE, "organisation/fwo", "partner", "project/human-brain-project"),
]

# (graph, figure owner path, measure, numeric value or date text, passage); a comment never replaces these
FIGURES = [
    (NOTE, "policy-document/rapport-economisch-relancecomite-2020", "count", "11", "Er werden 11 aanbevelingen geformuleerd"),
    (NOTE, "organisation/economisch-relance-adviescomite", "count", "6", "een van de zes fundamentele bouwstenen"),
    (NOTE, "initiative/one-million-genomes", "country-count", "13", "door 13 EU-lidstaten ondertekend"),
    (NOTE, "policy-document/one-million-genomes-declaration", "country-count", "22", "Inmiddels tekenden 22 landen de intentieverklaring"),
    (NOTE, "region/BE", "ratio", "2", "per job nog eens 2 indirecte jobs aanbrengt"),
    (NOTE, "region/BE", "amount", "3400000000", "producten in België EUR 3,4 miljard"),
    (NOTE, "region/BE", "job-count", "38500", "een directe tewerkstelling van 38.500 werknemers"),
    (NOTE, "region/BE", "job-count", "121000", "op meer dan 121.000 jobs"),
    (NOTE, "organisation/genomics-flanders", "count", "20000", "Een genoomcollectie van 20 000 individuen is significant"),
]

# (graph, member path, organisation path, role, isMember); passages in the curated records
MEMBERSHIPS = [
    # "relance comités die door de Vlaamse Regering n.a.v. de COVID-19 pandemie werden opgericht"
    (NOTE, "organisation/flemish-government", "organisation/economisch-relance-adviescomite", "initiator", True),
    (NOTE, "organisation/flemish-government", "organisation/maatschappelijk-relancecomite", "initiator", True),
    (NOTE, "region/BE2", "initiative/bbmri", "prospective", False),
    (NOTE, "region/BE2", "initiative/eatris", "prospective", False),
    (NOTE, "region/BE2", "initiative/ecrin", "prospective", False),
    (NOTE, "region/BE", "initiative/one-million-genomes", "member", True),
    (NOTE, "organisation/fwo", "initiative/era-nets", "member", True),
    (NOTE, "organisation/fwo", "initiative/jpi", "member", True),
]


@pytest.fixture(scope="module")
def graphs(built):
    dataset = load_dataset(built.dataset_path)
    return {stem: dataset.graph(URIRef(f"{ID}graph/{stem}")) for stem in (DECK, NOTE)}


def _squash(text: str) -> str:
    return " ".join(str(text).split())


def _quotes(graph, node) -> set[str]:
    return {_squash(exact) for quotation in graph.objects(node, PROV.wasDerivedFrom)
            for selector in graph.objects(quotation, OA.hasSelector)
            for exact in graph.objects(selector, OA.exact)}


@pytest.mark.parametrize("stem, path, class_name, label_en, label_nl, passage", NAMED,
                         ids=[f"{row[0][:3]}:{row[1]}" for row in NAMED])
def test_named_thing_has_class_label_and_quote(graphs, stem, path, class_name, label_en, label_nl, passage):
    graph = graphs[stem]
    node = URIRef(ID + path)
    assert (node, RDF.type, SMH[class_name]) in graph, f"{path} is not an smh:{class_name} in {stem}"
    assert Literal(label_en, lang="en") in set(graph.objects(node, RDFS.label))
    if label_nl:
        assert Literal(label_nl, lang="nl") in set(graph.objects(node, RDFS.label))
    quotes = _quotes(graph, node)
    assert any(_squash(passage) in quote for quote in quotes), f"{path}: no quote holds {passage!r}; has {quotes}"
    source = _squash((Settings().sources_dir / f"{stem}.txt").read_text(encoding="utf-8"))
    assert all(quote in source for quote in quotes)


@pytest.mark.parametrize("stem, subject, predicate, obj", LINKS,
                         ids=[f"{row[1]}-{row[2].split('#')[-1].split('/')[-1]}" for row in LINKS])
def test_link_is_stated(graphs, stem, subject, predicate, obj):
    # Plain strings are instance paths; URIRef and Literal (str subclasses too) are taken as they are.
    value = obj if isinstance(obj, (URIRef, Literal)) else URIRef(ID + obj)
    assert (URIRef(ID + subject), predicate, value) in graphs[stem]


@pytest.mark.parametrize("stem, member, organisation, role, is_member", MEMBERSHIPS,
                         ids=[f"{row[1]}--{row[2]}" for row in MEMBERSHIPS])
def test_membership_is_stated(graphs, stem, member, organisation, role, is_member):
    graph = graphs[stem]
    nodes = set(graph.subjects(ORG.member, URIRef(ID + member))) & set(
        graph.subjects(ORG.organization, URIRef(ID + organisation)))
    assert len(nodes) == 1
    node = nodes.pop()
    assert (node, ORG.role, SMHV[f"membership-role/{role}"]) in graph
    assert (node, SMH.isMember, Literal(is_member)) in graph
    assert _quotes(graph, node)
    shortcut = (URIRef(ID + member), ORG.memberOf, URIRef(ID + organisation)) in graph
    assert shortcut is is_member


@pytest.mark.parametrize("stem, agent, role, target", INVOLVEMENTS, ids=[f"{row[1]}--{row[2]}" for row in INVOLVEMENTS])
def test_involvement_is_stated(graphs, stem, agent, role, target):
    graph = graphs[stem]
    nodes = set(graph.subjects(SMH.involvedAgent, URIRef(ID + agent))) & set(
        graph.subjects(SMH.involvedIn, URIRef(ID + target)))
    assert {node for node in nodes if (node, SMH.role, SMHV[f"membership-role/{role}"]) in graph}, (agent, role, target)
    assert all(_quotes(graph, node) for node in nodes)


@pytest.mark.parametrize("stem, owner, measure, value, passage", FIGURES, ids=[f"{row[1]}--{row[3]}" for row in FIGURES])
def test_stated_figure_is_typed_with_its_quote(graphs, stem, owner, measure, value, passage):
    graph = graphs[stem]
    figures = [node for node in graph.subjects(SMH.figureOf, URIRef(ID + owner))
               if (node, SMH.measure, SMHV[f"measure/{measure}"]) in graph]
    values = {node: {str(v) for v in graph.objects(node, SMH.numericValue)} | {str(v) for v in graph.objects(node, SMH.dateValue)}
              for node in figures}
    matching = [node for node, found in values.items() if any(float(v) == float(value) for v in found)]
    assert matching, f"{owner}: no {measure} figure of {value}; has {values}"
    assert any(_squash(passage) in quote for node in matching for quote in _quotes(graph, node))


def test_countries_link_to_the_country_table_and_cited_nuts_codes_only(graphs):
    """Countries without a cited NUTS code carry only smh:country; BE, BE22, BE25 carry their code."""
    country = "http://publications.europa.eu/resource/authority/country/"
    expected = {"region/germany": "DEU", "region/united-states": "USA", "region/england": "GBR",
                "region/estonia": "EST", "region/iceland": "ISL", "region/finland": "FIN",
                "region/france": "FRA", "region/netherlands": "NLD", "region/BE": "BEL", "region/kempen": "BEL"}
    graph = graphs[NOTE]
    for path, code in expected.items():
        node = URIRef(ID + path)
        assert set(graph.objects(node, SMH.country)) == {URIRef(country + code)}, path
        has_code = set(graph.objects(node, SMH.nutsCode))
        assert has_code == ({Literal("BE")} if path == "region/BE" else set()), path
    for code in ("BE22", "BE25"):
        assert set(graph.objects(URIRef(f"{ID}region/{code}"), SMH.nutsCode)) == {Literal(code)}


def test_comparison_regions_say_how_the_document_uses_them(graphs):
    """A region used only as a comparison says so as data (smh:regionUse comparison, in the note's
    graph), and in an English comment; France is named as an actor (exploring a joint approach)."""
    for path in ("region/germany", "region/united-states", "region/england", "region/estonia", "region/iceland",
                 "region/finland", "region/france"):
        comments = [str(c) for c in graphs[NOTE].objects(URIRef(ID + path), RDFS.comment)]
        assert comments and any(c.startswith(("Used as a comparison", "Named as")) for c in comments), path
        uses = set(graphs[NOTE].objects(URIRef(ID + path), SMH.regionUse))
        assert uses == (set() if path == "region/france" else {URIRef(f"{SMHV}region-use/comparison")}), path


def test_target_country_and_reference_area_of_the_profile_and_the_news(built):
    """001: "International cooperation / Targeted countries / United States"; 002: "aims to be the
    largest … Health Innovation Hub … in Northern Europe"."""
    dataset = load_dataset(built.dataset_path)
    profile = dataset.graph(URIRef(f"{ID}graph/001_54163fe3eccd58e8"))
    hub, usa = URIRef(f"{ID}organisation/smart-hub-health"), URIRef(f"{ID}region/united-states")
    assert set(profile.objects(hub, SMH.targetCountry)) == {usa}
    assert set(profile.objects(usa, SMH.country)) == {URIRef("http://publications.europa.eu/resource/authority/country/USA")}
    assert "International cooperation Targeted countries United States" in _quotes(profile, hub)
    news = dataset.graph(URIRef(f"{ID}graph/002_87288936a96fbea5"))
    area = URIRef(f"{ID}region/northern-europe")
    assert (area, RDF.type, SMH.Region) in news and (area, RDFS.label, Literal("Northern Europe", lang="en")) in news
    assert set(news.objects(area, SMH.regionUse)) == {URIRef(f"{SMHV}region-use/reference-area")}
    assert any("in Northern Europe" in quote for quote in _quotes(news, area))


def test_proposed_organisations_are_not_offered_as_actors(graphs):
    """Proposed, not yet founded: no helix role, so actor and consortium queries leave them out."""
    for path in ("organisation/flanders-health-spearhead-cluster-healthtech", "organisation/genomics-flanders",
                 "organisation/flanders-cell-gene-hub"):
        assert not set(graphs[NOTE].objects(URIRef(ID + path), SMH.helixRole)), path
