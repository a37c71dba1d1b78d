import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import type { Canary } from '../../api/canary.js';
import { WorkloadDocument } from '../../api/workload.js';
import { SOURCE_HEADER } from '../router/caller.js';
import { LocalWorkloads, SOURCE_ENV, type PrimaryRecord } from './local-workloads.js';

/**
 * A replica started by Serin knows its own identity: SERIN_SOURCE (`<namespace>/<workload>`) is
 * what it sends as x-serin-source on its calls through the router. The process here reports its
 * environment over HTTP, as a real program would read it.
 */
const dir = mkdtempSync(join(tmpdir(), 'serin-source-'));
const script = `
const http = require('node:http');
http.createServer((req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ source: process.env.${SOURCE_ENV} ?? null }));
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

const workload = WorkloadDocument.parse({
  apiVersion: 'serin.dev/v1beta1',
  kind: 'Workload',
  metadata: { name: 'ratings', namespace: 'shop' },
  spec: {
    command: [process.execPath, '-e', script],
    version: 'v1',
    replicas: 1,
    readinessProbe: { httpGet: { path: '/healthz' }, periodSeconds: 0.1 },
  },
});

const canary = {
  apiVersion: 'serin.dev/v1beta1',
  kind: 'Canary',
  metadata: { name: 'ratings', namespace: 'shop' },
  spec: {
    targetRef: { apiVersion: 'serin.dev/v1beta1', kind: 'Workload', name: 'ratings' },
    service: { port: 80 },
  },
} as unknown as Canary;

let primary: PrimaryRecord | undefined;
const workloads = new LocalWorkloads({
  target: () => ({ workload, baseDir: dir }),
  loadPrimary: () => primary,
  savePrimary: (_c, record) => {
    primary = record;
    return Promise.resolve();
  },
  onEndpointsChange: () => undefined,
  drainMs: 100,
});

afterAll(async () => {
  await workloads.stopAll();
  rmSync(dir, { recursive: true, force: true });
});

describe(`local workloads name themselves for ${SOURCE_HEADER}`, () => {
  it(
    `gives every replica ${SOURCE_ENV}=<namespace>/<workload>, the workload its endpoints report`,
    { timeout: 120_000 },
    async () => {
      await workloads.initialize(canary, { waitForPrimary: true });
      const deadline = Date.now() + 100_000;
      while (!(await workloads.isPrimaryReady(canary)).ready) {
        if (Date.now() > deadline) throw new Error('primary never became ready');
        await new Promise((r) => setTimeout(r, 50));
      }
      const [endpoint] = workloads.endpoints(canary).primary;
      expect(endpoint?.workload).toBe('ratings-primary');
      const res = await request(`http://127.0.0.1:${String(endpoint?.port)}/`);
      expect(await res.body.json()).toEqual({ source: 'shop/ratings-primary' });
    },
  );
});
