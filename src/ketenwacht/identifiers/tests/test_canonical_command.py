"""`manage.py canonicalise VALUE [--kind KIND]`: KIND<TAB>CANONICAL and exit 0, or reason and 2."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("canonicalise", *args, stdout=out)
    return out.getvalue()


def test_prints_kind_tab_canonical() -> None:
    assert run("06-12345678") == "phone\t+31612345678\n"
    assert run("NL91 ABNA 0417 1643 00", "--kind", "iban") == "iban\tNL91ABNA0417164300\n"


def test_verbose_adds_display_and_detail() -> None:
    lines = run("rаbobank.nl", "--verbosity", "2").splitlines()
    assert lines[0] == "domain\txn--rbobank-2fg.nl"
    assert lines[1] == "display\txn--rbobank-2fg.nl"
    detail = json.loads(lines[2].split("\t", 1)[1])
    assert detail["flags"] == ["confusable", "mixed_script"]


def test_refusal_raises_with_return_code_2_and_the_reason() -> None:
    with pytest.raises(CommandError) as caught:
        run("NL91ABNA0417164301")
    assert caught.value.returncode == 2
    assert "IBAN-controlegetal klopt niet" in str(caught.value)
    assert "IBAN check digits are wrong" in str(caught.value)


def test_exit_codes_from_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    execute_from_command_line(["manage.py", "canonicalise", "x.github.io"])
    assert capsys.readouterr().out == "domain\tx.github.io\n"
    with pytest.raises(SystemExit) as exited:
        execute_from_command_line(["manage.py", "canonicalise", "123456782"])
    assert exited.value.code == 2
    assert "bsn_refused" in capsys.readouterr().err
