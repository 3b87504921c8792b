"""The triage score of a host: pure functions, so every rule is tested on its own.

Each rule that fires adds points and a reason code; the queue sorts by score, then by the
number of reporters. The weights are deliberately plain numbers an analyst can reason about.
"""

from __future__ import annotations

import contextlib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import idna
from confusable_homoglyphs import confusables

from ketenwacht.shield.constants import WORDING_SIGNALS
from ketenwacht.shield.hosts import analyse_host

WEIGHTS = {
    "confirmed_sighting": 50,
    "confusable_brand": 40,
    "brand_edit_distance": 30,
    "brand_in_domain": 30,
    "credentials": 20,
    "mixed_script": 20,
    "ip_host": 15,
    "odd_port": 10,
    "shortener": 10,
    "first_seen": 10,
    "wording": 5,  # per signal group, at most four groups
    "reporters": 2,  # per extra reporter, at most ten
}
MAX_WORDING_GROUPS = 4
MAX_EXTRA_REPORTERS = 10
FIRST_SEEN_HOURS = 48

# ASCII look-alikes applied to both sides before comparing (after Unicode confusables).
_ASCII_LOOKALIKES = (
    ("rn", "m"),
    ("vv", "w"),
    ("0", "o"),
    ("1", "l"),
    ("i", "l"),
    ("3", "e"),
    ("5", "s"),
    ("$", "s"),
    ("@", "a"),
)


@dataclass(frozen=True)
class Brand:
    """A protected domain from the allowlist, with the label a lookalike would imitate."""

    domain: str
    label: str
    skeleton: str


@dataclass
class Score:
    points: int = 0
    reasons: list[dict[str, object]] = field(default_factory=list)

    def add(self, code: str, points: int, **detail: object) -> None:
        self.points += points
        self.reasons.append({"code": code, "points": points, **detail})


@lru_cache(maxsize=4096)
def _ascii_homoglyph(character: str) -> str:
    if character.isascii():
        return character
    found = confusables.is_confusable(character, greedy=True, preferred_aliases=["latin"])
    if found:
        for glyph in found[0]["homoglyphs"]:
            if glyph["c"].isascii():
                return str(glyph["c"]).lower()
    stripped = unicodedata.normalize("NFKD", character).encode("ascii", "ignore").decode()
    return stripped.lower() or character


@lru_cache(maxsize=65536)
def skeleton(label: str) -> str:
    """A spelling in which look-alikes meet: Cyrillic 'а' and Latin 'a', '0' and 'o', 'rn'/'m'."""
    text = "".join(_ascii_homoglyph(character) for character in label.lower())
    for lookalike, plain in _ASCII_LOOKALIKES:
        text = text.replace(lookalike, plain)
    return text.replace("-", "")


def brand_for(domain: str) -> Brand | None:
    facts = analyse_host(domain)
    if facts is None or "ip_host" in facts.flags:
        return None
    label = facts.registrable_domain.split(".", 1)[0]
    with contextlib.suppress(idna.IDNAError):
        label = idna.decode(label)
    return Brand(domain=facts.registrable_domain, label=label, skeleton=skeleton(label))


def edit_distance(left: str, right: str, limit: int) -> int:
    """Levenshtein distance, giving up (returning limit + 1) once it exceeds ``limit``."""
    if abs(len(left) - len(right)) > limit:
        return limit + 1
    previous = list(range(len(right) + 1))
    for row, char_left in enumerate(left, start=1):
        current = [row]
        for column, char_right in enumerate(right, start=1):
            current.append(
                min(
                    previous[column] + 1,
                    current[column - 1] + 1,
                    previous[column - 1] + (char_left != char_right),
                )
            )
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def _allowed_distance(label: str) -> int:
    if len(label) >= 8:
        return 2
    if len(label) >= 5:
        return 1
    return 0


def lookalike_reasons(host: str, display: str, registrable: str, brands: Iterable[Brand]) -> Score:
    """Does this host imitate a protected brand domain?"""
    score = Score()
    registrable_display_label = _registrable_label(display, registrable)
    own_skeleton = skeleton(registrable_display_label)
    tokens = _tokens(display)
    for brand in brands:
        if registrable == brand.domain:
            continue
        if own_skeleton == brand.skeleton:
            score.add("confusable_brand", WEIGHTS["confusable_brand"], brand=brand.domain)
            continue
        limit = _allowed_distance(brand.label)
        if limit and edit_distance(own_skeleton, brand.skeleton, limit) <= limit:
            score.add("brand_edit_distance", WEIGHTS["brand_edit_distance"], brand=brand.domain)
            continue
        if brand.skeleton in tokens or (
            len(brand.skeleton) >= 6 and any(brand.skeleton in token for token in tokens)
        ):
            score.add("brand_in_domain", WEIGHTS["brand_in_domain"], brand=brand.domain)
    return score


def _registrable_label(display: str, registrable: str) -> str:
    """The label left of the public suffix, in its Unicode spelling."""
    wanted = registrable.count(".") + 1
    labels = display.split(".")
    return labels[-wanted] if len(labels) >= wanted else labels[0]


def _tokens(display: str) -> set[str]:
    """Host labels and their hyphen-separated words, as skeletons."""
    tokens: set[str] = set()
    for label in display.split("."):
        tokens.add(skeleton(label))
        tokens.update(skeleton(word) for word in label.split("-") if word)
    return tokens


def wording_signals(text: str) -> list[str]:
    """Which groups of pushy phishing wording (Dutch or English) occur in the text."""
    lowered = text.lower()
    return [
        group for group, phrases in WORDING_SIGNALS.items() if any(p in lowered for p in phrases)
    ]


def host_score(
    *,
    host: str,
    display: str,
    registrable: str,
    flags: Iterable[str],
    brands: Iterable[Brand],
    confirmed: bool,
    wording: Iterable[str],
    reporter_count: int,
    first_seen_hours_ago: float,
) -> Score:
    score = Score()
    if confirmed:
        score.add("confirmed_sighting", WEIGHTS["confirmed_sighting"])
    lookalike = lookalike_reasons(host, display, registrable, brands)
    score.points += lookalike.points
    score.reasons.extend(lookalike.reasons)
    flag_set = set(flags)
    for flag in ("credentials", "mixed_script", "ip_host", "odd_port", "shortener"):
        if flag in flag_set:
            score.add(flag, WEIGHTS[flag])
    if first_seen_hours_ago <= FIRST_SEEN_HOURS:
        score.add("first_seen", WEIGHTS["first_seen"])
    groups = sorted(set(wording))[:MAX_WORDING_GROUPS]
    if groups:
        score.add("wording", WEIGHTS["wording"] * len(groups), signals=groups)
    extra = min(max(reporter_count - 1, 0), MAX_EXTRA_REPORTERS)
    if extra:
        score.add("reporters", WEIGHTS["reporters"] * extra, reporters=reporter_count)
    return score
