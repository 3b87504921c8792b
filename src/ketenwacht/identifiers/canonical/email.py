"""E-mail addresses: ``local@domain`` with the domain as in :mod:`.hosts`.

* The domain is lower-cased and IDNA-encoded (UTS 46, A-labels in the value).
* The local part is lower-cased too. RFC 5321 allows a case-sensitive local part, but no
  mailbox provider of any size uses that, while fraudsters vary the case to slip past
  matching; equal mailboxes must meet in one value.
* Plus-tags and dots are removed *only* for providers known to ignore them (Gmail; rules as
  data in ``PROVIDER_RULES``), and ``googlemail.com`` is the same mailbox as ``gmail.com``.
  Elsewhere ``jan.jansen`` and ``janjansen`` are different people.
* ``mailto:`` links, ``<angle brackets>`` and defanged ``jan[@]example[.]nl`` are accepted;
  quoted local parts and IP-address domains are refused.
"""

from __future__ import annotations

import re
from typing import NamedTuple
from urllib.parse import unquote

from ketenwacht.identifiers.canonical._text import clean, refang
from ketenwacht.identifiers.canonical.hosts import canonical_host
from ketenwacht.identifiers.canonical.types import Canonical, CanonicalError, new_canonical

KIND = "email"

_LOCAL_PART = re.compile(r"[\w!#$%&'*+/=?^`{|}~-]+(?:\.[\w!#$%&'*+/=?^`{|}~-]+)*")


class ProviderRule(NamedTuple):
    name: str
    domain: str  # the provider's canonical domain
    drop_plus_tag: bool
    drop_dots: bool


_GMAIL = ProviderRule(name="gmail", domain="gmail.com", drop_plus_tag=True, drop_dots=True)
PROVIDER_RULES: dict[str, ProviderRule] = {"gmail.com": _GMAIL, "googlemail.com": _GMAIL}


def canonical_email(raw: str) -> Canonical:
    return email_from_clean(clean(raw, kind=KIND))


def email_from_clean(text: str) -> Canonical:
    """As :func:`canonical_email`, for text that :func:`.clean` has passed."""
    text = _unwrap(refang(text))
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain:
        raise _refusal(
            "email_format",
            "Een e-mailadres heeft de vorm naam@domein",
            "an e-mail address has the form name@domain",
        )
    if local.startswith('"'):
        raise _refusal(
            "email_quoted",
            "E-mailadressen met aanhalingstekens voor de @ worden niet aanvaard",
            "e-mail addresses with a quoted part before the @ are not accepted",
        )
    if len(local) > 64 or not _LOCAL_PART.fullmatch(local):
        raise _refusal(
            "email_local_part",
            "Het deel voor de @ bevat ongeldige tekens of is langer dan 64 tekens",
            "the part before the @ has invalid characters or is longer than 64 characters",
        )
    host = canonical_host(domain, kind=KIND, allow_ip=False)
    local = local.lower()
    domain_ascii = host.ascii
    detail = host.detail()
    rule = PROVIDER_RULES.get(domain_ascii)
    if rule is not None:
        local, domain_ascii = _apply_rule(rule, local), rule.domain
        detail["provider_rule"] = rule.name
    value = f"{local}@{domain_ascii}"
    if len(value) > 254:
        raise _refusal(
            "email_length",
            "Een e-mailadres heeft hooguit 254 tekens",
            "an e-mail address has at most 254 characters",
        )
    display_domain = domain_ascii if rule or host.flags else host.unicode
    return new_canonical(kind=KIND, value=value, display=f"{local}@{display_domain}", detail=detail)


def _unwrap(text: str) -> str:
    """``mailto:jan@example.nl?subject=…`` and ``<jan@example.nl>`` → ``jan@example.nl``."""
    if text[:7].lower() == "mailto:":
        text = unquote(text[7:].partition("?")[0])
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1].strip()
    return text


def _apply_rule(rule: ProviderRule, local: str) -> str:
    if rule.drop_plus_tag:
        local = local.partition("+")[0]
    if rule.drop_dots:
        local = local.replace(".", "")
    if not local:
        raise _refusal(
            "email_local_part",
            "Het deel voor de @ is leeg",
            "the part before the @ is empty",
        )
    return local


def _refusal(code: str, nl: str, en: str) -> CanonicalError:
    return CanonicalError.bilingual(code, nl, en, kind=KIND)
