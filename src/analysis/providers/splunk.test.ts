/**
 * The splunk provider against a WebSocket server speaking SignalFlow's documented protocol
 * (`testing/signalflow.ts`): authentication, one execute over the window Flagger uses, data in
 * binary messages (plain and gzip-compressed), and the way the service reports errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSplunkProvider, signalFlowUrl } from './splunk.js';
import { parseBinaryMessage } from './signalflow.js';
import { SignalFlowServer, type Reply } from './testing/signalflow.js';
import { NoDataError, type MetricProvider } from './types.js';

const TOKEN = 'sf-token-secret-9';
const NOW = new Date('2026-12-02T10:00:00Z');

const REPLIES: Record<string, Reply> = {
  "data('errors').sum().publish()": {
    batches: [[{ tsId: 'aaaa', type: 2, value: 1.5 }], [{ tsId: 'aaaa', type: 2, value: 2.25 }]],
  },
  "data('requests').sum().publish()": {
    batches: [[{ tsId: 'bbbb', type: 1, value: 1200 }]],
    compressed: true,
  },
  "data('count').count().publish()": { batches: [[{ tsId: 'cccc', type: 3, value: 7 }]] },
  "data('none').publish()": { batches: [] },
  "data('split').publish()": {
    batches: [
      [
        { tsId: 'aaaa', type: 2, value: 1 },
        { tsId: 'dddd', type: 2, value: 2 },
      ],
    ],
  },
  "data('broken'": { error: "Syntax error: mismatched input '<EOF>'" },
  "data('aborted').publish()": { abort: 'Computation exceeded the allowed number of time series' },
  "data('hang').publish()": { silent: true },
};

let server: SignalFlowServer;
let address: string;
const open: MetricProvider[] = [];

beforeAll(async () => {
  server = new SignalFlowServer(TOKEN, (program) => REPLIES[program] ?? { batches: [] });
  address = await server.start();
});

afterAll(async () => {
  await Promise.all(open.map((p) => p.close()));
  await server.stop();
});

function provider(overrides: { token?: string; timeout?: string } = {}): MetricProvider {
  const made = createSplunkProvider({
    spec: {
      type: 'splunk',
      address,
      secretRef: { name: 'splunk' },
      ...(overrides.timeout ? { timeout: overrides.timeout } : {}),
    },
    credentials: { sf_token_key: overrides.token ?? TOKEN },
    interval: '1m',
  });
  open.push(made);
  return made;
}

describe('splunk through SignalFlow', () => {
  it('returns the last data point of the one series, over ten intervals ending now', async () => {
    await expect(provider().queryValue("data('errors').sum().publish()", NOW)).resolves.toBe(2.25);
    expect(server.executions.at(-1)).toEqual({
      program: "data('errors').sum().publish()",
      start: NOW.getTime() - 600_000,
      stop: NOW.getTime(),
      immediate: true,
      channel: 'serin-1',
    });
  });

  it('reads long and int points, and gzip-compressed data messages', async () => {
    await expect(provider().queryValue("data('requests').sum().publish()", NOW)).resolves.toBe(1200);
    await expect(provider().queryValue("data('count').count().publish()", NOW)).resolves.toBe(7);
  });

  it('reports no data points as no data, and several series as an error', async () => {
    await expect(provider().queryValue("data('none').publish()", NOW)).rejects.toBeInstanceOf(NoDataError);
    await expect(provider().queryValue("data('split').publish()", NOW)).rejects.toThrow(
      /returned 2 time series; expected one/,
    );
  });

  it('names a program error, an abort and a refused token without showing the token', async () => {
    await expect(provider().queryValue("data('broken'", NOW)).rejects.toThrow(
      /splunk refused the computation: Syntax error/,
    );
    await expect(provider().queryValue("data('aborted').publish()", NOW)).rejects.toThrow(
      /aborted the computation: Computation exceeded/,
    );
    const refused = await provider({ token: 'sf-token-wrong' })
      .queryValue("data('errors').sum().publish()", NOW)
      .then(
        () => new Error('expected the token to be refused'),
        (e: unknown) => e as Error,
      );
    expect(refused.message).toMatch(/Authentication failed/);
    expect(refused.message).not.toContain('sf-token');
  });

  it('gives up after provider.timeout', async () => {
    await expect(provider({ timeout: '300ms' }).queryValue("data('hang').publish()", NOW)).rejects.toThrow(
      /timed out after 300 ms/,
    );
  });

  it('needs sf_token_key and an address', () => {
    expect(() => createSplunkProvider({ spec: { type: 'splunk', address }, credentials: {} })).toThrow(
      /must contain the key sf_token_key/,
    );
    expect(() =>
      createSplunkProvider({ spec: { type: 'splunk' }, credentials: { sf_token_key: 'x' } }),
    ).toThrow(/provider\.address/);
  });
});

describe('SignalFlow details', () => {
  it('rewrites the API address into the stream address as Flagger does', () => {
    expect(signalFlowUrl('https://api.us1.signalfx.com').toString()).toBe(
      'wss://stream.us1.signalfx.com/v2/signalflow/connect',
    );
    expect(signalFlowUrl('wss://stream.eu0.signalfx.com').toString()).toBe(
      'wss://stream.eu0.signalfx.com/v2/signalflow/connect',
    );
    expect(() => signalFlowUrl('ftp://x')).toThrow(/must be http\(s\) or ws\(s\)/);
  });

  it('refuses a truncated binary message, naming what is missing', () => {
    expect(() => parseBinaryMessage(Buffer.alloc(10))).toThrow(/shorter than its 20-byte header/);
    const header = Buffer.alloc(20);
    header.writeUInt8(5, 1);
    const body = Buffer.alloc(12);
    body.writeUInt32BE(3, 8);
    expect(() => parseBinaryMessage(Buffer.concat([header, body]))).toThrow(/announcing 3 points in 0 bytes/);
  });
});
