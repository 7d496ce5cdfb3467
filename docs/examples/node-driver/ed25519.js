'use strict';
// Ed25519 (RFC 8032, pure) through Node's crypto module, made *strict* as
// envelope.md requires ("as libsodium's crypto_sign_verify_detached is").
//
// OpenSSL, under Node's crypto.verify, already rejects S >= L, rejects a
// public key that is not on the curve, and checks the cofactorless equation
// encode([S]B - [k]A) == R byte for byte. It does NOT reject a public key of
// small order, a non-canonical public key (y >= p), or an R of small order:
// with A = the identity, R = the identity and S = 0 it accepts any message.
// Those checks are done here, before OpenSSL sees the signature.

const crypto = require('crypto');

// DER wrappers (RFC 8410) that turn raw 32-byte keys into KeyObjects.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex'); // + the seed
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex'); // + the public key

const P = 2n ** 255n - 19n; // the field prime
const L = 2n ** 252n + 27742317777372353535851937790883648493n; // the prime group order

// The 8 points of small order have 5 distinct y-coordinates: 1 (the
// identity, order 1), p-1 (order 2), 0 (order 4) and ±Y8 (order 8), where
// Y8 is a root of d*y^4 + 2*y^2 - 1 = 0 (mod p). A point has small order
// exactly when its y is one of them, whatever its sign bit. (An encoding
// with x = 0 and the sign bit set, which RFC 8032 decoding also refuses,
// has y = 1 or p-1, so it is caught here too.)
const Y8 = 2707385501144840649318225287225658788936804267575313519463743609750303402022n;
const SMALL_ORDER_Y = new Set([1n, P - 1n, 0n, Y8, P - Y8]);

const littleEndian = (bytes) => BigInt('0x' + Buffer.from(bytes).reverse().toString('hex'));

// A point encoding is y (255 bits, little-endian) and the sign bit of x on top.
const yOf = (encoding) => littleEndian(encoding) & ((1n << 255n) - 1n);

// The key pair of a 32-byte seed (the RFC 8032 private key).
function keyPairFromSeed(seed) {
  const der = Buffer.concat([PKCS8_PREFIX, seed]);
  const privateKey = crypto.createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  const spki = crypto.createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return { privateKey, publicKey: spki.subarray(SPKI_PREFIX.length) };
}

// Ed25519 is deterministic: the same key and message give the same 64 bytes.
function sign(privateKey, message) {
  return crypto.sign(null, message, privateKey);
}

function verifyStrict(publicKey, message, signature) {
  const R = signature.subarray(0, 32);
  const S = littleEndian(signature.subarray(32));
  if (S >= L) return false; // the scalar must be below the group order
  const y = yOf(publicKey);
  if (y >= P || SMALL_ORDER_Y.has(y)) return false; // A: canonical, not of small order
  if (SMALL_ORDER_Y.has(yOf(R) % P)) return false; // R: not of small order
  try {
    const key = crypto.createPublicKey({
      key: Buffer.concat([SPKI_PREFIX, publicKey]),
      format: 'der',
      type: 'spki',
    });
    return crypto.verify(null, message, key, signature);
  } catch {
    return false; // a key OpenSSL cannot use does not verify anything
  }
}

module.exports = { keyPairFromSeed, sign, verifyStrict };
