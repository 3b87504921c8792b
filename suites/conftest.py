"""Fixtures of the suites: one prod-local stack per session, a webhook receiver, seed data."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from suites.prod_local import Stack, free_port
from suites.receiver import Receiver


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    with Stack(port=free_port()) as running:
        yield running


@pytest.fixture(scope="session")
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


@pytest.fixture(scope="session")
def world(stack: Stack, receiver: Receiver) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        stack.python("suites.seed", "world", "--receiver", receiver.url)
    )
    receiver.secret = data["secret"]
    return data
