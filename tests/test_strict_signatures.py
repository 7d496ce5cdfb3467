"""Strict Ed25519 verification: the corpus's signature vectors against real verifiers.

Every ``wire/auth`` case of the checked-in corpus is a (key, message, signature)
vector. The reference (PyNaCl, libsodium) must agree with the strict model of
:mod:`reference.corpus.edwards25519`, which is the rule of ``envelope.md``;
OpenSSL -- through Python's ``cryptography``, and through Node's ``crypto.verify``
when ``node`` is installed -- must agree with the lenient model, which is what
makes the small-order cases catch OpenSSL-based implementations. Java's
``java.security`` Ed25519 (when ``java`` is installed) is checked against the
verdicts ``envelope.md`` reports for it.
"""

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from conformance import tracefile
from conformance.cli_corpus import CORPUS_DIR
from reference import cbor
from reference.codec import from_value
from reference.corpus import edwards25519 as ed
from reference.envelope import signing_input
from reference.identity import verify
from spec.v1.envelope import Envelope

# libsodium's blacklist (ge25519_has_small_order, 1.0.16 to 1.0.22), compared ignoring the top bit.
LIBSODIUM_BLACKLIST = [
    "00" * 32,
    "01" + "00" * 31,
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    "ec" + "ff" * 30 + "7f",
    "ed" + "ff" * 30 + "7f",
    "ee" + "ff" * 30 + "7f",
]


@dataclass(frozen=True)
class Vector:
    case_id: str
    public_key: bytes
    message: bytes
    signature: bytes


def _vectors() -> list[Vector]:
    """The envelope of step 1 of every ``wire/auth`` case, as an Ed25519 vector."""
    found = []
    for path in sorted((CORPUS_DIR / "wire" / "auth").rglob(f"*{tracefile.TRACE_SUFFIX}")):
        trace = tracefile.read_trace(path)
        item = trace.content.steps[0].input
        assert item.kind == "deliver"
        envelope = from_value(Envelope, cbor.decode(item.frame))
        found.append(
            Vector(
                trace.content.header.case_id,
                envelope.sender_key,
                signing_input(envelope),
                envelope.signature,
            )
        )
    return found


VECTORS = _vectors()
STRICT_PREFIXES = (
    "small-order-",
    "non-canonical-r-",
    "s-plus-l-",
    "r-plus-torsion-",
    "mixed-order-key-",
)
STRICT_VECTORS = [v for v in VECTORS if v.case_id.split("/")[2].startswith(STRICT_PREFIXES)]
FORGED = {v.case_id for v in STRICT_VECTORS if v.case_id.split("/")[2].startswith("small-order-")}
"""The cases whose signature OpenSSL accepts: small-order keys, and R of small order."""


def test_the_corpus_has_the_strict_signature_vectors() -> None:
    assert len(STRICT_VECTORS) == 24
    assert len(FORGED) == 18


def test_the_small_order_encodings_are_libsodiums_blacklist_with_both_sign_bits() -> None:
    expected = set()
    for entry in LIBSODIUM_BLACKLIST:
        raw = bytes.fromhex(entry)
        expected |= {raw, raw[:31] + bytes([raw[31] | 0x80])}
    assert set(ed.SMALL_ORDER_ENCODINGS) == expected and len(expected) == 14
    for raw in ed.SMALL_ORDER_ENCODINGS:
        point = ed.decode(raw)
        assert point is not None and ed.order_divides_8(point)
    assert sorted(n for n in range(1, 9) for t in ed.TORSION if _order(t) == n) == [
        1,
        2,
        4,
        4,
        8,
        8,
        8,
        8,
    ]


def _order(point: ed.Point) -> int:
    return next(n for n in (1, 2, 4, 8) if ed.multiply(n, point) == ed.IDENTITY)


def test_canonical_means_y_below_p_and_no_sign_bit_on_x_zero() -> None:
    identity, order_2 = ed.encode(ed.IDENTITY), ed.encode(ed.TORSION[4])
    assert ed.is_canonical(identity) and ed.is_canonical(order_2)
    assert not ed.is_canonical(identity[:31] + b"\x80")
    assert not ed.is_canonical(order_2[:31] + b"\xff")
    assert not ed.is_canonical((ed.P + 1).to_bytes(32, "little"))  # the identity again
    assert ed.decode((ed.P + 1).to_bytes(32, "little")) == ed.IDENTITY


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v.case_id)
def test_the_reference_verifies_as_the_strict_model(vector: Vector) -> None:
    expected = ed.strict_verify(vector.public_key, vector.message, vector.signature)
    assert verify(vector.public_key, vector.message, vector.signature) == expected
    if vector.case_id.split("/")[2].startswith(STRICT_PREFIXES):
        assert expected == (vector.case_id == "wire/auth/mixed-order-key-001")


