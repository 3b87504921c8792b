"""Finding URLs in text, defanged or bare, and analysing what they point at."""

from __future__ import annotations

from ketenwacht.shield.extract import html_links_and_text, refang, unique, urls_in_text
from ketenwacht.shield.hosts import analyse_host, analyse_url


def test_refang_undoes_common_defanging() -> None:
    assert refang("hxxps://evil[.]nl/x") == "https://evil.nl/x"
    assert refang("hXXp[:]//evil(.)nl") == "http://evil.nl"
    assert refang("evil[dot]nl") == "evil.nl"


def test_urls_in_text_trims_sentence_punctuation_but_keeps_balanced_brackets() -> None:
    text = (
        "Ga naar https://bank-login.nl/a. Of (https://bank-login.nl/b). Zie https://wiki.nl/A_(b)!"
    )
    assert urls_in_text(text) == [
        "https://bank-login.nl/a",
        "https://bank-login.nl/b",
        "https://wiki.nl/A_(b)",
    ]


def test_bare_hosts_are_found_but_not_inside_scheme_urls_or_addresses() -> None:
    text = "Log in op ing-veilig.nl/login of www.rabo-hulp.com. Mail naar info@bedrijf.nl. https://x-bank.nl/a.b"
    found = urls_in_text(text)
    assert "ing-veilig.nl/login" in found
    assert "www.rabo-hulp.com" in found
    assert not any("bedrijf.nl" in url for url in found)
    assert found.count("https://x-bank.nl/a.b") == 1


def test_bare_words_with_unknown_endings_are_not_sites() -> None:
    assert analyse_url("bestand.docx") is None
    assert analyse_url("versie.zzzzz") is None


def test_html_links_ignore_non_web_schemes() -> None:
    links, text = html_links_and_text(
        '<a href="javascript:alert(1)">x</a><a href="tel:+31612345678">bel</a><a href="https://a-b.nl">ok</a>'
    )
    assert links == ["https://a-b.nl"]
    assert "bel" in text


def test_unique_keeps_order_and_limit() -> None:
    assert unique(["a", "b", "a", "c"]) == ["a", "b", "c"]
    assert len(unique([f"u{i}" for i in range(1000)])) == 200


def test_url_with_credentials_points_at_the_real_host_and_is_flagged() -> None:
    facts = analyse_url("https://www.ing.nl@ing-inlog.com/login")
    assert facts is not None
    assert facts.host == "ing-inlog.com"
    assert "credentials" in facts.flags
    assert "@" not in facts.url  # the canonical form drops the user part


def test_odd_port_is_flagged_and_kept_in_the_url() -> None:
    facts = analyse_url("http://pakket-volgen.nl:8081/track")
    assert facts is not None
    assert "odd_port" in facts.flags
    assert ":8081" in facts.url
    default = analyse_url("https://pakket-volgen.nl:443/track")
    assert default is not None and "odd_port" not in default.flags


def test_invalid_port_is_skipped() -> None:
    assert analyse_url("http://pakket-volgen.nl:99999/") is None


def test_idn_homograph_is_punycoded_and_flagged() -> None:
    facts = analyse_url("https://rаbobank.nl/login")  # Cyrillic а
    assert facts is not None
    assert facts.host.startswith("xn--")
    assert {"idn", "mixed_script", "confusable"} <= facts.flags


def test_ip_address_host_is_flagged() -> None:
    facts = analyse_url("http://192.0.2.10/ing/login")
    assert facts is not None
    assert facts.host == "192.0.2.10" and "ip_host" in facts.flags


def test_shortener_is_flagged() -> None:
    facts = analyse_url("https://bit.ly/3abcDEF")
    assert facts is not None and "shortener" in facts.flags


def test_host_analysis_uses_private_suffixes() -> None:
    facts = analyse_host("login.evil.github.io")
    assert facts is not None and facts.registrable_domain == "evil.github.io"


def test_non_web_schemes_are_not_urls() -> None:
    assert analyse_url("ftp://files.nl/x") is not None
    assert analyse_url("javascript:alert(1)") is None
    assert analyse_url("http:///nohost") is None
