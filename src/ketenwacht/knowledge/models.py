"""The fraud-type taxonomy: data, editable by the programme team."""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def _prefers_english() -> bool:
    return (get_language() or "nl").lower().startswith("en")


class FraudType(models.Model):
    """One form of fraud (``bankhelpdesk``, ``purchase`` …). Deactivate instead of deleting:
    reports, alerts and statistics keep referring to the code."""

    code = models.SlugField(_("code"), max_length=40, primary_key=True)
    name_nl = models.CharField(_("name (Dutch)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    description_nl = models.TextField(_("description (Dutch)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("fraud type")
        verbose_name_plural = _("fraud types")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def name(self) -> str:
        """The name in the active language (Dutch unless English is active)."""
        return self.name_en if _prefers_english() and self.name_en else self.name_nl

    @property
    def description(self) -> str:
        if _prefers_english() and self.description_en:
            return self.description_en
        return self.description_nl
