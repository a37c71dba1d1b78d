/**
 * CloudWatch throttling: GetMetricData answers throttled or failing calls as AWS documents them
 * (400 with `__type` ThrottlingException, 429, 5xx); the provider retries those, re-signing each
 * attempt, and gives up on anything else at once. A real HTTP server checks every signature.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsSignatureValid } from './testing/aws.js';
import { providerFactory } from './registry.js';
import { retryable } from './aws-retry.js';
import { ProviderError } from './http.js';

const ACCOUNT = {
  accessKeyId: 'AKIDRETRY',
  secretAccessKey: 'aws-retry-secret',
  region: 'eu-west-1',
  service: 'monitoring',
};
const VALUE = { MetricDataResults: [{ Id: 'e1', StatusCode: 'Complete', Timestamps: [1], Values: [0.25] }] };
const THROTTLED = {
  status: 400,
  body: { __type: 'com.amazon.coral.availability#ThrottlingException', message: 'Rate exceeded' },
};
const INVALID = {
  status: 400,
  body: { __type: 'com.amazonaws.cloudwatch#InvalidParameterValueException', message: 'bad m3' },
};

let server: Server;
let address: string;
/** The answers still to give before the value; each request takes the next. */
let script: { status: number; body: unknown }[] = [];
let requests = 0;
let badSignatures = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests++;
      if (!awsSignatureValid(req, Buffer.concat(chunks).toString('utf8'), ACCOUNT)) badSignatures++;
      const next = script.shift() ?? { status: 200, body: VALUE };
      res.writeHead(next.status, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify(next.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  address = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function provider() {
  return providerFactory('cloudwatch')({
    spec: { type: 'cloudwatch', address, region: 'eu-west-1', secretRef: { name: 'aws' }, timeout: '30s' },
    credentials: { aws_access_key_id: ACCOUNT.accessKeyId, aws_secret_access_key: ACCOUNT.secretAccessKey },
    interval: '1m',
  });
}

const QUERY = JSON.stringify([{ Id: 'e1', Expression: 'SUM(METRICS())' }]);

async function run(answers: { status: number; body: unknown }[]) {
  script = [...answers];
  requests = 0;
  badSignatures = 0;
  const p = provider();
  try {
    return await p.queryValue(QUERY).then(
      (value) => ({ value, error: undefined }),
      (error: unknown) => ({ value: undefined, error: error as Error }),
    );
  } finally {
    await p.close();
  }
}

describe('cloudwatch retries', { timeout: 60_000 }, () => {
  it.each([
    ['a ThrottlingException', THROTTLED],
    ['429', { status: 429, body: { message: 'Too Many Requests' } }],
    ['503', { status: 503, body: { __type: 'ServiceUnavailable', message: 'try later' } }],
  ])('retries %s and returns the value, each attempt signed', async (_label, fault) => {
    const result = await run([fault, fault]);
    expect(result.error).toBeUndefined();
    expect(result.value).toBe(0.25);
    expect(requests).toBe(3);
    expect(badSignatures).toBe(0);
  });

  it('gives up after three attempts, naming the last answer', async () => {
    const result = await run([THROTTLED, THROTTLED, THROTTLED, THROTTLED]);
    expect(result.error?.message).toContain('HTTP 400');
    expect(result.error?.message).toContain('ThrottlingException');
    expect(requests).toBe(3);
  });

  it('does not retry an error that is not throttling', async () => {
    const result = await run([INVALID]);
    expect(result.error?.message).toContain('InvalidParameterValueException');
    expect(requests).toBe(1);
  });

  it('classifies answers as the SDKs do', () => {
    const answered = (status: number, body: unknown) =>
      new ProviderError(`cloudwatch at x answered HTTP ${String(status)}: ${JSON.stringify(body)}`);
    expect(retryable(answered(400, THROTTLED.body))).toBe(true);
    expect(retryable(answered(400, INVALID.body))).toBe(false);
    expect(retryable(answered(403, { __type: 'AccessDeniedException' }))).toBe(false);
    expect(retryable(answered(500, {}))).toBe(true);
    expect(retryable(new ProviderError('cloudwatch query to x failed: timed out after 300 ms'))).toBe(false);
  });
});
