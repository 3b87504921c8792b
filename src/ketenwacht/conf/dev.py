"""Embedded default: SQLite under var/, eager Celery, mail to files."""

from ketenwacht.conf.base import *  # noqa: F403
from ketenwacht.conf.base import secret_key_from_files

DEBUG = True
SECRET_KEY = secret_key_from_files()
