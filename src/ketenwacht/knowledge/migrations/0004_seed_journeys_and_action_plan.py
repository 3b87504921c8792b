"""Seed what the partnership made public in its annual report 2023 (``shared/seed``):

- the criminal journey of bank-helpdesk fraud (six phases), and journeys for purchase and
  sales fraud (named for 2024 "met dezelfde aanpak");
- the barriers the report names publicly: lower payment limits and delays for new
  beneficiaries (banks), blocking spoofed bank numbers (telecom), "je bank belt nooit om samen
  in te loggen" (communication), warnings on marketplaces for reported sellers;
- the action plan 2023 with what each theme realised ("Gerealiseerd in 2023");
- the privacy expert group (members are added by the programme team).

All of it is public, hence TLP:CLEAR. Texts are frozen here on purpose; later edits happen in
the data and are versioned. Each seeded barrier, phase and action point gets version 1.
"""

import datetime

from django.db import migrations

SEED_LABEL = "seed: annual report 2023"

PHASE_NAMES = {
    "orientation": ("Oriëntatie", "Orientation"),
    "preparation": ("Voorbereiding", "Preparation"),
    "contact": ("Contact met het slachtoffer", "Contact with the victim"),
    "convincing": ("Overtuigen", "Convincing the victim"),
    "transfer": ("Overmaken van het geld", "Transfer of the money"),
    "cashout": ("Besteden en uitnemen", "Spending and cash-out"),
}

JOURNEYS = {
    "bankhelpdesk": {
        "sectors": ["bank", "telecom", "police", "prosecutor", "desk"],
        "summary_nl": (
            "De werkwijze van de bankhelpdeskfraudeur in zes stappen, in kaart gebracht door de "
            "fraude-experts van de aangesloten organisaties (jaarbericht 2023)."
        ),
        "summary_en": (
            "The bank-helpdesk fraudster's method in six steps, mapped by the fraud experts of "
            "the partner organisations (annual report 2023)."
        ),
        "phases": {
            "orientation": (
                "De fraudeur verzamelt verschillende soorten informatie en denkt een "
                "handelswijze uit.",
                "The fraudster gathers information of various kinds and chooses a method.",
            ),
            "preparation": (
                "De identiteit wordt verhuld en er worden ondersteunende middelen aangeschaft, "
                "zoals telefoons.",
                "The fraudster hides their identity and buys supporting means, such as phones.",
            ),
            "contact": (
                "De fraudeur legt contact met het slachtoffer, zich voordoend als de bank.",
                "The fraudster contacts the victim, posing as the bank.",
            ),
            "convincing": (
                "Het slachtoffer wordt ervan overtuigd dat diens geld niet veilig is.",
                "The victim is convinced that their money is not safe.",
            ),
            "transfer": (
                "Het geld wordt overgeheveld van het slachtoffer naar de fraudeur.",
                "The money is moved from the victim to the fraudster.",
            ),
            "cashout": (
                "De fraudeur besteedt het geld, bijvoorbeeld aan goederen of diensten.",
                "The fraudster spends the money, for example on goods or services.",
            ),
        },
    },
    "purchase": {
        "sectors": ["marketplace", "webshop", "bank", "payment_provider", "carrier", "police"],
        "summary_nl": (
            "Aankoopfraude: het slachtoffer betaalt en ontvangt niets. Voor 2024 benoemd om met "
            "dezelfde aanpak als bankhelpdeskfraude uit te werken."
        ),
        "summary_en": (
            "Purchase fraud: the victim pays and receives nothing. Named for 2024, to be worked "
            "out with the same approach as bank-helpdesk fraud."
        ),
        "phases": {
            "orientation": (
                "De fraudeur kiest gewilde producten, platforms en momenten (zoals de feestdagen).",
                "The fraudster picks wanted goods, platforms and moments (such as the holidays).",
            ),
            "preparation": (
                "Nep- of overgenomen accounts en webwinkels worden opgezet; rekeningen van "
                "geldezels worden geregeld.",
                "Fake or taken-over accounts and web shops are set up; money-mule accounts are "
                "arranged.",
            ),
            "contact": (
                "Een advertentie of nepwebwinkel trekt kopers; het slachtoffer reageert.",
                "An advertisement or fake web shop draws buyers; the victim responds.",
            ),
            "convincing": (
                "Lage prijs, haast, een vervalst identiteitsbewijs of verzendbewijs, en het "
                "gesprek gaat buiten het platform verder.",
                "A low price, urgency, a forged ID or proof of shipment, and the conversation "
                "moves off the platform.",
            ),
            "transfer": (
                "Het slachtoffer betaalt vooruit, per overboeking of betaalverzoek.",
                "The victim pays in advance, by transfer or payment request.",
            ),
            "cashout": (
                "Het geld wordt snel doorgesluisd via geldezels, opgenomen of besteed.",
                "The money is quickly moved on through money mules, withdrawn or spent.",
            ),
        },
    },
    "sales": {
        "sectors": ["marketplace", "bank", "payment_provider", "carrier", "police"],
        "summary_nl": (
            "Verkoopfraude: het slachtoffer verkoopt iets en wordt niet betaald, of raakt via "
            "een nep-betaallink zijn geld kwijt. In 2024 als eerste na bankhelpdeskfraude "
            "opgepakt."
        ),
        "summary_en": (
            "Sales fraud: the victim sells something and is not paid, or loses money through a "
            "fake payment link. Taken up in 2024, first after bank-helpdesk fraud."
        ),
        "phases": {
            "orientation": (
                "De fraudeur zoekt verkopers van goederen op marktplaatsen.",
                "The fraudster looks for sellers of goods on marketplaces.",
            ),
            "preparation": (
                "Nepaccounts en phishingpagina's van 'veilige' betaal- of verzenddiensten worden "
                "gemaakt.",
                "Fake accounts and phishing pages of 'safe' payment or shipping services are made.",
            ),
            "contact": (
                "De fraudeur reageert als geïnteresseerde koper op de advertentie.",
                "The fraudster answers the advertisement as an interested buyer.",
            ),
            "convincing": (
                "Een link 'om het geld te ontvangen' of een kleine verificatiebetaling wordt "
                "voorgesteld.",
                "A link 'to receive the money' or a small verification payment is proposed.",
            ),
            "transfer": (
                "Het slachtoffer vult bankgegevens in op de phishingpagina of verstuurt zonder "
                "betaling; de rekening wordt leeggehaald.",
                "The victim enters bank details on the phishing page or ships without payment; "
                "the account is emptied.",
            ),
            "cashout": (
                "Het geld of de goederen worden doorverkocht, doorgesluisd of opgenomen.",
                "The money or goods are resold, moved on or withdrawn.",
            ),
        },
    },
}

