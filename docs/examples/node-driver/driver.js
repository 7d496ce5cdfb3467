#!/usr/bin/env node
'use strict';
// A driver-protocol adapter (spec/v1/prose/driver.md) around the wire node
// of wire.js: the process the conformance runner starts and talks to.
//
//   peermarket conform --impl "node docs/examples/node-driver/driver.js" --protocol wire
//
// Requests arrive on stdin and replies leave on stdout, each as a frame:
// a 4-byte big-endian length, then one item of deterministic CBOR. Standard
// output carries frames and nothing else; logs go to standard error.

const fs = require('fs');
const { ProtocolError, decode, encode, isMap } = require('./cbor');
const S = require('./schema');
const { sha256 } = require('./envelope');
const { PROTOCOL, WireNode } = require('./wire');

const DRIVER_VERSION = 1n;
const MAX_DRIVER_FRAME = 1 << 24; // 16 MiB of payload
const IMPLEMENTATION = 'peermarket-node-example';

// A stray console.log would be read as a length prefix and end the session.
console.log = console.info = console.debug = console.error;

// -- the requests (spec/v1/driver.py), decoded as strictly as any message --

const nodeName = S.text(1, 16, /^[a-z][a-z0-9_-]*$/);
const INPUTS = new Map([
  ['deliver', S.message({ kind: S.literal('deliver'), link: S.bytes(16), frame: S.bytes(0, 65536 + 1024) })],
  ['timer', S.message({ kind: S.literal('timer'), name: S.text(0, 64) })],
  ['command', S.message({ kind: S.literal('command'), name: S.text(0, 64), args: S.bytes(0, 1 << 20) })],
]);
const input = (v, path) => {
  const schema = isMap(v) && INPUTS.get(v.kind);
  if (!schema) throw new ProtocolError('decode.bad_value', `${path}.kind`, 'not an input kind');
  return schema(v, path);
};
const op = (name, fields = {}) => S.message({ op: S.literal(name), ...fields });
const REQUESTS = new Map([
  ['hello', op('hello', { versions: S.list(S.uint63, 1, 8), runner: S.text(0, 64) })],
  [
    'create_node',
    op('create_node', {
      node: S.message({
        name: nodeName,
        protocol: S.text(1, 16, S.NAME),
        seed: S.bytes(32),
        params: S.bytes(0, 1 << 20),
      }),
    }),
  ],
  ['input', op('input', { node: nodeName, at: S.uint63, input })],
  ['query_state', op('query_state', { node: nodeName })],
  ['reset', op('reset')],
  ['bye', op('bye')],
]);

// -- one request, one reply --

const nodes = new Map(); // name -> { node, lastAt }
let finished = false; // set by bye

const truncate = (text) => [...text].slice(0, 1024).join(''); // reasons are at most 1,024 characters
const failure = (reason) => ({ op: 'failure', reason: truncate(reason) });

function handle(request) {
  switch (request.op) {
    case 'hello':
      if (!request.versions.includes(DRIVER_VERSION)) return { op: 'unsupported', reason: 'driver version 1 only' };
      // Declare only what is implemented: cases of other protocols are then
      // judged `unsupported` without being run.
      return { op: 'hello', version: DRIVER_VERSION, implementation: IMPLEMENTATION, protocols: [PROTOCOL] };

    case 'create_node': {
      const setup = request.node;
      // Any protocol but ours (including the runner's `zzprobe...` honesty
      // probe, never special-cased) is `unsupported`: not `ok`, not `failure`.
      if (setup.protocol !== PROTOCOL) {
        return { op: 'unsupported', reason: `protocol ${setup.protocol} is not implemented` };
      }
      if (nodes.has(setup.name)) return failure(`node ${setup.name} exists`);
      let node;
      try {
        node = new WireNode(setup.seed, setup.params);
      } catch (error) {
        return failure(`bad parameters: ${error.message}`);
      }
      nodes.set(setup.name, { node, lastAt: 0n });
      return { op: 'ok' };
    }

    case 'input': {
      const entry = nodes.get(request.node);
      if (!entry) return failure(`no node ${request.node}`);
      // Time never runs backwards, counting refused inputs too: no protocol
      // rule covers it, so it is the runner's fault and a `failure`.
      if (request.at < entry.lastAt) return failure(`time runs backwards: ${request.at} < ${entry.lastAt}`);
      entry.lastAt = request.at;
      try {
        return { op: 'result', outputs: entry.node.handle(request.at, request.input), error: null };
      } catch (error) {
        if (!(error instanceof ProtocolError)) throw error; // a bug in the node: `failure`
        // Bad input from a peer is a result with its error code, never a failure.
        return { op: 'result', outputs: [], error: error.code };
      }
    }

    case 'query_state': {
      const entry = nodes.get(request.node);
      if (!entry) return failure(`no node ${request.node}`);
      const state = entry.node.observe();
      return { op: 'state', state, digest: sha256(state) };
    }

    case 'reset':
      nodes.clear();
      return { op: 'ok' };

    default: // bye
      finished = true;
      return { op: 'ok' };
  }
}

// The reply to one request payload; a request that cannot be decoded, or a
// bug, becomes a `failure` reply and the session goes on.
function reply(payload) {
  try {
    const request = decode(payload, { maxSize: MAX_DRIVER_FRAME });
    const schema = isMap(request) && REQUESTS.get(request.op);
    if (!schema) throw new ProtocolError('decode.bad_value', 'op', 'not a request');
    return handle(schema(request));
  } catch (error) {
    console.error(error instanceof ProtocolError ? error.message : error.stack);
    return failure(`cannot serve the request: ${error.message}`);
  }
}

// -- framing --

function writeFrame(payload) {
  const frame = Buffer.alloc(4 + payload.length);
  frame.writeUInt32BE(payload.length, 0);
  payload.copy(frame, 4);
  // Synchronous, so a reply is out before the next request is read (and before exit).
  for (let done = 0; done < frame.length; ) done += fs.writeSync(1, frame, done);
}

function die(message) {
  console.error(`driver: ${message}`); // no frame boundary can be trusted any more
  process.exit(1);
}

async function main() {
  let chunks = [];
  let size = 0;
  let need = 4; // bytes to wait for before looking again (a prefix, or a whole frame)
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
    size += chunk.length;
    if (size < need) continue;
    let buffer = Buffer.concat(chunks, size);
    while (buffer.length >= 4) {
      const length = buffer.readUInt32BE(0);
      // Checked before the payload is read or allocated.
      if (length > MAX_DRIVER_FRAME) die(`length prefix ${length} is over MAX_DRIVER_FRAME`);
      if (buffer.length < 4 + length) break;
      const payload = buffer.subarray(4, 4 + length);
      buffer = buffer.subarray(4 + length);
      writeFrame(encode(reply(payload)));
      if (finished) process.exit(0); // bye: answer ok, then exit with status 0
    }
    chunks = [buffer];
    size = buffer.length;
    need = size >= 4 ? 4 + buffer.readUInt32BE(0) : 4;
  }
  if (size > 0) die('standard input ended inside a frame');
  process.exit(0); // the runner went away
}

main();
