import { encodeJson, isShoalError } from '@shoal/models';
import { describe, expect, it } from 'vitest';
import { type DecodeErrorCode, type DecodeResult, decodeMessage, encodeMessage } from './codec.js';
import { PROTOCOL_VERSION } from './envelope.js';
import { MESSAGE_TYPES } from './messages/catalog.js';
import { BIG_TIME, NODE, nodeInfo, sample } from './test-support/samples.js';

const bytes = (value: unknown) => new TextEncoder().encode(encodeJson(value));
const text = (data: Uint8Array) => new TextDecoder().decode(data);

function raw(overrides: Record<string, unknown> = {}) {
  const { payload, ...header } = sample('BidAccepted', 1n);
  return { ...header, payload, ...overrides };
}

function expectError(result: DecodeResult, code: DecodeErrorCode, message?: RegExp) {
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.error.code).toBe(code);
  if (message) expect(result.error.message).toMatch(message);
}

describe('encode/decode round trip', () => {
  it.each(MESSAGE_TYPES)('%s', (type) => {
    const envelope = sample(
      type,
      type.endsWith('Reply') || /^(Handshake|Heartbeat|Update|Shutdown)/.test(type) ? 0n : 5n,
    );
    const decoded = decodeMessage(encodeMessage(envelope), { expectedNodeId: NODE });
    expect(decoded).toEqual({ ok: true, envelope });
  });

  it('keeps an int64 nanosecond time digit for digit, as a bare literal', () => {
    const envelope = sample('AskForBid', 1n);
    const data = encodeMessage(envelope);
    expect(text(data)).toContain('"time":1695883778909107178');
    expect(text(data)).toContain('"CreateTime":1695883778909107178');
    const decoded = decodeMessage(data);
    if (!decoded.ok || decoded.envelope.type !== 'AskForBid') throw new Error('decode failed');
    expect(decoded.envelope.time).toBe(1695883778909107178n);
    expect(decoded.envelope.payload.Job.CreateTime).toBe(BIG_TIME);
    expect(decoded.envelope.payload.Job.ModifyTime).toBe(1695883778909107179n);
  });

  it('widens small numeric seq and time to bigint', () => {
    const decoded = decodeMessage(bytes(raw({ seq: 3, time: 12 })));
    if (!decoded.ok) throw new Error(decoded.error.message);
    expect(decoded.envelope.seq).toBe(3n);
    expect(decoded.envelope.time).toBe(12n);
  });

  it('carries the resync flag only when set', () => {
    const data = encodeMessage({ ...sample('BidAccepted', 9n), resync: true });
    expect(text(data)).toContain('"resync":true');
    expect(text(encodeMessage(sample('BidAccepted', 9n)))).not.toContain('resync');
    const decoded = decodeMessage(data);
    expect(decoded.ok && decoded.envelope.resync).toBe(true);
  });

  it('ignores unknown keys (tolerant reader) without passing them on', () => {
    const decoded = decodeMessage(bytes(raw({ extra: 1, payload: { ExecutionID: 'e-1', Later: true } })));
    expect(decoded.ok && decoded.envelope.payload).toEqual({ ExecutionID: 'e-1' });
  });
});

