"""The Node.js example driver (``docs/examples/node-driver``) stays conformant.

It is a third-party implementation of ``wire`` written from the prose alone,
so these tests check what a third party's would be checked for: the whole
``wire`` corpus passes through ``peermarket conform``, with as many cases as
the manifest lists (a shrinking run cannot pass), and a run of the whole
corpus judges the other protocols ``unsupported``, not failed. Two
differential checks hold its hand-written parts to the reference's: the CBOR
decoder against ``reference.cbor`` on hostile items, and the strict Ed25519
verifier against libsodium (PyNaCl) on small-order and non-canonical keys.

The tests need ``node`` (Node.js 20) on PATH and skip without it.
"""

import hashlib
import json
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import nacl.exceptions
import nacl.signing
import pytest
from click.testing import CliRunner

from conformance.cli import main as peermarket
from reference import cbor
from reference.codec import encode_message
from reference.envelope import seal_envelope
from reference.identity import Identity, seed_from_label
from spec.v1.errors import PeerMarketError
from spec.v1.wire import Ping

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "docs" / "examples" / "node-driver"
TRACES = REPO / "conformance" / "traces" / "v1"
NODE = shutil.which("node")

pytestmark = pytest.mark.skipif(NODE is None, reason="node (Node.js 20) is not on PATH")


def manifest_ids(protocol: str | None = None) -> set[str]:
    """The case ids the manifest lists (of one protocol): what a full run must cover."""
    ids = {c["case_id"] for c in json.loads((TRACES / "MANIFEST.json").read_text("utf-8"))["cases"]}
    return {i for i in ids if protocol is None or i.split("/", 1)[0] == protocol}


def conform(tmp_path: Path, *options: str) -> tuple[int, dict[str, Any], str]:
    """``peermarket conform --impl "node driver.js" ...``: exit code, JSON report, output."""
    assert NODE is not None
    impl = f"{shlex.quote(NODE)} {shlex.quote(str(EXAMPLE / 'driver.js'))}"
    report = tmp_path / "report.json"
    args = ["conform", "--impl", impl, "--traces", str(TRACES), "--json", str(report), "-q"]
    result = CliRunner().invoke(peermarket, [*args, *options], catch_exceptions=False)
    return result.exit_code, json.loads(report.read_text("utf-8")), result.output


