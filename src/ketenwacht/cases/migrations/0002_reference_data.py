"""Police units, the (approximate, demo) postcode table and the default routing rules."""

from django.db import migrations


def load(apps, schema_editor):
    from ketenwacht.cases.reference import load_reference

    load_reference(
        unit_model=apps.get_model("cases", "Unit"),
        range_model=apps.get_model("cases", "PostcodeRange"),
        rule_model=apps.get_model("cases", "RoutingRule"),
    )


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