BARRIERS = [
    {
        "fraud_type": "bankhelpdesk",
        "phase": "transfer",
        "title": "Lagere betaallimieten",
        "description": (
            "Banken hebben betaallimieten verlaagd, zodat een slachtoffer niet in één keer zijn "
            "hele saldo kan overmaken."
        ),
        "sectors": ["bank"],
        "kind": "technical",
        "status": "live",
        "effectiveness": (
            "De politie noemt lagere limieten als maatregel die de schade beperkt (jaarbericht "
            "2023, opvolging door politie en OM)."
        ),
    },
    {
        "fraud_type": "bankhelpdesk",
        "phase": "transfer",
        "title": "Vertraging bij nieuwe begunstigden",
        "description": (
            "Een overboeking naar een nieuwe begunstigde wordt vertraagd uitgevoerd, zodat er "
            "tijd is om fraude op te merken en het slachtoffer te waarschuwen."
        ),
        "sectors": ["bank"],
        "kind": "technical",
        "status": "live",
        "effectiveness": (
            "Genoemd als maatregel van banken om schade te beperken (jaarbericht 2023)."
        ),
    },
    {
        "fraud_type": "bankhelpdesk",
        "phase": "contact",
        "title": "Blokkeren van gespoofte banknummers",
        "description": (
            "Telecomaanbieders blokkeren gesprekken die met een vervalst (gespooft) "
            "telefoonnummer van een bank binnenkomen."
        ),
        "sectors": ["telecom"],
        "kind": "technical",
        "status": "live",
        "effectiveness": "Het tegengaan van spoofing 'helpt enorm' (politie, jaarbericht 2023).",
    },
    {
        "fraud_type": "bankhelpdesk",
        "phase": "convincing",
        "title": "Je bank belt nooit om samen in te loggen",
        "description": (
            "Voorlichting aan het publiek: de bank belt nooit om samen in te loggen, om geld "
            "over te maken naar een 'veilige rekening' of om een app te installeren."
        ),
        "sectors": ["bank", "police"],
        "kind": "communication",
        "status": "live",
        "effectiveness": (
            "'Als iedereen weet dat de bank je nooit belt om samen in te loggen, dan trapt er "
            "ook niemand meer in' (jaarbericht 2023)."
        ),
    },
    {
        "fraud_type": "purchase",
        "phase": "contact",
        "title": "Waarschuwing op marktplaatsen bij gemelde verkopers",
        "description": (
            "Wie zaken wil doen met een verkoper tegen wie meermaals aangifte is gedaan, krijgt "
            "op de marktplaats een waarschuwing te zien."
        ),
        "sectors": ["marketplace", "police"],
        "kind": "process",
        "status": "live",
        "effectiveness": (
            "Nu is de politie een cruciale schakel en moet er meermaals aangifte zijn gedaan; "
            "partners willen dit vaker en eerder kunnen (jaarbericht 2023)."
        ),
    },
]

