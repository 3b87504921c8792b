"""Short explanations and advice in Dutch and English. Reporters are never named."""

from __future__ import annotations

from collections.abc import Mapping

from ketenwacht.identifiers.constants import (
    DISPUTED_LEVEL_CAP,
    HALF_LIFE_DAYS,
    UNDER_REVIEW,
    Level,
)
from ketenwacht.identifiers.scoring import AllowlistHit, Score

Bilingual = dict[str, str]

LEVEL_NAMES: dict[str, tuple[str, str]] = {
    Level.NONE: ("geen", "none"),
    Level.ATTENTION: ("let op", "attention"),
    Level.WARNING: ("waarschuwing", "warning"),
    Level.HIGH: ("hoog", "high"),
}

_OFFICIAL_THING = {
    "phone": ("nummer", "number"),
    "domain": ("domein", "domain"),
    "url": ("domein", "domain"),
    "email": ("adres", "address"),
}


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def allowlist_warning(hit: AllowlistHit) -> Bilingual:
    """Official values: no fraud verdict, but a warning that the caller or sender may be faked."""
    owner = hit.owner_name
    if hit.kind == "phone":
        nl = (
            f"Dit is een officieel nummer van {owner}; {owner} vraagt nooit om geld over te "
            "maken — hang op en bel zelf terug."
        )
        en = (
            f"This is an official number of {owner}; {owner} never asks you to transfer "
            "money — hang up and call back yourself."
        )
    else:
        thing_nl, thing_en = _OFFICIAL_THING.get(hit.kind, ("gegeven", "identifier"))
        nl = (
            f"Dit is een officieel {thing_nl} van {owner}. Afzenders kunnen worden nagemaakt: "
            f"{owner} vraagt nooit om geld over te maken of om uw inloggegevens."
        )
        en = (
            f"This is an official {thing_en} of {owner}. Senders can be faked: {owner} never "
            "asks you to transfer money or for your login details."
        )
    if hit.note:
        nl, en = f"{nl} {hit.note}", f"{en} {hit.note}"
    return {"nl": nl, "en": en}


def explanation(
    score: Score, *, kind: str, fraud_type_names: Mapping[str, tuple[str, str]]
) -> Bilingual:
    """What the level rests on: counts, fraud types, last seen, decay and disputes."""
    if score.allowlisted is not None:
        return allowlist_warning(score.allowlisted)
    if score.sightings == 0:
        return {
            "nl": "Er zijn geen meldingen over bekend.",
            "en": "No reports about this are known.",
        }
    nl_parts = [f"Gemeld door {_plural(score.organisations, 'organisatie', 'organisaties')}"]
    en_parts = [f"Reported by {_plural(score.organisations, 'organisation', 'organisations')}"]
    confirmed = score.counts.get("confirmed", 0)
    police = score.counts.get("police_report", 0)
    if confirmed:
        nl_parts.append(f"{_plural(confirmed, 'melding', 'meldingen')} bevestigd")
        en_parts.append(f"{_plural(confirmed, 'report', 'reports')} confirmed")
    if police:
        nl_parts.append(_plural(police, "aangifte", "aangiftes"))
        en_parts.append(_plural(police, "police report", "police reports"))
    names = [fraud_type_names.get(code, (code, code)) for code in score.fraud_types]
    last = score.last_seen.date().isoformat() if score.last_seen else ""
    half_life = int(HALF_LIFE_DAYS.get(kind, 60))
    nl = (
        f"{', '.join(nl_parts)}. Fraudevorm: {', '.join(n for n, _e in names)}. "
        f"Laatst gezien {last}. Oudere meldingen tellen minder mee (halveringstijd "
        f"{half_life} dagen)."
    )
    en = (
        f"{', '.join(en_parts)}. Fraud type: {', '.join(e for _n, e in names)}. "
        f"Last seen {last}. Older reports count for less (half-life {half_life} days)."
    )
    if score.open_disputes:
        cap_nl, cap_en = LEVEL_NAMES[DISPUTED_LEVEL_CAP]
        nl += f" Er loopt een bezwaar; tot het besluit is het niveau hoogstens '{cap_nl}'."
        en += f" A dispute is open; until it is decided the level is at most '{cap_en}'."
    return {"nl": nl, "en": en}


_ADVICE: dict[str, Bilingual] = {
    Level.NONE: {
        "nl": (
            "Er zijn bij ons geen meldingen over bekend. Dat is geen garantie: maak nooit "
            "geld over onder druk en controleer wie u voor zich heeft."
        ),
        "en": (
            "We know of no reports about this. That is no guarantee: never transfer money "
            "under pressure and check who you are dealing with."
        ),
    },
    Level.ATTENTION: {
        "nl": (
            "Hierover is een melding bekend. Wees voorzichtig: maak geen geld over en deel "
            "geen gegevens voordat u zeker weet met wie u te maken heeft."
        ),
        "en": (
            "A report about this is known. Be careful: do not transfer money or share "
            "details until you are sure who you are dealing with."
        ),
    },
    Level.WARNING: {
        "nl": (
            "Dit is gemeld als fraude. Maak geen geld over, deel geen gegevens en verbreek "
            "het contact. Twijfelt u? Bel de Fraudehelpdesk."
        ),
        "en": (
            "This has been reported as fraud. Do not transfer money, do not share details "
            "and end the contact. In doubt? Call the Fraud Helpdesk."
        ),
    },
    Level.HIGH: {
        "nl": (
            "Dit wordt zeer waarschijnlijk gebruikt voor fraude. Maak geen geld over en "
            "verbreek het contact. Heeft u al betaald? Bel direct uw bank en doe aangifte."
        ),
        "en": (
            "This is very likely used for fraud. Do not transfer money and end the contact. "
            "Already paid? Call your bank at once and report it to the police."
        ),
    },
    # Suspended while a dispute is open: neither a verdict nor an all-clear.
    UNDER_REVIEW: {
        "nl": (
            "Over dit gegeven loopt een bezwaar; we beoordelen het opnieuw en geven tot dan "
            "geen oordeel. Blijf voorzichtig: maak nooit geld over onder druk en controleer met "
            "wie u te maken heeft."
        ),
        "en": (
            "A dispute about this is under review; until it is decided we give no verdict. "
            "Stay careful: never transfer money under pressure and check who you are dealing "
            "with."
        ),
    },
}


def public_advice(level: str, allowlisted: AllowlistHit | None) -> Bilingual:
    """The citizen's answer: advice per level, or the spoofing warning for official values."""
    if allowlisted is not None:
        return allowlist_warning(allowlisted)
    return dict(_ADVICE[level])
