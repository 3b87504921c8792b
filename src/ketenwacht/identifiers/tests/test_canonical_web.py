"""URLs and domains: defanging, IDNA, the bundled suffix list (never fetched), look-alikes."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import idna
import pytest
import tldextract

from ketenwacht.identifiers.canonical import (
    CanonicalError,
    canonical_domain,
    canonical_url,
    canonicalise,
)
from ketenwacht.identifiers.canonical.hosts import (
    canonical_host,
    clear_caches,
    public_suffix_facts,
    suffix_extractor,
)
from ketenwacht.identifiers.canonical.web import normalise_percent_encoding, remove_dot_segments


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Every attempt to open a connection or resolve a name fails, and is recorded."""
    attempts: list[Any] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(args)
        raise OSError("network access in a test")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    suffix_extractor.cache_clear()  # force a fresh extractor to load its suffix list
    clear_caches()  # and look hosts up in it rather than in the host cache
    yield attempts
    suffix_extractor.cache_clear()
    clear_caches()


def test_suffix_list_comes_from_the_bundled_snapshot_without_network(
    no_network: list[Any],
) -> None:
    extractor = suffix_extractor()
    assert extractor.suffix_list_urls == ()
    assert extractor.include_psl_private_domains is True
    assert canonical_domain("www.bbc.co.uk").value == "bbc.co.uk"
    assert canonical_domain("x.github.io").value == "x.github.io"
    assert no_network == []


def test_the_network_guard_would_notice_a_fetch(no_network: list[Any]) -> None:
    """Control for the test above: an extractor configured to fetch does hit the guard."""
    fetching = tldextract.TLDExtract(
        suffix_list_urls=("http://psl.invalid/public_suffix_list.dat",), cache_dir=None
    )
    assert fetching("www.bbc.co.uk").suffix == "co.uk"  # fell back to the snapshot
    assert no_network != []


def _hosts_under_every_rule() -> list[str]:
    """Each rule of the bundled list as a host, one and two labels under it, and its parent."""
    rules = suffix_extractor().tlds  # private suffixes included, as configured
    hosts = ["com", "a.b.c.d.e", "localhost", "www.ck", "a.www.ck", "b.c.ck", "city.kawasaki.jp"]
    for rule in sorted(rules):
        name = rule.lstrip("!").replace("*", "w")
        try:
            name = idna.encode(name, uts46=True).decode("ascii")
        except idna.IDNAError:
            continue
        hosts += [name, f"x.{name}", f"a.b.{name}", name.partition(".")[2]]
    return [host for host in hosts if host]


def test_public_suffix_facts_agree_with_tldextract() -> None:
    """The direct trie walk gives what ``extract_str`` gives, under every rule of the list
    (wildcards such as ``*.ck``, exceptions such as ``!www.ck``, private suffixes)."""
    extractor = suffix_extractor()
    hosts = _hosts_under_every_rule()
    assert len(hosts) > 30_000
    for host in hosts:
        expected = extractor.extract_str(host)
        assert public_suffix_facts(host) == (
            expected.suffix,
            expected.top_domain_under_public_suffix,
            expected.is_private,
        ), host


def test_a_cached_host_refusal_carries_the_kind_that_asked() -> None:
    for kind in ("url", "email", "domain", "url"):
        with pytest.raises(CanonicalError) as refused:
            canonical_host("example.invalidtld", kind=kind)
        assert refused.value.code == "host_suffix"
        assert refused.value.details == {"kind": kind}
    assert canonical_host("Example.NL.", kind="url") is canonical_host("Example.NL.", kind="email")


@pytest.mark.parametrize(
    ("host", "registrable", "suffix"),
    [
        ("x.github.io", "x.github.io", "github.io"),
        ("login.x.github.io", "x.github.io", "github.io"),
        ("a.b.blogspot.com", "b.blogspot.com", "blogspot.com"),
        ("www.rabobank.nl", "rabobank.nl", "nl"),
        ("shop.example.co.uk", "example.co.uk", "co.uk"),
    ],
)
def test_domain_is_the_registrable_domain_with_private_suffixes(
    host: str, registrable: str, suffix: str
) -> None:
    canonical = canonical_domain(host)
    assert canonical.value == registrable
    assert canonical.detail["host"] == host
    assert canonical.detail["public_suffix"] == suffix


@pytest.mark.parametrize(
    "spelling",
    [
        "evil.nl",
        "Evil.NL.",
        "evil[.]nl",
        "evil(dot)nl",
        "*.evil.nl",
        "https://login.evil.nl/path",
        "hxxps://www[.]evil[.]nl/",
    ],
)
def test_domain_spellings_meet(spelling: str) -> None:
    assert canonical_domain(spelling).value == "evil.nl"


def test_internationalised_domain_uses_uts46_non_transitional() -> None:
    canonical = canonical_domain("FAß.de")
    assert canonical.value == "xn--fa-hia.de"  # IDNA 2003 would have made it fass.de
    assert canonical.display == "faß.de"
    assert canonical_domain("xn--fa-hia.de").value == "xn--fa-hia.de"