def run_node(script: str, payload: Any) -> Any:
    """Run a script with the example's modules at hand; JSON in on stdin, JSON out on stdout."""
    assert NODE is not None
    prelude = f"const EXAMPLE = {json.dumps(str(EXAMPLE))};\n"
    prelude += "const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));\n"
    done = subprocess.run(
        [NODE, "-e", prelude + script],
        input=json.dumps(payload).encode(),
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return json.loads(done.stdout)


# -- the corpus --


def test_every_wire_case_passes(tmp_path: Path) -> None:
    code, report, output = conform(tmp_path, "--protocol", "wire")
    expected = manifest_ids("wire")
    assert code == 0, output
    assert report["implementation"]["protocols"] == ["wire"]
    assert report["implementation"]["restarts"] == 0
    failed = [(c["case_id"], c["message"]) for c in report["cases"] if c["verdict"] != "pass"]
    assert failed == []
    assert {c["case_id"] for c in report["cases"]} == expected
    assert report["summary"]["passed"] == len(expected) > 0
    assert report["warnings"] == []


def test_other_protocols_are_unsupported_not_failed(tmp_path: Path) -> None:
    code, report, output = conform(tmp_path)
    assert code == 0, output
    verdicts = {c["case_id"]: c["verdict"] for c in report["cases"]}
    assert verdicts.keys() == manifest_ids()
    others = manifest_ids() - manifest_ids("wire")
    assert others, "the corpus has cases of other protocols"
    assert {verdicts[case] for case in others} == {"unsupported"}
    assert {verdicts[case] for case in manifest_ids("wire")} == {"pass"}


# -- the hand-written CBOR decoder agrees with the reference's --

DECODE = """
const cbor = require(EXAMPLE + '/cbor.js');
const verdicts = input.map((hex) => {
  const data = Buffer.from(hex, 'hex');
  try {
    const value = cbor.decode(data);
    return cbor.encode(value).equals(data) ? 'ok' : 'ok, but re-encoded differently';
  } catch (error) {
    return error instanceof cbor.ProtocolError ? error.code : `crash: ${error.stack}`;
  }
});
process.stdout.write(JSON.stringify(verdicts));
"""


def reference_verdict(data: bytes) -> str:
    try:
        cbor.decode(data)
    except PeerMarketError as exc:
        return exc.code.code
    return "ok"


SUBSTITUTES = (0x00, 0x17, 0x18, 0x1B, 0x1C, 0x1F, 0x3F, 0x5F, 0x9F, 0xBF, 0xC2, 0xF7, 0xF8)
"""Bytes put in place of each byte: shortest-form edges, reserved, indefinite, tag, simple."""


def hostile_items(vectors: Any) -> list[bytes]:
    """The shared vectors, and every truncation and many one-byte changes of two frames."""
    items = [bytes.fromhex(v["hex"]) for v in vectors("cbor/fail.json")]
    items += [bytes.fromhex(v["hex"]) for v in vectors("cbor/appendix_a.json")]
    envelope = seal_envelope(Identity.from_label("wire/b"), Ping(nonce=b"nonce-b1", sent_at=3), 1)
    values = {"a": [b"\x00" * 30, -(2**64), 2**64 - 1, "ünï", None, True, False], "bb": {"": [[]]}}
    for frame in (encode_message(envelope), cbor.encode(values)):
        items += [frame[:cut] for cut in range(len(frame))]
        for at in range(len(frame)):
            items += [frame[:at] + bytes([byte]) + frame[at + 1 :] for byte in SUBSTITUTES]
    items += [b"\x81" * depth + b"\x80" for depth in (15, 16)]
    items += [b"\x63\xef\xbb\xbf", b"\x63\xed\xa0\x80", b"\x62\xc1\xa5", b"\xa1\x60\x00"]
    return items


def test_cbor_decoder_agrees_with_the_reference(vectors: Any) -> None:
    items = hostile_items(vectors)
    verdicts = run_node(DECODE, [item.hex() for item in items])
    differ = [
        (item.hex(), ours, reference_verdict(item))
        for item, ours in zip(items, verdicts, strict=True)
        if ours != reference_verdict(item)
    ]
    assert differ == []


# -- the strict Ed25519 verifier agrees with libsodium --

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
Y8 = 2707385501144840649318225287225658788936804267575313519463743609750303402022

VERIFY = """
const { verifyStrict } = require(EXAMPLE + '/ed25519.js');
const hex = (h) => Buffer.from(h, 'hex');
const verdicts = input.map(([a, m, s]) => verifyStrict(hex(a), hex(m), hex(s)));
process.stdout.write(JSON.stringify(verdicts));
"""


def le(n: int) -> bytes:
    return n.to_bytes(32, "little")


def k_of(r: bytes, a: bytes, message: bytes) -> int:
    return int.from_bytes(hashlib.sha512(r + a + message).digest(), "little") % L


def with_k(r: bytes, a: bytes, divisor: int) -> bytes:
    """A message whose k = H(R || A || M) mod L is a multiple of ``divisor``."""
    return next(m for i in range(1000) if k_of(r, a, m := b"m%d" % i) % divisor == 0)


def signature_vectors() -> list[tuple[str, bytes, bytes, bytes]]:
    """(what, A, message, signature): one valid signature, then what strictness refuses.

    Each refused vector but the first two satisfies the cofactorless equation
    [S]B - [k]A = R, so a verifier that checks only the equation accepts it.
    """
    seed = seed_from_label("wire/b")
    signer = nacl.signing.SigningKey(seed)
    a = bytes(signer.verify_key)
    message = b"peermarket/node-driver"
    good = signer.sign(message).signature
    scalar = int.from_bytes(hashlib.sha512(seed).digest()[:32], "little")
    scalar = (scalar & ((1 << 254) - 8)) | (1 << 254)
    identity = le(1)
    zero = bytes(32)
    order2, order8 = le(P - 1), le(Y8)
    return [
        ("valid", a, message, good),
        ("S + L", a, message, good[:32] + le(int.from_bytes(good[32:], "little") + L)),
        ("A = identity", identity, message, identity + zero),
        ("A = identity, non-canonical (y = p + 1)", le(P + 1), message, identity + zero),
        ("A of order 2", order2, with_k(identity, order2, 2), identity + zero),
        ("A of order 8", order8, with_k(identity, order8, 8), identity + zero),
        ("R = identity", a, message, identity + le(k_of(identity, a, message) * scalar % L)),
        ("A with its sign bit flipped", a[:31] + bytes([a[31] ^ 0x80]), message, good),
    ]


def libsodium(a: bytes, message: bytes, signature: bytes) -> bool:
    try:
        nacl.signing.VerifyKey(a).verify(message, signature)
    except nacl.exceptions.BadSignatureError:
        return False
    return True


def test_strict_verification_agrees_with_libsodium() -> None:
    vectors = signature_vectors()
    ours = run_node(VERIFY, [(a.hex(), m.hex(), s.hex()) for _, a, m, s in vectors])
    expected = {what: what == "valid" for what, *_ in vectors}
    assert {what: libsodium(a, m, s) for what, a, m, s in vectors} == expected
    assert dict(zip(expected, ours, strict=True)) == expected