def test_openssl_accepts_exactly_the_forged_cases() -> None:
    """OpenSSL through ``cryptography``: the lenient model is what it does, vector for vector."""
    ed25519 = pytest.importorskip("cryptography.hazmat.primitives.asymmetric.ed25519")
    exceptions = pytest.importorskip("cryptography.exceptions")
    accepted = set()
    for v in VECTORS:
        try:
            key = ed25519.Ed25519PublicKey.from_public_bytes(v.public_key)
            key.verify(v.signature, v.message)
        except (exceptions.InvalidSignature, ValueError):
            verdict = False
        else:
            verdict = True
        assert verdict == ed.lenient_verify(v.public_key, v.message, v.signature), v.case_id
        if verdict:
            accepted.add(v.case_id)
    assert {c for c in accepted if c in {v.case_id for v in STRICT_VECTORS}} == FORGED | {
        "wire/auth/mixed-order-key-001"
    }


NODE_SCRIPT = """
const crypto = require('crypto');
const prefix = Buffer.from('302a300506032b6570032100', 'hex');
const out = {};
for (const [id, pk, msg, sig] of JSON.parse(require('fs').readFileSync(0, 'utf8'))) {
  try {
    const key = crypto.createPublicKey(
      {key: Buffer.concat([prefix, Buffer.from(pk, 'hex')]), format: 'der', type: 'spki'});
    out[id] = crypto.verify(null, Buffer.from(msg, 'hex'), key, Buffer.from(sig, 'hex'));
  } catch (e) { out[id] = false; }
}
console.log(JSON.stringify(out));
"""


def _as_json(vectors: list[Vector]) -> str:
    return json.dumps(
        [[v.case_id, v.public_key.hex(), v.message.hex(), v.signature.hex()] for v in vectors]
    )


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_node_crypto_verify_is_the_lenient_model() -> None:
    node = shutil.which("node")
    assert node is not None
    reply = subprocess.run(
        [node, "-e", NODE_SCRIPT],
        input=_as_json(VECTORS),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    verdicts = json.loads(reply.stdout)
    for v in VECTORS:
        assert verdicts[v.case_id] == ed.lenient_verify(v.public_key, v.message, v.signature), (
            v.case_id
        )


JAVA_SOURCE = """
import java.nio.file.*;
import java.security.*;
import java.security.spec.*;
public class Check {
  static byte[] hex(String s) {
    byte[] b = new byte[s.length() / 2];
    for (int i = 0; i < b.length; i++)
      b[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
    return b;
  }
  public static void main(String[] args) throws Exception {
    KeyFactory kf = KeyFactory.getInstance("Ed25519");
    for (String line : Files.readAllLines(Paths.get(args[0]))) {
      String[] f = line.split(" ");
      String verdict;
      try {
        byte[] spki = hex("302a300506032b6570032100" + f[1]);
        PublicKey key = kf.generatePublic(new X509EncodedKeySpec(spki));
        Signature v = Signature.getInstance("Ed25519");
        v.initVerify(key);
        v.update(hex(f[2]));
        verdict = v.verify(hex(f[3])) ? "accept" : "reject";
      } catch (GeneralSecurityException e) {
        verdict = "throw";
      }
      System.out.println(f[0] + " " + verdict);
    }
  }
}
"""


@pytest.mark.skipif(shutil.which("java") is None, reason="java is not installed")
def test_java_accepts_the_canonical_small_order_cases(tmp_path: Path) -> None:
    """Java's Ed25519 refuses non-canonical encodings but accepts small-order points."""
    java = shutil.which("java")
    assert java is not None
    source, data = tmp_path / "Check.java", tmp_path / "vectors.txt"
    source.write_text(JAVA_SOURCE)
    data.write_text(
        "".join(
            f"{v.case_id} {v.public_key.hex()} {v.message.hex()} {v.signature.hex()}\n"
            for v in STRICT_VECTORS
        )
    )
    reply = subprocess.run(
        [java, str(source), str(data)], capture_output=True, text=True, check=True, timeout=120
    )
    accepted = {line.split()[0] for line in reply.stdout.splitlines() if line.endswith("accept")}
    canonical_forgeries = {
        v.case_id for v in STRICT_VECTORS if v.case_id in FORGED and ed.is_canonical(v.public_key)
    }
    assert accepted == canonical_forgeries | {"wire/auth/mixed-order-key-001"}
    assert len(canonical_forgeries) == 12  # 8 small-order keys and 4 small-order R