def test_mixed_script_look_alike_host_is_flagged() -> None:
    canonical = canonical_domain("rаbobank.nl")  # Cyrillic а
    assert canonical.value == "xn--rbobank-2fg.nl"
    assert canonical.detail["flags"] == ["confusable", "mixed_script"]
    assert canonical.detail["looks_like"] == "rabobank.nl"
    assert canonical.display == "xn--rbobank-2fg.nl"  # never show people the deception


def test_whole_script_look_alike_is_confusable_without_mixed_script() -> None:
    canonical = canonical_domain("аррӏе.com")  # all Cyrillic
    assert canonical.detail["flags"] == ["confusable"]


@pytest.mark.parametrize("host", ["münchen.de", "пример.рф", "faß.de"])
def test_honest_internationalised_hosts_are_not_flagged(host: str) -> None:
    assert canonical_domain(host).detail["flags"] == []


@pytest.mark.parametrize(
    "spelling",
    [
        "https://evil.nl/login",
        "HTTPS://EVIL.NL/login",
        "https://evil.nl:443/login",
        "https://evil.nl/./a/../login",
        "https://evil.nl/%6c%6fgin",
        "https://evil.nl/login#victim@example.nl",
        "hxxps://evil[.]nl/login",
        "hXXps[://]evil[.]nl/login",
        "evil.nl/login",
        "https://evil.nl./login",
        "https:\\\\evil.nl\\login",
    ],
)
def test_url_spellings_meet(spelling: str) -> None:
    canonical = canonical_url(spelling)
    assert canonical.value == "https://evil.nl/login"
    assert canonical.detail["registrable_domain"] == "evil.nl"


def test_url_keeps_scheme_port_query_and_flags_userinfo() -> None:
    canonical = canonical_url("http://www.rabobank.nl@Evil.NL:8080/a%2fb?x=%7e1&y=a b")
    assert canonical.value == "http://evil.nl:8080/a%2Fb?x=~1&y=a%20b"
    assert canonical.detail["flags"] == ["userinfo"]


def test_url_with_ip_address_host() -> None:
    canonical = canonical_url("http://192.168.1.10/login")
    assert canonical.value == "http://192.168.1.10/login"
    assert canonical.detail["flags"] == ["ip_address"]
    assert canonical_url("http://[2001:DB8::0001]/").value == "http://[2001:db8::1]/"


def test_url_path_with_non_ascii_is_percent_encoded_and_host_is_idna() -> None:
    canonical = canonical_url("https://münchen.de/straße")
    assert canonical.value == "https://xn--mnchen-3ya.de/stra%C3%9Fe"
    assert canonical.display == "https://münchen.de/stra%C3%9Fe"


def test_percent_encoding_and_dot_segments_are_idempotent() -> None:
    safe = frozenset("abcdefghijklmnopqrstuvwxyz/")
    once = normalise_percent_encoding("/%7e%2f%zz%", safe)
    assert once == "/~%2F%25zz%25"
    assert normalise_percent_encoding(once, safe | {"%"}) == once
    assert remove_dot_segments("/a/b/../../../c/.") == "/c/"
    assert remove_dot_segments("/c/") == "/c/"


@pytest.mark.parametrize(
    ("kind", "value", "code"),
    [
        ("url", "javascript:alert(1)", "url_scheme"),
        ("url", "ftp://files.example.nl/", "url_scheme"),
        ("url", "https://evil.nl:99999/", "url_port"),
        ("url", "https://localhost/", "host_suffix"),
        ("url", "https://exa_mple.invalidtld/", "host_suffix"),
        ("url", "https:///path", "host_missing"),
        ("url", "https://-evil.nl/", "host_invalid"),
        ("url", "http://999.1.1.1/", "host_ip"),
        ("url", "https://xn--abc-.nl/", "host_invalid"),
        ("domain", "github.io", "domain_public_suffix"),
        ("domain", "co.uk", "domain_public_suffix"),
        ("domain", "192.168.1.1", "domain_ip"),
        ("domain", "evil..nl", "host_invalid"),
        ("domain", "evil.nl_", "host_invalid"),
        ("domain", "a" * 64 + ".nl", "host_invalid"),
    ],
)
def test_web_refusals(kind: str, value: str, code: str) -> None:
    with pytest.raises(CanonicalError) as caught:
        canonicalise(value, kind)
    assert caught.value.code == code
    assert caught.value.message_nl and caught.value.message_en


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("https://evil.nl/login", "url"),
        ("hxxps://evil[.]nl", "url"),
        ("www.evil.nl", "domain"),
        ("evil.nl/login", "url"),
        ("evil[.]nl", "domain"),
        ("x.github.io", "domain"),
        ("https://www.facebook.com/groups/fraude", "url"),
    ],
)
def test_autodetection_of_urls_and_domains(value: str, kind: str) -> None:
    assert canonicalise(value).kind == kind
