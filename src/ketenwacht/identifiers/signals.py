"""Signals for apps that build on recorded values, so identifiers does not depend on them."""

from __future__ import annotations

from django.dispatch import Signal

# Sent inside the transaction that records sightings, with ``recorded``: the batch's
# (canonical value, pseudonym id) pairs, values in the clear and in this process only (the
# oblivious check seals them for its list while they are still at hand). A receiver's rows
# commit or roll back with the sightings; work outside the database belongs in
# ``transaction.on_commit``. Receivers must not store or log the values in the clear.
sightings_recorded = Signal()