OWNERS = {
    "insight": "VNO-NCW en MKB-Nederland",
    "data_sharing": "Ministerie van Justitie en Veiligheid",
    "barriers": "Nederlandse Vereniging van Banken",
    "enforcement": "Politie en Openbaar Ministerie",
    "resilience": "Kerngroep Integrale Aanpak Online Fraude",
    "victim_support": "Ministerie van Justitie en Veiligheid",
}

REALISED_2023 = {
    "insight": [
        "Werkgroep van politie, OM, banken en bedrijfsleven ingericht om informatie over "
        "modi operandi uit te wisselen, op basis van afspraken over onder meer vertrouwelijkheid.",
        "Besluit om 'Zicht op digitale criminaliteit' in Q1 2024 live te laten gaan; dit moet in "
        "2024 verschillende factsheets opleveren.",
        "Onderzoeken en monitors worden aangeboden op de ledenpagina van de website van de "
        "integrale aanpak.",
        "De bouw van de website heeft geleid tot een combinatie van website en "
        "samenwerkingsruimte.",
    ],
    "data_sharing": [
        "Aanpak voor knelpunten bij gegevensdeling vanuit casuïstiek (analyse, effectiviteit, "
        "juridisch kader met privacyadvies, oplossingen, pilot, implementatie); "
        "gestart met 'suspicious devices'.",
        "Met de Autoriteit Persoonsgegevens gesproken over de werkwijze van de integrale aanpak "
        "en de aanpak voor gegevensdeling.",
        "Gestart met het 'privacykader' (op te leveren in Q2), dat ook de juridische waarborgen "
        "bij gegevensdeling behandelt.",
        "Een privacy-expertgroep onder leiding van een onafhankelijke voorzitter ingericht om "
        "juridische vraagstukken met partners te beantwoorden.",
    ],
    "barriers": [
        "Criminal journey en barrièremodel voor bankhelpdeskfraude uitgewerkt; interventies "
        "gekozen die nu worden ontwikkeld.",
        "Verkoopfraude en aankoopfraude benoemd om in 2024 met dezelfde aanpak uit te werken.",
        "Best practices en lessons learned uitgewisseld in de Global Anti Scam Alliance; contact "
        "gelegd met andere EU-landen en het VK.",
    ],
    "enforcement": [
        "Berichten uit opsporing en vervolging worden voortdurend binnen de integrale aanpak "
        "uitgewisseld.",
        "Voor een digitaal aangifteloket voor bedrijven aangesloten bij het bredere traject "
        "binnen de politie om meldingen en aangiften beter online te ondersteunen.",
        "Mogelijkheden voor civielrechtelijke afdoening zijn onderwerp van een breed onderzoek "
        "door de Haagse Hogeschool.",
    ],
    "resilience": [
        "Aangesloten bij bestaande overleggen en netwerken van communicatieadviseurs om dubbel "
        "werk te voorkomen.",
        "Online fraude ingebracht bij de voorbereiding van de Week van de Veiligheid.",
        "Gezamenlijke stand met politie en Nederlandse Vereniging van Banken op de 50PlusBeurs.",
        "Aangesloten bij de inventarisatie van preventiemaatregelen bij gemeenten.",
        "Eind 2023 startte de publiekscampagne 'veilig interneppen' om mensen weerbaar te maken "
        "tegen social engineering.",
    ],
    "victim_support": [
        "Breed panelonderzoek van de Consumentenbond naar online fraude en slachtofferschap, "
        "inclusief melden en meldpunten; de resultaten zijn met de meldpunten besproken.",
        "Netwerk van bestaande meldpunten tot stand gebracht waarin acties op het gebied van "
        "hulp aan slachtoffers worden besproken.",
        "Gezamenlijke factsheet gemaakt voor medewerkers van meldpunten om slachtoffers beter "
        "te informeren.",
        "Juridische en organisatorische voorwaarden voor een anti-phishingschild naar Belgisch "
        "model onderzocht door JenV, EZK en de politie.",
    ],
}


def _revision(Revision, item_type, item_id, snapshot):
    Revision.objects.get_or_create(
        item_type=item_type,
        item_id=item_id,
        number=1,
        defaults={"snapshot": snapshot, "changed_by_label": SEED_LABEL, "note": SEED_LABEL},
    )


