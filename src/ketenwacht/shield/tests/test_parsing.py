"""Reading reported messages: encodings, forwards, limits and hostile input."""

from __future__ import annotations

import io
import zipfile

import pytest

from ketenwacht.shield import parsing
from ketenwacht.shield.constants import MAX_DEPTH, MAX_MESSAGE_BYTES, MAX_PARTS
from ketenwacht.shield.parsing import MessageRefused, parse_mime, parse_text, parse_upload
from ketenwacht.shield.tests.cfb import msg_file
from ketenwacht.shield.tests.factories import (
    b64,
    forwarded_as_attachment,
    html_eml,
    plain_eml,
    qp,
    raw_eml,
    with_attachment,
)


def test_plain_message_gives_subject_sender_and_url() -> None:
    parsed = parse_mime(plain_eml())
    assert parsed.subject == "Uw rekening"
    assert parsed.sender == "noreply@rabobank-verificatie.nl"
    assert parsed.urls == ["https://rabobank-verificatie.nl/login?id=42"]
    assert "geblokkeerd" in parsed.text


def test_html_hrefs_are_found_and_visible_text_kept_without_scripts() -> None:
    html = (
        "<html><head><style>a{}</style><script>var u='https://script-only.nl/'</script></head>"
        '<body><p>Uw pakket wacht.</p><a href="https://postnl-bezorging.com/track?id=1&amp;x=2">'
        "Volg uw pakket</a><area href='https://area-link.nl/'><a href='mailto:x@y.nl'>mail</a>"
        "<form action='https://form-post.nl/steal'></form></body></html>"
    )
    parsed = parse_mime(html_eml(html))
    assert "https://postnl-bezorging.com/track?id=1&x=2" in parsed.urls
    assert "https://area-link.nl/" in parsed.urls
    assert "https://form-post.nl/steal" in parsed.urls
    assert not any("script-only" in url for url in parsed.urls)
    assert not any(url.startswith("mailto:") for url in parsed.urls)
    assert "Uw pakket wacht." in parsed.text


def test_quoted_printable_body_is_decoded() -> None:
    body = "Klik op https://ing-beveiliging.nl/verifieer?klant=één om te bevestigen " * 3
    data = raw_eml(
        {"From": "a@b.nl", "Subject": "qp", "Content-Type": 'text/plain; charset="utf-8"'},
        qp(body),
        transfer_encoding="quoted-printable",
    )
    parsed = parse_mime(data)
    assert "één" in parsed.text
    assert parsed.urls[0].startswith("https://ing-beveiliging.nl/verifieer?klant=")


def test_base64_body_is_decoded() -> None:
    data = raw_eml(
        {"From": "a@b.nl", "Subject": "b64", "Content-Type": "text/plain; charset=utf-8"},
        b64("Uw pakket: https://dhl-pakket-nl.com/betaal"),
        transfer_encoding="base64",
    )
    assert parse_mime(data).urls == ["https://dhl-pakket-nl.com/betaal"]


def test_encoded_word_subject_is_decoded() -> None:
    data = raw_eml(
        {
            "From": "=?utf-8?q?Belasting=C3=A9_Dienst?= <x@belasting-teruggave.nl>",
            "Subject": "=?utf-8?b?VXcgdGVydWdnYXZlIHZhbiDigqwgMzEy?=",
        },
        b"Zie https://belasting-teruggave.nl/",
    )
    parsed = parse_mime(data)
    assert parsed.subject == "Uw teruggave van € 312"
    assert parsed.sender == "x@belasting-teruggave.nl"


def test_forward_as_attachment_reads_the_inner_message_not_the_note() -> None:
    parsed = parse_mime(forwarded_as_attachment(plain_eml()))
    assert parsed.forwarded
    assert parsed.original_subject == "Uw rekening"
    assert parsed.original_sender == "noreply@rabobank-verificatie.nl"
    assert parsed.urls == ["https://rabobank-verificatie.nl/login?id=42"]
    # The forwarder's own note (with their company's site) is not part of the report.
    assert "mijnbedrijf" not in parsed.text
    assert parsed.depth >= 2


def test_inline_forward_keeps_what_follows_the_marker() -> None:
    text = (
        "Hoi, dit kreeg ik vandaag. Groet, Jan (www.jansbedrijf.nl)\n\n"
        "---------- Forwarded message ---------\n"
        "From: KPN <factuur@kpn-factuur-online.com>\n"
        "Subject: Uw factuur staat klaar\n\n"
        "Betaal via hxxps://kpn-factuur-online[.]com/betalen\n"
    )
    parsed = parse_text(text)
    assert parsed.forwarded
    assert parsed.original_subject == "Uw factuur staat klaar"
    assert parsed.original_sender == "factuur@kpn-factuur-online.com"
    assert parsed.urls == ["https://kpn-factuur-online.com/betalen"]


def test_dutch_inline_forward_marker_is_recognised() -> None:
    text = "Zie hieronder.\n-------- Doorgestuurd bericht --------\nVan: x@bol-actie.nl\nOnderwerp: Gewonnen!\n\nhttps://bol-actie.nl/prijs"
    parsed = parsing.parse_plain(text)
    assert parsed.forwarded and parsed.original_subject == "Gewonnen!"
    assert parsed.urls == ["https://bol-actie.nl/prijs"]


def test_pasted_raw_message_with_headers_is_parsed_as_mime() -> None:
    parsed = parse_text(plain_eml().decode())
    assert parsed.subject == "Uw rekening"


