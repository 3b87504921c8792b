"""Cluster membership moves from ``cases_report.cluster_id`` to its own narrow table.

The rebuild rewrote up to a million wide report rows to set one column; it now writes
``cases_membership`` rows (report, cluster, damage) instead. Existing memberships are copied
across in SQL before the column is dropped (and copied back when migrating backwards).
"""

import django.db.models.deletion
from django.db import migrations, models

FORWARD = (
    "INSERT INTO cases_membership (report_id, cluster_id, damage_cents) "
    "SELECT id, cluster_id, damage_cents FROM cases_report WHERE cluster_id IS NOT NULL"
)
BACKWARD = (
    "UPDATE cases_report SET cluster_id = (SELECT m.cluster_id FROM cases_membership m "
    "WHERE m.report_id = cases_report.id)"
)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0002_reference_data"),
    ]

    operations = [
        migrations.CreateModel(
            name="Membership",
            fields=[
                (
                    "report",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="membership",
                        serialize=False,
                        to="cases.report",
                    ),
                ),
                ("damage_cents", models.BigIntegerField(default=0)),
                (
                    "cluster",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="memberships",
                        to="cases.cluster",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["cluster", "damage_cents"], name="case_membership_cluster"
                    )
                ],
            },
        ),
        migrations.RunSQL(FORWARD, BACKWARD),
        migrations.RemoveIndex(model_name="report", name="case_report_cluster"),
        migrations.RemoveIndex(model_name="report", name="case_report_damage"),
        migrations.RemoveIndex(model_name="report", name="case_report_victim"),
        migrations.RemoveField(model_name="report", name="cluster"),
        migrations.AddIndex(
            model_name="report",
            index=models.Index(fields=["victim_key"], name="case_report_victim_key"),
        ),
    ]
