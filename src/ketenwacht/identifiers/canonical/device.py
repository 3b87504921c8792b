"""Device fingerprints from partners: opaque.

The platform does not know how a partner computes its fingerprints, so it changes nothing
but surrounding white space: case, separators and encoding may all carry meaning. It only
refuses what cannot be a fingerprint — too short to identify anything, too long, or with
white space or non-printable characters inside. (A bare number that passes the 11-proef is
refused earlier, as a possible BSN.)
"""

from __future__ import annotations

import re

from ketenwacht.identifiers.canonical._text import clean
from ketenwacht.identifiers.canonical.bsn import refuse_bsn
from ketenwacht.identifiers.canonical.types import Canonical, CanonicalError

KIND = "device"
MIN_LENGTH = 8
MAX_LENGTH = 512
_PRINTABLE = re.compile(r"[\x21-\x7e]+")


def canonical_device(raw: str) -> Canonical:
    text = clean(raw, kind=KIND)
    refuse_bsn(text, kind=KIND)
    return device_from_clean(text)


def device_from_clean(text: str) -> Canonical:
    """As :func:`canonical_device`, for text that :func:`.clean` and the BSN guard passed."""
    if not MIN_LENGTH <= len(text) <= MAX_LENGTH:
        raise CanonicalError.bilingual(
            "device_length",
            f"Een apparaatvingerafdruk heeft {MIN_LENGTH} tot {MAX_LENGTH} tekens",
            f"a device fingerprint has {MIN_LENGTH} to {MAX_LENGTH} characters",
            kind=KIND,
        )
    if not _PRINTABLE.fullmatch(text):
        raise CanonicalError.bilingual(
            "device_characters",
            "Een apparaatvingerafdruk bestaat uit zichtbare ASCII-tekens zonder spaties",
            "a device fingerprint consists of visible ASCII characters without spaces",
            kind=KIND,
        )
    return Canonical(kind=KIND, value=text, display=text, detail={})
