"""Identity: Ed25519 per RFC 8032, node ids, reproducible seeds, and a verify that never raises."""

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reference.identity import Identity, node_id_of, seed_from_label, verify

# RFC 8032 section 7.1, TEST 1 to TEST 3: (secret key = seed, public key, message, signature).
RFC8032 = [
    (
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bac"
        "c61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    (
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e"
        "458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
    (
        "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        "af82",
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290"
        "ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
    ),
]


@pytest.mark.parametrize(("seed", "public", "message", "signature"), RFC8032, ids=["1", "2", "3"])
def test_rfc8032_vectors(seed: str, public: str, message: str, signature: str) -> None:
    who = Identity.from_seed(bytes.fromhex(seed))
    pk, msg, sig = bytes.fromhex(public), bytes.fromhex(message), bytes.fromhex(signature)
    assert who.public_key == pk
    assert who.sign(msg) == sig
    assert verify(pk, msg, sig)
    assert not verify(pk, msg + b"\x00", sig)
    assert not verify(pk, msg, sig[:-1] + bytes([sig[-1] ^ 1]))


def test_node_id_is_the_first_128_bits_of_sha256_of_the_public_key() -> None:
    pk = bytes.fromhex(RFC8032[0][1])
    assert node_id_of(pk) == hashlib.sha256(pk).digest()[:16]
    assert node_id_of(pk).hex() == hashlib.sha256(pk).hexdigest()[:32]
    who = Identity.from_seed(bytes.fromhex(RFC8032[0][0]))
    assert who.node_id == node_id_of(who.public_key)
    assert len(who.node_id) == 16


def test_seeds_from_labels_are_documented_and_reproducible() -> None:
    assert seed_from_label("alice") == hashlib.sha256(b"peermarket/seed/alice").digest()
    assert Identity.from_label("alice") == Identity.from_label("alice")
    assert Identity.from_label("alice").public_key != Identity.from_label("bob").public_key
    assert Identity.from_label("é").seed == hashlib.sha256("peermarket/seed/é".encode()).digest()


@pytest.mark.parametrize("length", [0, 1, 16, 31, 33, 64])
def test_from_seed_rejects_wrong_length(length: int) -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        Identity.from_seed(bytes(length))


def test_seed_is_not_in_the_repr() -> None:
    who = Identity.from_label("secret")
    assert who.seed.hex() not in repr(who)


GOOD_PK = bytes.fromhex(RFC8032[0][1])
GOOD_SIG = bytes.fromhex(RFC8032[0][3])


@pytest.mark.parametrize(
    ("public_key", "signature"),
    [
        (b"", GOOD_SIG),
        (GOOD_PK[:31], GOOD_SIG),
        (GOOD_PK + b"\x00", GOOD_SIG),
        (GOOD_PK, b""),
        (GOOD_PK, GOOD_SIG[:63]),
        (GOOD_PK, GOOD_SIG + b"\x00"),
        (bytes(32), GOOD_SIG),
        (b"\xff" * 32, GOOD_SIG),
        (GOOD_PK, b"\xff" * 64),  # S >= L: non-canonical
        (GOOD_PK, bytes(64)),
    ],
)
def test_verify_returns_false_for_garbage(public_key: bytes, signature: bytes) -> None:
    assert verify(public_key, b"", signature) is False


@given(st.binary(max_size=40), st.binary(max_size=80), st.binary(max_size=40))
def test_verify_never_raises(public_key: bytes, signature: bytes, message: bytes) -> None:
    assert verify(public_key, message, signature) in (True, False)
    assert verify(GOOD_PK, message, signature) is False or message == b""


@given(st.binary(min_size=32, max_size=32), st.binary(max_size=100))
def test_sign_verify_round_trip(seed: bytes, message: bytes) -> None:
    who = Identity.from_seed(seed)
    signature = who.sign(message)
    assert len(signature) == 64
    assert signature == who.sign(message)  # deterministic
    assert verify(who.public_key, message, signature)
    assert not verify(who.public_key, message + b"!", signature)