describe('decode errors (never thrown)', () => {
  it('too_large before parsing anything', () => {
    const data = encodeMessage(sample('ExecutionProgress', 1n));
    expectError(decodeMessage(data, { maxBytes: data.byteLength - 1 }), 'too_large', /exceeds the limit of/);
    expect(decodeMessage(data, { maxBytes: data.byteLength }).ok).toBe(true);
  });

  it('too_large at the 1 MiB default', () => {
    const big = bytes(raw({ payload: { ExecutionID: 'e-1', Message: 'x'.repeat(1024 * 1024) } }));
    expectError(decodeMessage(big), 'too_large', /1048576 bytes/);
  });

  it.each([
    ['truncated', '{"v":1,"type":"BidAccepted"'],
    ['not JSON', 'hello'],
    ['empty', ''],
  ])('bad_json: %s', (_what, input) => {
    expectError(decodeMessage(new TextEncoder().encode(input)), 'bad_json', /not JSON/);
  });

  it('bad_json: invalid UTF-8', () => {
    expectError(decodeMessage(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])), 'bad_json', /UTF-8/);
  });

  it.each([
    ['an array', [1, 2]],
    ['a string', 'envelope'],
    ['null', null],
    ['no version', { type: 'BidAccepted' }],
  ])('bad_envelope: %s', (_what, value) => {
    expectError(decodeMessage(bytes(value)), 'bad_envelope');
  });

  it.each([
    ['id', { id: 'a.b' }, /id: must be 1-255/],
    ['nodeId', { nodeId: 'n.*' }, /nodeId: node id must be/],
    ['seq negative', { seq: -1 }, /seq must be between 0 and 2\^63-1/],
    ['seq fraction', { seq: 1.5 }, /seq must be an integer/],
    ['seq 0 on a stream', { seq: 0 }, /seq must be ≥ 1/],
    ['time', { time: 'yesterday' }, /time/],
    ['type missing', { type: undefined }, /type/],
  ])('bad_envelope: %s', (_what, overrides, message) => {
    expectError(decodeMessage(bytes(raw(overrides))), 'bad_envelope', message);
  });

  it('bad_version, with a readable reason', () => {
    const result = decodeMessage(bytes(raw({ v: 2 })));
    expectError(result, 'bad_version');
    if (result.ok) return;
    expect(result.error.message).toBe(
      `protocol version 2 is not supported: this side speaks version ${PROTOCOL_VERSION}; ` +
        'run the same Shoal release on the orchestrator and its agents',
    );
    expect(result.error).toMatchObject({ type: 'BidAccepted', nodeId: NODE });
    expectError(decodeMessage(bytes(raw({ v: '1' }))), 'bad_version', /version "1" is not supported/);
  });

  it('unknown_type, and a known type on the wrong channel', () => {
    expectError(decodeMessage(bytes(raw({ type: 'LaunchMissiles' }))), 'unknown_type', /"LaunchMissiles"/);
    expectError(decodeMessage(bytes(raw({ type: 'toString' }))), 'unknown_type');
    expectError(decodeMessage(bytes(raw({ type: '__proto__' }))), 'unknown_type');
    const onOut = decodeMessage(encodeMessage(sample('AskForBid', 1n)), { channel: 'out' });
    expectError(onOut, 'unknown_type', /AskForBid is not expected on out \(expected BidResult, RunResult/);
  });

  it('wrong_node: the envelope speaks for another node than the subject', () => {
    const data = encodeMessage(sample('RunResult', 1n, 'n-evil'));
    expectError(decodeMessage(data, { expectedNodeId: NODE }), 'wrong_node', /n-evil does not match node/);
  });

  it('wrong_node: a Handshake describing another node', () => {
    const envelope = {
      ...sample('Handshake'),
      payload: { ...sample('Handshake').payload, NodeInfo: nodeInfo('n-other') },
    };
    expectError(decodeMessage(encodeMessage(envelope)), 'wrong_node', /NodeInfo.NodeID n-other/);
  });

  it('bad_payload names every problem with its path', () => {
    const payload = { ...sample('AskForBid', 1n).payload, Partition: -1, Job: { ID: 'j-1' } };
    const result = decodeMessage(bytes(raw({ type: 'AskForBid', payload })));
    expectError(result, 'bad_payload', /^invalid AskForBid payload: Partition: .*; Job.Name: /);
    if (!result.ok) expect(result.error.message).toMatch(/and \d+ more$/);
  });

  it('never throws, whatever the bytes', () => {
    const base = encodeMessage(sample('AskForBid', 1n));
    for (let i = 0; i < 300; i++) {
      const mutated = base.slice(0, Math.floor(Math.random() * base.length));
      mutated[Math.floor(Math.random() * mutated.length)] = Math.floor(Math.random() * 256);
      expect(() => decodeMessage(mutated)).not.toThrow();
      const random = crypto.getRandomValues(new Uint8Array(Math.floor(Math.random() * 64)));
      expect(decodeMessage(random).ok).toBe(false);
    }
  });
});

