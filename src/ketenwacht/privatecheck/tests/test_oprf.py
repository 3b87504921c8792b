"""RFC 9497, appendix A.1.1: OPRF(ristretto255, SHA-512), base mode. The values are copied from
the RFC's test vectors (Seed, KeyInfo, skSm, and the two batch-size-1 vectors)."""

from __future__ import annotations

import pytest

from ketenwacht.client import oprf

SEED = bytes.fromhex("a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3")
KEY_INFO = bytes.fromhex("74657374206b6579")  # "test key"
SK_SM = bytes.fromhex("5ebcea5ee37023ccb9fc2d2019f9d7737be85591ae8652ffa9ef0f4d37063b0e")
BLIND = bytes.fromhex("64d37aed22a27f5191de1c1d69fadb899d8862b58eb4220029e036ec4c1f6706")

VECTORS = [
    {
        "input": "00",
        "blinded": "609a0ae68c15a3cf6903766461307e5c8bb2f95e7e6550e1ffa2dc99e412803c",
        "evaluated": "7ec6578ae5120958eb2db1745758ff379e77cb64fe77b0b2d8cc917ea0869c7e",
        "output": "527759c3d9366f277d8c6020418d96bb393ba2afb20ff90df23fb7708264e2f3"
        "ab9135e3bd69955851de4b1f9fe8a0973396719b7912ba9ee8aa7d0b5e24bcf6",
    },
    {
        "input": "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a",
        "blinded": "da27ef466870f5f15296299850aa088629945a17d1f5b7f5ff043f76b3c06418",
        "evaluated": "b4cbf5a4f1eeda5a63ce7b77c7d23f461db3fcab0dd28e4e17cecb5c90d02c25",
        "output": "f4a74c9c592497375e796aa837e907b1a045d34306a749db9f34221f7e750cb4"
        "f2a6413a6bf6fa5e19ba6348eb673934a722a7ede2e7621306d18951e7cf2c73",
    },
]


def test_context_string() -> None:
    assert oprf.CONTEXT_STRING == b"OPRFV1-\x00-ristretto255-SHA512"


def test_derive_key_pair_gives_the_rfc_secret_key() -> None:
    assert oprf.derive_key_pair(SEED, KEY_INFO) == SK_SM


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v["input"][:8])
def test_rfc_9497_vectors(vector: dict[str, str]) -> None:
    message = bytes.fromhex(vector["input"])
    blinded = oprf.blind(message, blind_scalar=BLIND)
    assert blinded.blinded_element.hex() == vector["blinded"]
    evaluated = oprf.blind_evaluate(SK_SM, blinded.blinded_element)
    assert evaluated.hex() == vector["evaluated"]
    output = oprf.finalize(message, blinded.blind, evaluated)
    assert output.hex() == vector["output"]
    # The server's direct evaluation gives the same output.
    assert oprf.evaluate(SK_SM, message).hex() == vector["output"]


def test_random_blinds_give_the_same_output() -> None:
    key = oprf.generate_key()
    message = oprf.message_for("iban", "NL91ABNA0417164300")
    outputs = set()
    blinded_elements = set()
    for _ in range(3):
        blinded = oprf.blind(message)
        blinded_elements.add(blinded.blinded_element)
        outputs.add(
            oprf.finalize(message, blinded.blind, oprf.blind_evaluate(key, blinded.blinded_element))
        )
    assert len(outputs) == 1
    assert len(blinded_elements) == 3  # the server sees a fresh element each time
    assert outputs == {oprf.evaluate(key, message)}


def test_invalid_elements_are_refused() -> None:
    with pytest.raises(oprf.DeserializeError):
        oprf.blind_evaluate(SK_SM, bytes(32))  # identity
    with pytest.raises(oprf.DeserializeError):
        oprf.blind_evaluate(SK_SM, b"\xff" * 32)  # not canonical
    with pytest.raises(oprf.DeserializeError):
        oprf.blind_evaluate(SK_SM, b"\x01" * 31)


def test_expand_message_xmd_rfc_9380_vector() -> None:
    # RFC 9380, appendix K.3 (expand_message_xmd(SHA-512)), msg "" and len_in_bytes 0x20.
    dst = b"QUUX-V01-CS02-with-expander-SHA512-256"
    assert (
        oprf.expand_message_xmd(b"", dst, 0x20).hex()
        == "6b9a7312411d92f921c6f68ca0b6380730a1a4d982c507211a90964c394179ba"
    )


def test_rotation_moves_elements_without_the_value() -> None:
    old, new = oprf.generate_key(), oprf.generate_key()
    message = oprf.message_for("phone", "+31612345678")
    stored = oprf.element(old, message)
    moved = oprf.scalar_mult(oprf.scalar_mul(new, oprf.scalar_invert(old)), stored)
    assert moved == oprf.element(new, message)
