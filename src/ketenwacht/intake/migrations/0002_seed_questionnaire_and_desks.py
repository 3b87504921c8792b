"""Seed the bundled questionnaire (version 1, active) and the desk directory.

Reads the YAML files of the app as they are at migration time; later versions are loaded
with `manage.py intake_load_questionnaire` or in the admin, never by editing this migration.
"""

from pathlib import Path

import yaml
from django.db import migrations

APP_DIR = Path(__file__).resolve().parent.parent
QUESTIONNAIRE = APP_DIR / "questionnaires" / "default.yaml"
DESKS = APP_DIR / "data" / "desks.yaml"
DESK_FIELDS = (
    "name", "kind", "website", "phone", "fraud_line", "fraud_types", "audiences", "services",
    "channels", "referral_method", "field_policy", "retention_days", "sort_order",
)


def seed(apps, schema_editor):
    from ketenwacht.intake.questionnaire import load_yaml

    Questionnaire = apps.get_model("intake", "Questionnaire")
    Desk = apps.get_model("intake", "Desk")
    source = QUESTIONNAIRE.read_text()
    graph = load_yaml(source)  # checks the graph; refuses a broken seed
    if not Questionnaire.objects.filter(version=graph.version).exists():
        Questionnaire.objects.filter(is_active=True).update(is_active=False)
        Questionnaire.objects.create(
            version=graph.version,
            name=graph.name.nl if graph.name else "Vragenlijst",
            source=source,
            definition=yaml.safe_load(source),
            is_active=True,
        )
    for entry in yaml.safe_load(DESKS.read_text())["desks"]:
        if Desk.objects.filter(slug=entry["slug"]).exists():
            continue
        description = entry.get("description") or {}
        Desk.objects.create(
            slug=entry["slug"],
            description_nl=description.get("nl", ""),
            description_en=description.get("en", ""),
            **{name: entry[name] for name in DESK_FIELDS if name in entry},
        )


def unseed(apps, schema_editor):
    apps.get_model("intake", "Desk").objects.all().delete()
    apps.get_model("intake", "Questionnaire").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0001_initial"),
        ("knowledge", "0002_seed_fraud_types"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
