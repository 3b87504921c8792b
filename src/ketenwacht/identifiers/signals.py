"""Signals for apps that build on recorded values, so identifiers does not depend on them."""

from __future__ import annotations

from django.dispatch import Signal

# Sent once the transaction that recorded sightings has committed, with ``recorded``: the
# batch's (canonical value, pseudonym id) pairs, values in the clear and in this process only
# (the oblivious check lists them while they are still at hand). Receivers must not store or
# log the values themselves.
sightings_recorded = Signal()
