/** The controller's endpoints (/metrics, /healthz, /readyz and the gate API) under the endpoint policy. */
import { request } from 'node:http';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fuzzHttp } from '../../test/support/http-fuzz.js';
import { createGateServer } from '../analysis/gates/server.js';
import { FileGateStore } from '../analysis/gates/store.js';
import { LoadTasks } from '../analysis/loadgen/tasks.js';
import { serve, startHealthServer, type HealthServer } from './server.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'serin-endpoints-'));
const tasks = new LoadTasks();
let health: HealthServer;
let gates: HealthServer;

beforeAll(async () => {
  health = await startHealthServer('0.0.0.0:0', new Registry(), () => true, { namespace: 'serin-system' });
  gates = await serve(
    '0.0.0.0:0',
    createGateServer({ store: new FileGateStore(dir), token: 'gate-token-0123456789', loadTasks: tasks }),
    {
      namespace: 'serin-system',
    },
  );
});
afterAll(async () => {
  await tasks.stopAll();
  await health.close();
  await gates.close();
  rmSync(dir, { recursive: true, force: true });
});

const portOf = (server: HealthServer) => Number(new URL(server.url).port);

function status(server: HealthServer, path: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: portOf(server), path, headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('controller endpoints', () => {
  it('answer kubelet probes and Service names, and 403 to a rebinding name', async () => {
    for (const host of ['10.244.0.7:8080', 'serin-controller.serin-system.svc:8080', 'localhost'])
      expect([host, await status(health, '/healthz', host)]).toEqual([host, 200]);
    for (const path of ['/metrics', '/healthz', '/readyz'])
      expect([path, await status(health, path, 'evil.example')]).toEqual([path, 403]);
    expect(await status(gates, '/healthz', 'serin-controller.serin-system:8081')).toBe(200);
    expect(await status(gates, '/gates', 'evil.example')).toBe(403);
  });

  it('answer 300 random requests each without a 500 and keep serving', async () => {
    const healthReport = await fuzzHttp({
      port: portOf(health),
      routes: ['/metrics', '/healthz', '/readyz', '/'],
    });
    const gateReport = await fuzzHttp({
      port: portOf(gates),
      routes: [
        '/',
        '/healthz',
        '/gates',
        '/tasks',
        '/gate/check',
        '/gate/open',
        '/gate/close',
        '/gate/approve',
        '/gate/halt',
        '/rollback/check',
        '/rollback/open',
      ],
    });
    process.stdout.write(
      `metrics fuzz: ${JSON.stringify(healthReport.byStatus)}; gate fuzz: ${JSON.stringify(gateReport.byStatus)}\n`,
    );
    expect(healthReport.failures).toEqual([]);
    expect(gateReport.failures).toEqual([]);
    expect(await status(health, '/healthz', 'localhost')).toBe(200);
    expect(await status(gates, '/healthz', 'localhost')).toBe(200);
  }, 300_000);
});
