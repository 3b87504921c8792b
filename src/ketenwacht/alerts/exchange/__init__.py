"""Exchange adapters for alerts: STIX 2.1 bundles (and, later, TAXII 2.1 and MISP).

Builds only on the public interface of the alerts core (``alerts.models``, ``alerts.selectors``,
``partners.access``); see the last section of ``docs/alerts.md``.
"""