def test_oversized_message_is_refused() -> None:
    with pytest.raises(MessageRefused) as caught:
        parse_mime(b"Subject: x\r\n\r\n" + b"a" * (MAX_MESSAGE_BYTES + 1))
    assert caught.value.code == "message_too_large"


def test_too_many_parts_is_refused_before_parsing() -> None:
    parts = "".join(
        f"--b\r\nContent-Type: text/plain\r\n\r\npart {i}\r\n" for i in range(MAX_PARTS * 2 + 5)
    )
    data = raw_eml(
        {"From": "a@b.nl", "Subject": "parts", "Content-Type": 'multipart/mixed; boundary="b"'},
        (parts + "--b--\r\n").encode(),
    )
    with pytest.raises(MessageRefused) as caught:
        parse_mime(data)
    assert caught.value.code == "too_many_parts"


def test_deeply_nested_message_is_refused() -> None:
    inner = plain_eml()
    for _level in range(MAX_DEPTH + 2):
        inner = forwarded_as_attachment(inner, note="fwd")
    with pytest.raises(MessageRefused) as caught:
        parse_mime(inner)
    assert caught.value.code == "too_deeply_nested"


def test_malformed_mime_still_yields_text_and_records_defects() -> None:
    data = (
        b'From: a@b.nl\r\nSubject: broken\r\nContent-Type: multipart/mixed; boundary="nope"\r\n'
        b"\r\nno boundary ever appears; visit https://kapotte-mime.nl/x\r\n"
    )
    parsed = parse_mime(data)
    assert parsed.urls == ["https://kapotte-mime.nl/x"]
    assert parsed.defects  # the parser's complaints are kept for the analyst


def test_non_utf8_declared_charset_is_honoured() -> None:
    data = plain_eml(
        "Uw rekening is geblokkeerd, ga naar https://abn-amro-hulp.nl caf\xe9", charset="iso-8859-1"
    )
    parsed = parse_mime(data)
    assert "café" in parsed.text


def test_unknown_or_lying_charset_falls_back_without_failing() -> None:
    data = raw_eml(
        {"From": "a@b.nl", "Subject": "x", "Content-Type": "text/plain; charset=x-klingon"},
        b"Betaal \xe9\xff\xfe nu via https://vreemde-tekens.nl/",
    )
    parsed = parse_mime(data)
    assert parsed.urls == ["https://vreemde-tekens.nl/"]
    assert "charset_fallback" in parsed.defects


def test_raw_8bit_header_bytes_are_read_safely() -> None:
    data = b"From: a@b.nl\r\nSubject: Caf\xc3\xa9 \xff\r\n\r\nhttps://acht-bit.nl/"
    parsed = parse_mime(data)
    assert parsed.subject.startswith("Café")
    assert "\n" not in parsed.subject


def test_header_injection_in_subject_is_flattened_to_one_line() -> None:
    data = raw_eml(
        {"From": "a@b.nl", "Subject": "=?utf-8?q?Hallo=0D=0ABcc:_victim@example.org?="},
        b"https://header-injectie.nl/",
    )
    parsed = parse_mime(data)
    assert "\r" not in parsed.subject and "\n" not in parsed.subject
    assert parsed.subject == "Hallo Bcc: victim@example.org"


def test_from_header_with_several_addresses_or_newlines_gives_one_clean_address() -> None:
    assert parsing.first_address("a@b.nl\r\nBcc: c@d.nl") == "a@b.nl"
    assert parsing.first_address("not an address") == ""


def test_zip_bomb_attachment_is_listed_but_never_opened() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomb.txt", b"0" * (50 * 1024 * 1024))  # 50 MB of zeros, ~50 kB zipped
    data = with_attachment(
        "Zie bijlage, https://factuur-online.nl/", "factuur.zip", buffer.getvalue()
    )
    parsed = parse_mime(data)
    assert [a.filename for a in parsed.attachments] == ["factuur.zip"]
    assert parsed.attachments[0].size < 200_000  # its encoded size; nothing was inflated
    assert "0000000000" not in parsed.text
    assert parsed.urls == ["https://factuur-online.nl/"]


def test_text_attachments_are_not_read_either() -> None:
    data = with_attachment("body", "readme.txt", b"https://in-bijlage.nl/", subtype="octet-stream")
    assert parse_mime(data).urls == []


def test_msg_file_is_read_with_attachment_names_only() -> None:
    data = msg_file(
        subject="Uw pakket",
        body="Betaal de douanekosten via https://postnl-douane.com/betaal",
        html=b'<p>Betaal</p><a href="https://postnl-douane.com/html">hier</a>',
        sender="info@postnl-douane.com",
        attachments=(("factuur.exe", b"MZ" + b"\x00" * 100),),
    )
    parsed = parse_upload("bericht.msg", data)
    assert parsed.subject == "Uw pakket"
    assert parsed.sender == "info@postnl-douane.com"
    assert set(parsed.urls) == {
        "https://postnl-douane.com/html",
        "https://postnl-douane.com/betaal",
    }
    assert [a.filename for a in parsed.attachments] == ["factuur.exe"]


def test_broken_msg_file_is_refused_clearly() -> None:
    with pytest.raises(MessageRefused) as caught:
        parse_upload("bericht.msg", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    assert caught.value.code == "msg_unreadable"


def test_upload_that_is_not_a_message_is_refused() -> None:
    with pytest.raises(MessageRefused) as caught:
        parse_upload("foto.eml", b"\x89PNG\r\n\x1a\n" + b"\x00" * 50)
    assert caught.value.code == "not_a_message"


def test_empty_text_is_refused() -> None:
    with pytest.raises(MessageRefused) as caught:
        parse_text("   \n ")
    assert caught.value.code == "empty_message"