describe('capacity sanity', () => {
  const withCapacity = (patch: Record<string, unknown>) => {
    const hb = sample('Heartbeat');
    return bytes({
      ...hb,
      payload: { ...hb.payload, AvailableCapacity: { ...hb.payload.AvailableCapacity, ...patch } },
    });
  };

  it.each([
    [{ CPU: 1e12 }, 'AvailableCapacity.CPU: CPU of 1000000000000 cores is absurd (the maximum is 100000)'],
    [{ Memory: -1 }, 'AvailableCapacity.Memory: Memory must not be negative, got -1'],
    [{ Memory: 2n ** 64n }, 'AvailableCapacity.Memory: Memory of 18446744073709551616 bytes is absurd'],
    [{ Disk: 2 ** 53 + 2 }, 'AvailableCapacity.Disk: Disk of 9007199254740994 bytes is absurd'],
    [{ GPU: 1.5 }, 'AvailableCapacity.GPU: GPU must be a whole number of GPUs, got 1.5'],
    [{ CPU: '8' }, 'AvailableCapacity.CPU: CPU must be a number of cores, got "8"'],
    [{ CPU: undefined }, 'AvailableCapacity.CPU: CPU must be a number of cores, got undefined'],
  ])('refuses %o', (patch, message) => {
    const result = decodeMessage(withCapacity(patch));
    expectError(result, 'bad_payload');
    if (!result.ok) expect(result.error.message).toContain(message);
  });

  it('refuses an absurd handshake capacity, every problem at once', () => {
    const hs = sample('Handshake');
    const info = nodeInfo();
    const compute = info.ComputeNodeInfo;
    if (!compute) throw new Error('sample has compute info');
    const payload = {
      ...hs.payload,
      NodeInfo: {
        ...info,
        ComputeNodeInfo: { ...compute, MaxCapacity: { CPU: 1e12, Memory: -5, Disk: 0, GPU: 0 } },
      },
    };
    const result = decodeMessage(bytes({ ...hs, payload }));
    expectError(
      result,
      'bad_payload',
      /MaxCapacity.CPU: CPU of 1000000000000 cores is absurd.*MaxCapacity.Memory: Memory must not be negative/,
    );
  });

  it('accepts fractional CPUs and zero GPUs', () => {
    expect(decodeMessage(withCapacity({ CPU: 0.25, GPU: 0 })).ok).toBe(true);
  });
});

describe('encodeMessage', () => {
  it('refuses what the peer would refuse, listing every problem', () => {
    const envelope = { ...sample('BidRejected', 0n), id: '', payload: { ExecutionID: 'e.1', Reason: 3 } };
    try {
      // @ts-expect-error: the payload is deliberately of the wrong type
      encodeMessage(envelope);
      expect.unreachable();
    } catch (error) {
      expect(isShoalError(error) && error.code).toBe('ValidationError');
      expect((error as Error).message).toMatch(
        /^cannot encode BidRejected: id: .*; seq must be ≥ 1; payload: ExecutionID: .*; Reason: /,
      );
    }
  });

  it('refuses a message over the size limit', () => {
    const envelope = {
      ...sample('ExecutionProgress', 1n),
      payload: { ExecutionID: 'e-1', Message: 'x'.repeat(2000) },
    };
    expect(() => encodeMessage(envelope, { maxBytes: 1000 })).toThrow(
      /bytes exceeds the limit of 1000 bytes/,
    );
  });
});
