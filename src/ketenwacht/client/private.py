"""The client side of the oblivious check and of PSI screening (see ``ketenwacht.client``)."""

from __future__ import annotations

import base64
import json
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ketenwacht.client import oprf
from ketenwacht.identifiers.canonical import Canonical, CanonicalError, canonicalise

# Record codes of a bucket answer (see ``ketenwacht.privatecheck.services.Code``).
_LEVELS = {1: "attention", 2: "warning", 3: "high", 4: "under_review"}
_ALLOWLISTED_COVERS_URLS = 5
_ALLOWLISTED = 6
ELEMENTS_PER_CHECK = 2  # the value and its domain (or a dummy): every check looks the same


class TransportError(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(f"HTTP {status}: {body.get('code', '')} {body.get('detail', '')}")
        self.status = status
        self.body = body


class Transport(Protocol):
    def request(
        self, method: str, path: str, *, body: dict[str, Any] | None = None
    ) -> dict[str, Any]: ...


class HttpTransport:
    """JSON over HTTP(S) with the standard library; ``token`` is sent as a bearer token."""

    def __init__(self, base_url: str, token: str | None = None, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def request(
        self, method: str, path: str, *, body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        url = self.base_url + path
        if not url.startswith(("https://", "http://")):
            raise ValueError("base_url must be an http(s) URL")
        req = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as response:  # noqa: S310
                return dict(json.loads(response.read() or b"{}"))
        except urllib.error.HTTPError as error:
            try:
                payload = json.loads(error.read() or b"{}")
            except ValueError:
                payload = {}
            raise TransportError(error.code, payload) from None


@dataclass(frozen=True)
class PrivateAnswer:
    kind: str
    level: str
    allowlisted: bool

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "level": self.level, "allowlisted": self.allowlisted}


@dataclass(frozen=True)
class ScreenResult:
    index: int
    listed: bool | None  # None: the value is no identifier (see ``error``)
    error: str = ""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _messages(canonical: Canonical) -> list[bytes]:
    """The value, and the registrable domain an allowlist entry may cover it by; a random
    dummy input instead when there is none, so every check sends the same."""
    messages = [oprf.message_for(canonical.kind, canonical.value)]
    registrable = canonical.detail.get("registrable_domain")
    if canonical.kind in ("url", "email") and registrable:
        messages.append(oprf.message_for("domain", str(registrable)))
    while len(messages) < ELEMENTS_PER_CHECK:
        messages.append(b"dummy:" + secrets.token_bytes(16))
    return messages


def _blind_chunk(messages: list[bytes]) -> list[tuple[bytes, bytes]]:
    return [(b.blind, b.blinded_element) for b in map(oprf.blind, messages)]


def _tag_chunk(pairs: list[tuple[bytes, bytes]]) -> list[str]:
    return [oprf.tag_of(oprf.unblind(blind, evaluated)).hex() for blind, evaluated in pairs]


def _in_processes(function: Any, items: list[Any], workers: int) -> list[Any]:
    """``function`` over chunks of ``items`` in ``workers`` processes (in this one when small)."""
    if workers <= 1 or len(items) < 4096:
        return list(function(items))
    import multiprocessing

    size = -(-len(items) // workers)
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        return [result for part in pool.map(function, chunks) for result in part]


def _is_official(canonical: Canonical, allowlist: dict[tuple[str, str], bool]) -> bool:
    """The plain check's allowlist rule: the value itself, or for a URL the registrable
    domain of an entry that covers URLs, or for an e-mail address its domain."""
    if (canonical.kind, canonical.value) in allowlist:
        return True
    registrable = canonical.detail.get("registrable_domain")
    if canonical.kind in ("url", "email") and registrable:
        covers = allowlist.get(("domain", str(registrable)))
        return covers is not None and (canonical.kind == "email" or covers)
    return False


class KetenwachtClient:
    def __init__(
        self,
        base_url: str = "",
        *,
        token: str | None = None,
        transport: Transport | None = None,
        api_prefix: str = "/api/v1",
    ) -> None:
        self.transport: Transport = transport or HttpTransport(base_url, token)
        self.api_prefix = api_prefix

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.transport.request(method, self.api_prefix + path, body=body)

    # --- the oblivious check ----------------------------------------------------------------

    def check_private(
        self, value: str, kind: str | None = None, *, public: bool = False
    ) -> PrivateAnswer:
        """The level of one value, as the plain check would give it, without disclosing it.

        ``public`` uses the public endpoints (no token; the public check's levels).
        Raises ``CanonicalError`` for input that is no identifier (checked locally).
        """
        canonical = canonicalise(value, kind)
        messages = _messages(canonical)
        blinded = [oprf.blind(message) for message in messages]
        prefix = "/public/private-check" if public else "/private-check"
        evaluation = self._call(
            "POST",
            f"{prefix}/evaluate",
            {"elements": [_b64(b.blinded_element) for b in blinded]},
        )
        version = int(evaluation["key_version"])
        bits = int(evaluation["prefix_bits"])
        tags = [
            oprf.tag_material(oprf.unblind(b.blind, base64.b64decode(evaluated)))
            for b, evaluated in zip(blinded, evaluation["evaluated"], strict=True)
        ]
        try:
            codes = self._lookup(prefix, version, bits, tags)
        except TransportError as error:
            # The list grew and the server now cuts buckets finer: ask again with its bits.
            if error.status != 409 or "prefix_bits" not in error.body:
                raise
            codes = self._lookup(prefix, version, int(error.body["prefix_bits"]), tags)
        value_codes, domain_codes = codes[0], codes[1] if len(messages) > 1 else set()
        allowlisted = bool({_ALLOWLISTED, _ALLOWLISTED_COVERS_URLS} & value_codes)
        if canonical.kind == "url":
            allowlisted = allowlisted or _ALLOWLISTED_COVERS_URLS in domain_codes
        elif canonical.kind == "email":
            allowlisted = allowlisted or bool(
                {_ALLOWLISTED, _ALLOWLISTED_COVERS_URLS} & domain_codes
            )
        level = "none"
        if not allowlisted:
            for code in sorted(value_codes):
                level = _LEVELS.get(code, level)
        return PrivateAnswer(kind=canonical.kind, level=level, allowlisted=allowlisted)

    def _lookup(
        self, prefix: str, version: int, bits: int, materials: list[bytes]
    ) -> list[set[int]]:
        """Fetch each needed bucket once; the sealed codes of every matching record."""
        shift = 16 - bits
        numbers = [int.from_bytes(m[:2], "big") >> shift for m in materials]
        records: dict[int, list[bytes]] = {}
        for number in dict.fromkeys(numbers):
            answer = self._call(
                "GET", f"{prefix}/buckets/{number}?key_version={version}&prefix_bits={bits}"
            )
            blob = base64.b64decode(answer["records"])
            size = int(answer["record_size"])
            records[number] = [blob[i : i + size] for i in range(0, len(blob), size)]
        found: list[set[int]] = []
        for material, number in zip(materials, numbers, strict=True):
            tag, pad = material[: oprf.TAG_SIZE], material[oprf.TAG_SIZE]
            found.append(
                {
                    record[oprf.TAG_SIZE] ^ pad
                    for record in records[number]
                    if oprf.constant_time_equal(record[: oprf.TAG_SIZE], tag)
                }
            )
        return found

    # --- bulk screening by PSI -------------------------------------------------------------

    def screen(
        self,
        values: Sequence[str],
        kind: str | None = None,
        *,
        poll_interval: float = 0.2,
        timeout: float = 600.0,
        processes: int = 2,
    ) -> list[ScreenResult]:
        """Which values are listed at ``warning`` or above for your organisation.

        The platform learns how many valid values were screened, nothing else about them.
        """
        import private_set_intersection.python as openmined_psi

        results: dict[int, ScreenResult] = {}
        valid: list[tuple[int, Canonical]] = []
        for index, value in enumerate(values):
            try:
                valid.append((index, canonicalise(value, kind)))
            except CanonicalError as error:
                results[index] = ScreenResult(index, None, error.code)
        if valid:
            messages = [oprf.message_for(c.kind, c.value) for _i, c in valid]
            blinded = _in_processes(_blind_chunk, messages, processes)
            job = self._call(
                "POST",
                "/private-check/psi",
                {"elements": _b64(b"".join(element for _blind, element in blinded))},
            )
            deadline = time.monotonic() + timeout
            while job["status"] not in ("done", "failed") or (
                job["status"] == "done" and job.get("setup") is None
            ):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"screening job {job['job']} did not finish")
                time.sleep(poll_interval)
                job = self._call("GET", f"/private-check/psi/{job['job']}")
            if job["status"] == "failed":
                raise TransportError(500, {"code": "job_failed", "detail": job["job"]})
            evaluated = base64.b64decode(job["evaluated"])
            size = oprf.ELEMENT_SIZE
            pairs = [
                (blind, evaluated[i * size : (i + 1) * size])
                for i, (blind, _element) in enumerate(blinded)
            ]
            items = _in_processes(_tag_chunk, pairs, processes)
            psi_client = openmined_psi.client.CreateWithNewKey(True)
            request = psi_client.CreateRequest(items)
            answer = self._call(
                "POST",
                f"/private-check/psi/{job['job']}/request",
                {"request": _b64(request.SerializeToString())},
            )
            setup = openmined_psi.ServerSetup()
            setup.ParseFromString(base64.b64decode(job["setup"]))
            response = openmined_psi.Response()
            response.ParseFromString(base64.b64decode(answer["response"]))
            hits = set(psi_client.GetIntersection(setup, response))
            official = {
                (entry["kind"], entry["value"]): bool(entry["covers_urls"])
                for entry in job.get("allowlist") or []
            }
            for position, (index, canonical) in enumerate(valid):
                results[index] = ScreenResult(
                    index, position in hits and not _is_official(canonical, official)
                )
        return [results[index] for index in range(len(values))]