def seed(apps, schema_editor):
    FraudType = apps.get_model("knowledge", "FraudType")
    CriminalJourney = apps.get_model("knowledge", "CriminalJourney")
    JourneyPhase = apps.get_model("knowledge", "JourneyPhase")
    Barrier = apps.get_model("knowledge", "Barrier")
    Revision = apps.get_model("knowledge", "Revision")
    ActionPlan = apps.get_model("knowledge", "ActionPlan")
    ActionPoint = apps.get_model("knowledge", "ActionPoint")
    WorkingGroup = apps.get_model("knowledge", "WorkingGroup")

    for code, spec in JOURNEYS.items():
        fraud_type = FraudType.objects.filter(code=code).first()
        if fraud_type is None or CriminalJourney.objects.filter(fraud_type=fraud_type).exists():
            continue
        journey = CriminalJourney.objects.create(
            fraud_type=fraud_type,
            summary_nl=spec["summary_nl"],
            summary_en=spec["summary_en"],
            sectors=spec["sectors"],
            marking="CLEAR",
        )
        for position, (phase_code, (text_nl, text_en)) in enumerate(spec["phases"].items(), 1):
            name_nl, name_en = PHASE_NAMES[phase_code]
            phase = JourneyPhase.objects.create(
                journey=journey,
                code=phase_code,
                position=position,
                name_nl=name_nl,
                name_en=name_en,
                description_nl=text_nl,
                description_en=text_en,
            )
            _revision(
                Revision,
                "phase",
                phase.pk,
                {
                    "name_nl": name_nl,
                    "name_en": name_en,
                    "description_nl": text_nl,
                    "description_en": text_en,
                },
            )

    for spec in BARRIERS:
        phase = JourneyPhase.objects.filter(
            journey__fraud_type__code=spec["fraud_type"], code=spec["phase"]
        ).first()
        if phase is None or Barrier.objects.filter(phase=phase, title=spec["title"]).exists():
            continue
        fields = {
            key: spec[key]
            for key in ("title", "description", "sectors", "kind", "status", "effectiveness")
        }
        barrier = Barrier.objects.create(phase=phase, marking="CLEAR", evidence_links=[], **fields)
        _revision(
            Revision,
            "barrier",
            barrier.pk,
            {**fields, "phase": phase.pk, "evidence_links": [], "marking": "CLEAR"},
        )

    plan, _created = ActionPlan.objects.get_or_create(
        year=2023,
        defaults={
            "introduction": (
                "Het programma ontwikkelt jaarlijks een actieplan aan de hand van zes thema's. "
                "Een kerngroep stelt het op en stuurt op de uitvoering."
            )
        },
    )
    realised_on = datetime.date(2023, 12, 31)
    for theme, titles in REALISED_2023.items():
        for position, title in enumerate(titles, 1):
            if ActionPoint.objects.filter(plan=plan, theme=theme, title=title).exists():
                continue
            point = ActionPoint.objects.create(
                plan=plan,
                theme=theme,
                title=title,
                owner_name=OWNERS[theme],
                status="realised",
                marking="CLEAR",
                position=position,
                realised_at=realised_on,
            )
            _revision(
                Revision,
                "action_point",
                point.pk,
                {
                    "title": title,
                    "description": "",
                    "theme": theme,
                    "owner": OWNERS[theme],
                    "status": "realised",
                    "marking": "CLEAR",
                },
            )

    WorkingGroup.objects.get_or_create(
        slug="privacy-expertgroep",
        defaults={
            "name": "Privacy-expertgroep",
            "kind": "privacy_experts",
            "theme": "data_sharing",
            "description": (
                "Onder leiding van een onafhankelijke voorzitter; beantwoordt juridische "
                "vraagstukken met partners en geeft advies over knelpunten bij gegevensdeling."
            ),
        },
    )


def unseed(apps, schema_editor):
    Barrier = apps.get_model("knowledge", "Barrier")
    CriminalJourney = apps.get_model("knowledge", "CriminalJourney")
    Revision = apps.get_model("knowledge", "Revision")
    ActionPlan = apps.get_model("knowledge", "ActionPlan")
    WorkingGroup = apps.get_model("knowledge", "WorkingGroup")
    Revision.objects.filter(changed_by_label=SEED_LABEL).delete()
    Barrier.objects.filter(title__in=[spec["title"] for spec in BARRIERS]).delete()
    CriminalJourney.objects.filter(fraud_type__code__in=list(JOURNEYS)).delete()
    ActionPlan.objects.filter(year=2023).delete()
    WorkingGroup.objects.filter(slug="privacy-expertgroep").delete()


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0003_collaboration")]

    operations = [migrations.RunPython(seed, unseed)]
