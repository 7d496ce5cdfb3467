'use strict';
// A node of the `wire` protocol (spec/v1/prose/wire.md), inside the pipeline
// every node runs (spec/v1/prose/node.md): open the envelope, check replay,
// step the machine. A refused input changes nothing: every check runs, and
// the machine decides, before a single field of the node is written.

const { ProtocolError, decode, encode } = require('./cbor');
const { integer, uint63, bytes, message } = require('./schema');
const { identityFromSeed, open, seal } = require('./envelope');

const PROTOCOL = 'wire';
const MAX_PENDING = 64;
const MAX_REPLAY_SENDERS = 4096n; // the largest replay window (envelope.md "Replay")

const nonce = bytes(8);
const MESSAGES = new Map([
  ['ping', message({ nonce, sent_at: uint63 })],
  ['pong', message({ nonce, ping_sent_at: uint63 })],
]);
const COMMANDS = new Map([['ping', message({ to: bytes(16), nonce })]]);
const PARAMS = message({ replay_senders: integer(1n, MAX_REPLAY_SENDERS) }); // WireParams
const SPOKEN = new Map([[PROTOCOL, MESSAGES]]); // a wire node speaks wire only

const isPending = (pending, to, nonce) => pending.some((p) => p.to.equals(to) && p.nonce.equals(nonce));

// The replay state (envelope.md "Replay"): at most `bound` entries, one per
// sender, { sender, seq, at }, and one floor per bucket, where a sender's
// bucket is the first byte of its node id. Each entry's `at` is the tick
// its sender's last frame was accepted at.
class ReplayWindow {
  constructor(bound) {
    this.bound = Number(bound);
    this.entries = new Map(); // sender id (hex) -> { sender, seq, at }
    this.floors = new Array(256).fill(0n);
  }

  // Check 10: fresh above the sender's entry, or, without an entry, above
  // its bucket's floor. Judged on the window as it is, before any eviction.
  check(sender, seq) {
    const last = this.entries.get(sender.toString('hex'));
    const bound = last !== undefined ? last.seq : this.floors[sender[0]];
    if (seq <= bound) {
      const what = last !== undefined ? 'the last accepted' : `the floor of bucket ${sender[0]}`;
      throw new ProtocolError('replay.stale_sequence', 'seq', `${seq} is not above ${bound}, ${what}`);
    }
  }

  // Once the whole input is accepted: update the sender's entry, or insert
  // one, first evicting the least recently accepted entry (smallest `at`,
  // then the smaller sender id) into its bucket's floor if the window is full.
  accept(sender, seq, at) {
    const key = sender.toString('hex');
    if (!this.entries.has(key) && this.entries.size >= this.bound) {
      const older = (a, b) => a.at < b.at || (a.at === b.at && Buffer.compare(a.sender, b.sender) < 0);
      let victim = null;
      for (const entry of this.entries.values()) if (victim === null || older(entry, victim)) victim = entry;
      this.entries.delete(victim.sender.toString('hex'));
      const bucket = victim.sender[0];
      if (victim.seq > this.floors[bucket]) this.floors[bucket] = victim.seq;
    }
    this.entries.set(key, { sender, seq, at });
  }

  // last_seq sorted by sender; replay_floors: the non-zero floors by bucket.
  observe() {
    const lastSeq = [...this.entries.values()].sort((a, b) => Buffer.compare(a.sender, b.sender));
    const floors = this.floors.flatMap((floor, bucket) => (floor > 0n ? [{ bucket, floor }] : []));
    return { last_seq: lastSeq, replay_floors: floors };
  }
}

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
    const { replay_senders: bound } = PARAMS(decode(params), 'params');
    this.identity = identityFromSeed(seed);
    this.nextSeq = 1n; // the first envelope carries seq 1, so 0 is never sent
    this.replay = new ReplayWindow(bound);
    this.pending = []; // unanswered pings: { to, nonce }
  }

  // One input at tick `at`: returns the frames sent, or throws a ProtocolError.
  handle(at, input) {
    let trigger;
    let event = { at };
    let admit = null;
    if (input.kind === 'deliver') {
      const envelope = open(input.frame, SPOKEN);
      this.replay.check(envelope.sender, envelope.seq);
      admit = [envelope.sender, envelope.seq, at];
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
    if (admit) this.replay.accept(...admit);
    this.pending = pending;
    return outputs;
  }

  // WireState, deterministic CBOR: last_seq sorted by sender, replay_floors
  // by bucket, pending by (to, nonce).
  observe() {
    const pending = [...this.pending].sort((a, b) => Buffer.compare(a.to, b.to) || Buffer.compare(a.nonce, b.nonce));
    return encode({ next_seq: this.nextSeq, ...this.replay.observe(), pending });
  }
}

module.exports = { PROTOCOL, WireNode };
