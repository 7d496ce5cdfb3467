'use strict';
// The signed envelope (spec/v1/prose/envelope.md): identities, sealing a
// message, and opening a frame in the normative order of checks.

const crypto = require('crypto');
const { MAX_FRAME_BYTES, ProtocolError, decode, encode, isMap } = require('./cbor');
const { NAME, U63_MAX, integer, uint63, bytes, text, message } = require('./schema');
const ed25519 = require('./ed25519');

const WIRE_VERSION = 1n; // the spec's major version
const SIGNING_CONTEXT = 'peermarket/envelope';

const sha256 = (data) => crypto.createHash('sha256').update(data).digest();

// nodeId = SHA-256(public_key)[0:16]
const nodeIdOf = (publicKey) => sha256(publicKey).subarray(0, 16);

function identityFromSeed(seed) {
  const { privateKey, publicKey } = ed25519.keyPairFromSeed(seed);
  return { privateKey, publicKey, nodeId: nodeIdOf(publicKey) };
}

// The eight fields, in the order of the envelope.md table.
const ENVELOPE = message({
  version: integer(0n, U63_MAX), // only 1 gets this far: check 3 refused the others
  protocol: text(1, 16, NAME),
  type: text(1, 23, NAME),
  sender: bytes(16),
  sender_key: bytes(32),
  seq: uint63,
  body: bytes(0, MAX_FRAME_BYTES),
  signature: bytes(64),
});

// The deterministic CBOR of [context, protocol, version, type, sender, seq, body].
// `body` is the byte string exactly as carried: never decoded and re-encoded.
function signingInput({ protocol, version, type, sender, seq, body }) {
  return encode([SIGNING_CONTEXT, protocol, version, type, sender, seq, body]);
}

// The frame of `body` (a message value) sent by `identity` as its number `seq`.
function seal(identity, protocol, type, body, seq) {
  const fields = {
    version: WIRE_VERSION,
    protocol,
    type,
    sender: identity.nodeId,
    sender_key: identity.publicKey,
    seq,
    body: encode(body),
  };
  const signature = ed25519.sign(identity.privateKey, signingInput(fields));
  return encode({ ...fields, signature });
}

// Checks 1 to 9 of "Opening a frame"; the first that fails decides the code.
// `spoken` maps each protocol this receiver speaks to a Map of its message
// types' body schemas. (Maps, not objects: "constructor" is a valid name.)
// Check 10, replay, needs the node's window and is done by the node.
function open(frame, spoken) {
  const envelope = decode(frame); // 1 size, 2 the CBOR profile
  if (isMap(envelope) && typeof envelope.version === 'bigint' && envelope.version !== WIRE_VERSION) {
    throw new ProtocolError('envelope.unsupported_version', 'version', `version ${envelope.version}`); // 3
  }
  ENVELOPE(envelope); // 4
  const types = spoken.get(envelope.protocol);
  if (!types) throw new ProtocolError('envelope.unknown_protocol', 'protocol', envelope.protocol); // 5
  const schema = types.get(envelope.type);
  if (!schema) throw new ProtocolError('envelope.unknown_type', 'type', envelope.type); // 6
  if (!nodeIdOf(envelope.sender_key).equals(envelope.sender)) {
    throw new ProtocolError('auth.wrong_key', 'sender_key', 'the key does not hash to the sender'); // 7
  }
  if (!ed25519.verifyStrict(envelope.sender_key, signingInput(envelope), envelope.signature)) {
    throw new ProtocolError('auth.bad_signature', 'signature', 'the signature does not verify'); // 8
  }
  // 9: the body is a frame of its own (depth and trailing bytes count from it).
  const body = schema(decode(envelope.body, { prefix: 'body' }), 'body');
  return { ...envelope, body };
}

module.exports = { WIRE_VERSION, sha256, nodeIdOf, identityFromSeed, seal, open };
