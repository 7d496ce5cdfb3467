'use strict';
// The PeerMarket CBOR profile (spec/v1/prose/encoding.md): RFC 8949 §4.2.1
// deterministic encoding, restricted to integers, byte and text strings,
// arrays, maps with short text keys, false, true and null.
//
// Decoded values:  integer -> BigInt        byte string -> Buffer
//                  text    -> string        array       -> Array
//                  map     -> object with a null prototype (keys are text)
//                  false / true / null -> themselves
// The encoder takes the same values (a Number is accepted for a safe integer).

const MAX_FRAME_BYTES = 65536; // encoding.md "Limits"
const MAX_DEPTH = 16;
const MAX_KEY_BYTES = 23;

// A refusal that carries a code of the error taxonomy (spec/v1/errors.py).
// `where` is a diagnostic only: "@offset" for the scan, a field path for schemas.
class ProtocolError extends Error {
  constructor(code, where, reason) {
    super(`${code} at ${where || '$'}: ${reason}`);
    this.code = code;
    this.where = where;
  }
}

// `fatal` rejects invalid UTF-8 (stray bytes, overlong forms, encoded
// surrogates). `ignoreBOM` keeps a leading U+FEFF in the text instead of
// silently dropping it, which would decode two encodings to one string.
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const isMap = (v) =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array);

// Smallest argument that needs 1, 2, 4 or 8 extra bytes (additional info 24..27).
const SHORTEST = [24n, 0x100n, 0x10000n, 0x100000000n];

class Reader {
  constructor(data, prefix) {
    this.data = data;
    this.pos = 0;
    this.prefix = prefix; // "body" for an envelope's body, so errors say body@12
  }

  fail(code, at, reason) {
    throw new ProtocolError(code, `${this.prefix}@${at}`, reason);
  }

  left() {
    return this.data.length - this.pos;
  }

  // One item at nesting `level` (the number of arrays and maps around it),
  // checked in the order of encoding.md "Decoder check order", step 2.
  item(level) {
    const start = this.pos;
    if (this.left() === 0) this.fail('decode.malformed', start, 'the frame ends before an item');
    const initial = this.data[start];
    const major = initial >> 5;
    const info = initial & 0x1f;
    // 2.1 the initial byte
    if (info >= 28 && info <= 30) this.fail('decode.malformed', start, 'reserved additional information');
    if (info === 31) {
      if (major >= 2 && major <= 5) this.fail('decode.indefinite_length', start, 'indefinite length');
      this.fail('decode.malformed', start, 'break code or additional information 31');
    }
    // 2.2 the frame ends inside the head
    const extra = info < 24 ? 0 : 1 << (info - 24);
    if (this.left() < 1 + extra) this.fail('decode.malformed', start, 'frame ends inside a head');
    let arg = BigInt(info);
    if (extra > 0) arg = BigInt('0x' + this.data.toString('hex', start + 1, start + 1 + extra));
    this.pos += 1 + extra;
    // 2.3 shortest form, on major types 0-6 (so a long-form tag number is non_canonical)
    if (major <= 6 && extra > 0 && arg < SHORTEST[info - 24]) {
      this.fail('decode.non_canonical', start, 'argument not in its shortest form');
    }
    // 2.4 by major type
    switch (major) {
      case 0:
        return arg;
      case 1:
        return -1n - arg;
      case 2:
      case 3: {
        if (arg > BigInt(this.left())) this.fail('decode.malformed', start, 'string longer than the frame');
        const bytes = this.data.subarray(this.pos, this.pos + Number(arg));
        this.pos += bytes.length;
        if (major === 2) return Buffer.from(bytes);
        try {
          return UTF8.decode(bytes);
        } catch {
          return this.fail('decode.malformed', start, 'invalid UTF-8');
        }
      }
      case 4:
      case 5: {
        if (level + 1 > MAX_DEPTH) this.fail('decode.too_deep', start, `level ${level + 1}`);
        // At least 1 byte per element, 2 per map entry: never preallocate a hostile count.
        if (arg * (major === 4 ? 1n : 2n) > BigInt(this.left())) {
          this.fail('decode.malformed', start, 'count larger than the frame');
        }
        return major === 4 ? this.array(Number(arg), level + 1) : this.map(Number(arg), level + 1);
      }
      case 6:
        return this.fail('decode.unsupported_type', start, 'tags are outside the profile');
      default: // 7
        if (initial === 0xf4) return false;
        if (initial === 0xf5) return true;
        if (initial === 0xf6) return null;
        if (info === 24 && arg < 32n) this.fail('decode.malformed', start, 'two-byte simple value below 32');
        return this.fail('decode.unsupported_type', start, 'float, undefined or simple value');
    }
  }

