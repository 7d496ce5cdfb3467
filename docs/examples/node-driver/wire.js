'use strict';
// A node of the `wire` protocol (spec/v1/prose/wire.md), inside the pipeline
// every node runs (spec/v1/prose/node.md): open the envelope, check replay,
// step the machine. A refused input changes nothing: every check runs, and
// the machine decides, before a single field of the node is written.

const { ProtocolError, decode, encode } = require('./cbor');
const { uint63, bytes, message } = require('./schema');
const { identityFromSeed, open, seal } = require('./envelope');

const PROTOCOL = 'wire';
const MAX_PENDING = 64;

const nonce = bytes(8);
const MESSAGES = new Map([
  ['ping', message({ nonce, sent_at: uint63 })],
  ['pong', message({ nonce, ping_sent_at: uint63 })],
]);
const COMMANDS = new Map([['ping', message({ to: bytes(16), nonce })]]);
const PARAMS = message({}); // WireParams has no fields: an empty map
const SPOKEN = new Map([[PROTOCOL, MESSAGES]]); // a wire node speaks wire only

const isPending = (pending, to, nonce) => pending.some((p) => p.to.equals(to) && p.nonce.equals(nonce));

// The table `wire.node`: one state, `active`, so every row has source and
// target `active`. Guards and actions are pure functions of the pending
// pings and the event; an action returns the new list and what to send.
const TABLE = [
  {
    id: 'answer_ping',
    trigger: 'message:ping',
    guard: null,
    // The pong goes to the ping's signer (the envelope's sender), not to the link.
    action: (pending, { signer, body }) => ({
      pending,
      emits: [{ to: signer, type: 'pong', body: { nonce: body.nonce, ping_sent_at: body.sent_at } }],
    }),
  },
  {
    id: 'send_ping',
    trigger: 'command:ping',
    // ping_slot_free: fewer than MAX_PENDING pending, and not this (to, nonce) already.
    guard: (pending, { args }) => pending.length < MAX_PENDING && !isPending(pending, args.to, args.nonce),
    action: (pending, { at, args }) => ({
      pending: [...pending, { to: args.to, nonce: args.nonce }],
      emits: [{ to: args.to, type: 'ping', body: { nonce: args.nonce, sent_at: at } }],
    }),
  },
  {
    id: 'accept_pong',
    trigger: 'message:pong',
    // pong_expected: matched on the authenticated signer, not on the link.
    guard: (pending, { signer, body }) => isPending(pending, signer, body.nonce),
    action: (pending, { signer, body }) => ({
      pending: pending.filter((p) => !(p.to.equals(signer) && p.nonce.equals(body.nonce))),
      emits: [],
    }),
  },
];

// "Choosing a row" (machines.md): candidates in table order; the first whose guard holds fires.
function step(pending, trigger, event) {
  const candidates = TABLE.filter((row) => row.trigger === trigger);
  if (candidates.length === 0) throw new ProtocolError('machine.no_transition', trigger, 'no row has this trigger');
  const row = candidates.find((r) => r.guard === null || r.guard(pending, event));
  if (!row) throw new ProtocolError('machine.guard_rejected', trigger, 'no guard holds');
  return row.action(pending, event);
}

class WireNode {
  constructor(seed, params) {
    PARAMS(decode(params), 'params');
    this.identity = identityFromSeed(seed);
    this.nextSeq = 1n; // the first envelope carries seq 1, so 0 is never sent
    this.lastSeq = new Map(); // sender id (hex) -> { sender, seq }: the replay window
    this.pending = []; // unanswered pings: { to, nonce }
  }

  // One input at tick `at`: returns the frames sent, or throws a ProtocolError.
  handle(at, input) {
    let trigger;
    let event = { at };
    let admit = null;
    if (input.kind === 'deliver') {
      const envelope = open(input.frame, SPOKEN);
      const key = envelope.sender.toString('hex');
      const last = this.lastSeq.get(key);
      if (last !== undefined && envelope.seq <= last.seq) {
        throw new ProtocolError('replay.stale_sequence', 'seq', `${envelope.seq} <= ${last.seq}`);
      }
      admit = [key, { sender: envelope.sender, seq: envelope.seq }];
      trigger = `message:${envelope.type}`;
      event = { at, signer: envelope.sender, body: envelope.body };
    } else if (input.kind === 'command') {
      const schema = COMMANDS.get(input.name);
      if (!schema) throw new ProtocolError('machine.no_transition', 'name', `no command ${input.name}`);
      event = { at, args: schema(decode(input.args, { prefix: 'args' }), 'args') };
      trigger = `command:${input.name}`;
    } else {
      // A timer must be running and due; a wire node never starts one, and
      // its table has no timer rows, so step() refuses every timer input.
      trigger = `timer:${input.name}`;
    }
    const { pending, emits } = step(this.pending, trigger, event);
    // Accepted: seal the outputs in emission order, with consecutive numbers.
    const outputs = emits.map(({ to, type, body }, i) => ({
      to,
      frame: seal(this.identity, PROTOCOL, type, body, this.nextSeq + BigInt(i)),
    }));
    this.nextSeq += BigInt(emits.length);
    if (admit) this.lastSeq.set(...admit);
    this.pending = pending;
    return outputs;
  }

  // WireState, deterministic CBOR: last_seq sorted by sender, pending by (to, nonce).
  observe() {
    const lastSeq = [...this.lastSeq.values()].sort((a, b) => Buffer.compare(a.sender, b.sender));
    const pending = [...this.pending].sort((a, b) => Buffer.compare(a.to, b.to) || Buffer.compare(a.nonce, b.nonce));
    return encode({ next_seq: this.nextSeq, last_seq: lastSeq, pending });
  }
}

module.exports = { PROTOCOL, WireNode };
