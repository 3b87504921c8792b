"""Ketenwacht: the platform of the Dutch public-private partnership against online fraud."""

from ketenwacht.celery import app as celery_app

__all__ = ["celery_app"]