  array(count, level) {
    const out = [];
    for (let i = 0; i < count; i++) out.push(this.item(level));
    return out;
  }

  map(count, level) {
    const out = Object.create(null);
    let previous = null;
    for (let i = 0; i < count; i++) {
      const at = this.pos;
      const key = this.item(level); // 1. a violation inside the key keeps its own code
      const encoded = this.data.subarray(at, this.pos);
      if (typeof key !== 'string' || Buffer.byteLength(key) > MAX_KEY_BYTES) {
        this.fail('decode.bad_map_key', at, 'map key is not a text of at most 23 bytes');
      }
      if (previous !== null) {
        const order = Buffer.compare(encoded, previous);
        if (order === 0) this.fail('decode.duplicate_key', at, `duplicate key ${JSON.stringify(key)}`);
        if (order < 0) this.fail('decode.unsorted_keys', at, `key ${JSON.stringify(key)} out of order`);
      }
      previous = encoded;
      out[key] = this.item(level);
    }
    return out;
  }
}

// Decode one frame strictly. `prefix` names it in error locations ("body").
function decode(data, { maxSize = MAX_FRAME_BYTES, prefix = '' } = {}) {
  const frame = Buffer.from(data.buffer, data.byteOffset, data.length);
  if (frame.length > maxSize) throw new ProtocolError('decode.too_large', prefix, `${frame.length} bytes`);
  if (frame.length === 0) throw new ProtocolError('decode.malformed', prefix, 'empty frame');
  const reader = new Reader(frame, prefix);
  const value = reader.item(0);
  if (reader.left() > 0) reader.fail('decode.trailing_bytes', reader.pos, 'bytes after the item');
  return value;
}

function head(major, arg) {
  const type = major << 5;
  if (arg < 24n) return Buffer.from([type | Number(arg)]);
  if (arg < 0x100n) return Buffer.from([type | 24, Number(arg)]);
  const size = arg < 0x10000n ? 2 : arg < 0x100000000n ? 4 : 8;
  const out = Buffer.alloc(1 + size);
  out[0] = type | (24 + Math.log2(size));
  out.write(arg.toString(16).padStart(2 * size, '0'), 1, 'hex');
  return out;
}

function encodeParts(value, parts) {
  if (value === false || value === true || value === null) {
    parts.push(Buffer.from([value === null ? 0xf6 : value ? 0xf5 : 0xf4]));
  } else if (typeof value === 'number' || typeof value === 'bigint') {
    if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new TypeError(`not an integer: ${value}`);
    const n = BigInt(value);
    if (n >= 2n ** 64n || n < -(2n ** 64n)) throw new TypeError(`integer out of range: ${n}`);
    parts.push(n >= 0n ? head(0, n) : head(1, -1n - n));
  } else if (value instanceof Uint8Array) {
    parts.push(head(2, BigInt(value.length)), value);
  } else if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    parts.push(head(3, BigInt(bytes.length)), bytes);
  } else if (Array.isArray(value)) {
    parts.push(head(4, BigInt(value.length)));
    for (const element of value) encodeParts(element, parts);
  } else if (isMap(value)) {
    // Keys sorted by the bytewise order of their encodings (encoding.md).
    const keys = Object.keys(value);
    if (keys.some((k) => Buffer.byteLength(k) > MAX_KEY_BYTES)) throw new TypeError('map key too long');
    const entries = keys.map((k) => [encode(k), value[k]]);
    entries.sort((a, b) => Buffer.compare(a[0], b[0]));
    parts.push(head(5, BigInt(entries.length)));
    for (const [key, element] of entries) {
      parts.push(key);
      encodeParts(element, parts);
    }
  } else {
    throw new TypeError(`not in the CBOR profile: ${typeof value}`);
  }
}

// The one deterministic encoding of `value`.
function encode(value) {
  const parts = [];
  encodeParts(value, parts);
  return Buffer.concat(parts);
}

module.exports = { MAX_FRAME_BYTES, MAX_DEPTH, ProtocolError, decode, encode, isMap };
