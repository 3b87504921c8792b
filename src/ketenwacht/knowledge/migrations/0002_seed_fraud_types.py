"""Seed the fraud-type taxonomy of the design (DESIGN.md, "Fraud forms in scope").

The texts are frozen here on purpose: a migration must give the same result whenever it runs.
Later edits by the programme team happen in the data (admin), never by changing this file;
rows that already exist are left as they are.
"""

from django.db import migrations

FRAUD_TYPES = [
    {
        "code": "bankhelpdesk",
        "sort_order": 10,
        "name_nl": "Bankhelpdeskfraude",
        "name_en": "Bank helpdesk fraud",
        "description_nl": (
            "Een oplichter doet zich telefonisch, per sms of via WhatsApp voor als medewerker "
            "van de bank, vaak met een vervalst nummer, en overtuigt het slachtoffer dat zijn "
            "geld niet veilig is: geld overmaken naar een 'veilige rekening', inloggen via een "
            "link, een app installeren of de bankpas afgeven."
        ),
        "description_en": (
            "A fraudster poses as a bank employee by phone, text message or WhatsApp, often "
            "with a spoofed number, and convinces the victim that their money is not safe: "
            "transfer it to a 'safe account', log in through a link, install an app or hand "
            "over the bank card."
        ),
    },
    {
        "code": "purchase",
        "sort_order": 20,
        "name_nl": "Aankoopfraude",
        "name_en": "Purchase fraud",
        "description_nl": (
            "Het slachtoffer betaalt voor een product of dienst, bijvoorbeeld via een "
            "advertentie op een marktplaats of een nepwebwinkel, maar ontvangt nooit iets."
        ),
        "description_en": (
            "The victim pays for goods or a service, for example through an advertisement on "
            "a marketplace or a fake web shop, but never receives anything."
        ),
    },
    {
        "code": "sales",
        "sort_order": 30,
        "name_nl": "Verkoopfraude",
        "name_en": "Sales fraud",
        "description_nl": (
            "Het slachtoffer verkoopt iets en wordt nooit betaald, of krijgt een nep-"
            "betaalverzoek of een link om 'het geld te ontvangen' waarmee zijn rekening wordt "
            "leeggehaald."
        ),
        "description_en": (
            "The victim sells something and is never paid, or receives a fake payment request "
            "or a link to 'receive the money' that is used to empty their account."
        ),
    },
    {
        "code": "friend_in_need",
        "sort_order": 40,
        "name_nl": "Vriend-in-noodfraude",
        "name_en": "Friend-in-need fraud",
        "description_nl": (
            "Een oplichter doet zich via WhatsApp of sms voor als kind, familielid of bekende "
            "met een nieuw nummer ('Hoi mam, dit is mijn nieuwe nummer') en vraagt om snel "
            "een rekening te betalen."
        ),
        "description_en": (
            "A fraudster poses as a child, relative or friend with a new number on WhatsApp or "
            "by text message ('Hi mum, this is my new number') and asks for a bill to be paid "
            "urgently."
        ),
    },
    {
        "code": "phishing",
        "sort_order": 50,
        "name_nl": "Phishing",
        "name_en": "Phishing",
        "description_nl": (
            "Een nagemaakte e-mail, sms of website lokt inloggegevens, betaalgegevens of codes "
            "uit, vaak uit naam van een bank, de overheid of een vervoerder."
        ),
        "description_en": (
            "A counterfeit e-mail, text message or website lures the victim into giving away "
            "login details, payment details or codes, often in the name of a bank, the "
            "government or a carrier."
        ),
    },
    {
        "code": "invoice",
        "sort_order": 60,
        "name_nl": "Factuurfraude",
        "name_en": "Invoice fraud",
        "description_nl": (
            "Valse of gewijzigde facturen, bijvoorbeeld met een ander rekeningnummer, en "
            "CEO-fraude, waarbij een zogenaamde directeur opdracht geeft tot een spoedbetaling."
        ),
        "description_en": (
            "Fake or altered invoices, for example with a different account number, and CEO "
            "fraud, where a supposed executive orders an urgent payment."
        ),
    },
    {
        "code": "romance",
        "sort_order": 70,
        "name_nl": "Datingfraude",
        "name_en": "Romance fraud",
        "description_nl": (
            "Een oplichter bouwt via een datingsite of sociale media een relatie op en vraagt "
            "daarna om geld, bijvoorbeeld voor een ziekenhuisrekening of een reis."
        ),
        "description_en": (
            "A fraudster builds a relationship through a dating site or social media and then "
            "asks for money, for example for a hospital bill or a journey."
        ),
    },
    {
        "code": "investment",
        "sort_order": 80,
        "name_nl": "Beleggingsfraude",
        "name_en": "Investment fraud",
        "description_nl": (
            "Nepbeleggingen, vaak in crypto, aangeprezen met hoge rendementen via advertenties "
            "of sociale media; het platform toont winst, maar het geld is weg."
        ),
        "description_en": (
            "Fake investments, often in crypto, promoted with high returns through "
            "advertisements or social media; the platform shows profits, but the money is gone."
        ),
    },
    {
        "code": "identity",
        "sort_order": 90,
        "name_nl": "Identiteitsfraude",
        "name_en": "Identity fraud",
        "description_nl": (
            "Misbruik van iemands identiteitsgegevens, zoals een kopie van het "
            "identiteitsbewijs, om op diens naam rekeningen, abonnementen of leningen af te "
            "sluiten."
        ),
        "description_en": (
            "Misuse of someone's identity data, such as a copy of their identity document, to "
            "open accounts, subscriptions or loans in their name."
        ),
    },
    {
        "code": "helpdesk_other",
        "sort_order": 100,
        "name_nl": "Overige helpdeskfraude",
        "name_en": "Other impersonation fraud",
        "description_nl": (
            "Een oplichter doet zich voor als politie, Belastingdienst, vervoerder, "
            "energieleverancier of een andere helpdesk om geld of gegevens los te krijgen."
        ),
        "description_en": (
            "A fraudster poses as the police, the tax authority, a carrier, an energy supplier "
            "or another helpdesk to obtain money or data."
        ),
    },
    {
        "code": "other",
        "sort_order": 110,
        "name_nl": "Overige fraude",
        "name_en": "Other fraud",
        "description_nl": "Een vorm van online fraude die niet onder een van de andere typen valt.",
        "description_en": "A form of online fraud that does not fit any of the other types.",
    },
]


def seed(apps, schema_editor):
    FraudType = apps.get_model("knowledge", "FraudType")
    for entry in FRAUD_TYPES:
        values = dict(entry)
        code = values.pop("code")
        FraudType.objects.get_or_create(code=code, defaults=values)


def unseed(apps, schema_editor):
    FraudType = apps.get_model("knowledge", "FraudType")
    FraudType.objects.filter(code__in=[entry["code"] for entry in FRAUD_TYPES]).delete()


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
