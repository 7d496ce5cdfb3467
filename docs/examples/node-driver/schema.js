'use strict';
// Message schemas (encoding.md "Messages" and "Schema errors"): a message is
// a closed map, every field is present, types are strict (true is not an
// integer, null is not an empty value) and bounds are inclusive.
//
// A checker is `(value, path) => value` and throws a ProtocolError whose
// path ("sender", "body.nonce", "args.to") is a diagnostic only.

const { ProtocolError, isMap } = require('./cbor');

const U63_MAX = 2n ** 63n - 1n; // counters, ticks and sequence numbers

function fail(code, path, reason) {
  throw new ProtocolError(code, path, reason);
}

const integer = (min, max) => (v, path) => {
  if (typeof v !== 'bigint') fail('decode.wrong_type', path, 'an integer is required');
  if (v < min || v > max) fail('decode.out_of_range', path, `${v} is outside ${min}..${max}`);
  return v;
};

const uint63 = integer(0n, U63_MAX);

const bytes = (min, max = min) => (v, path) => {
  if (!(v instanceof Uint8Array)) fail('decode.wrong_type', path, 'a byte string is required');
  if (v.length < min || v.length > max) fail('decode.out_of_range', path, `${v.length} bytes`);
  return v;
};

// Text bounds count code points, not UTF-8 bytes. A pattern must match the
// whole string; without the `m` flag a JavaScript `$` only matches at the
// very end (unlike Python's `$`, which also matches before a final "\n").
// Bounds are checked before the pattern: a bad value is "within its bounds".
const text = (min, max, pattern) => (v, path) => {
  if (typeof v !== 'string') fail('decode.wrong_type', path, 'a text string is required');
  const length = [...v].length;
  if (length < min || length > max) fail('decode.out_of_range', path, `${length} characters`);
  if (pattern && !pattern.test(v)) fail('decode.bad_value', path, `${JSON.stringify(v)} does not match ${pattern}`);
  return v;
};

const NAME = /^[a-z][a-z0-9_]*$/; // protocol and message type names

const list = (item, min, max) => (v, path) => {
  if (!Array.isArray(v)) fail('decode.wrong_type', path, 'an array is required');
  if (v.length < min || v.length > max) fail('decode.out_of_range', path, `${v.length} elements`);
  v.forEach((element, i) => item(element, `${path}[${i}]`));
  return v;
};

const literal = (expected) => (v, path) => {
  if (typeof v !== 'string') fail('decode.wrong_type', path, 'a text string is required');
  if (v !== expected) fail('decode.bad_value', path, `${JSON.stringify(v)} is not ${JSON.stringify(expected)}`);
  return v;
};

const nullable = (check) => (v, path) => (v === null ? null : check(v, path));

// A message or message part: its fields are checked in declared order (the
// reference reports the first error in that order), then unknown keys.
const message = (fields) => (v, path = '') => {
  if (!isMap(v)) fail('decode.wrong_type', path, 'a map is required');
  const join = (name) => (path ? `${path}.${name}` : name);
  for (const [name, check] of Object.entries(fields)) {
    if (!Object.hasOwn(v, name)) fail('decode.missing_field', join(name), 'missing');
    check(v[name], join(name));
  }
  for (const key of Object.keys(v)) {
    if (!Object.hasOwn(fields, key)) fail('decode.unknown_field', join(key), 'not in the schema');
  }
  return v;
};

module.exports = { U63_MAX, NAME, integer, uint63, bytes, text, list, literal, nullable, message };
