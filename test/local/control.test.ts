import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkloadDocument } from '../../src/api/workload.js';
import { workloadRevision } from '../../src/local/workloads/revision.js';
import { applyCommand } from '../../src/cli/definitions/apply.js';
import { osUser, readTokenFile } from '../../src/local/token.js';
import { runCommand } from '../support/in-process-cli.js';
import {
  canaryDoc,
  demoWorkload,
  finalPhase,
  metricWindowPasses,
  phaseIs,
  startLocal,
  startTraffic,
  successRate,
  until,
  versionOf,
  yamlDocs,
  type LocalHarness,
  type Traffic,
} from './support.js';

const NAME = 'api';

/** A confirm-promotion gate as a real HTTP server: 403 while closed, 200 once opened. */
function startGate(): Promise<{
  server: Server;
  url: string;
  alerts: string[];
  calls: () => number;
  open: () => void;
}> {
  let open = false;
  let calls = 0;
  const alerts: string[] = [];
  const server = createServer((req, res) => {
    if (req.url === '/alerts') {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        alerts.push(body);
        res.writeHead(200).end();
      });
      return;
    }
    req.resume();
    calls++;
    res
      .writeHead(open ? 200 : 403, { 'content-type': 'text/plain' })
      .end(open ? 'approved' : 'waiting for approval');
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        server,
        url: `http://127.0.0.1:${port}/gate`,
        alerts,
        calls: () => calls,
        open: () => {
          open = true;
        },
      });
    });
  });
}

describe('gates, the local API and serin apply', () => {
  let h: LocalHarness;
  let gate: Awaited<ReturnType<typeof startGate>>;
  let traffic: Traffic;
  let token: string;

  beforeAll(async () => {
    gate = await startGate();
    h = await startLocal(
      demoWorkload(NAME, 'v1'),
      canaryDoc(NAME, {
        stepWeight: 50,
        maxWeight: 50,
        metrics: [successRate(99)],
        webhooks: [{ name: 'approval', type: 'confirm-promotion', url: gate.url }],
        alerts: [{ name: 'team', severity: 'info', providerRef: { name: 'team-hook' } }],
      }),
      {
        apiVersion: 'serin.dev/v1beta1',
        kind: 'AlertProvider',
        metadata: { name: 'team-hook', namespace: 'default' },
        spec: { type: 'generic', address: gate.url.replace('/gate', '/alerts') },
      },
    );
    token = readTokenFile(h.session.info.tokenFile).token;
    await until('initialization', phaseIs(h, 'Initialized'));
    traffic = startTraffic(`${h.router}/`);
  });
  afterAll(async () => {
    await traffic.stop();
    await h.close();
    gate.server.close();
  });

  it('keeps the token in a file only its owner can read', () => {
    expect(statSync(h.session.info.tokenFile).mode & 0o777).toBe(0o600);
    expect(token.length).toBeGreaterThanOrEqual(16);
  });

  it('holds the promotion while the gate is closed, and promotes once it opens', async () => {
    const revision = await h.apply(demoWorkload(NAME, 'v2'));
    await until('the gate to hold the promotion', phaseIs(h, 'WaitingPromotion'));
    const asked = gate.calls();
    await until('the gate to be asked again', () => (gate.calls() >= asked + 2 ? true : undefined));
    expect(h.status().phase).toBe('WaitingPromotion');
    gate.open();
    expect(await finalPhase(h, revision)).toBe('Succeeded');
    // The AlertProvider from the manifest heard about it.
    await until('the promotion alert', () =>
      gate.alerts.some((a) => a.includes('promotion finished')) ? true : undefined,
    );
  });

  it('serves status over HTTP and refuses actions without the right token', async () => {
    const status = await request(`${h.session.info.api}/api/local/status`);
    const body = (await status.body.json()) as {
      router: string;
      canaries: { name: string; phase: string }[];
    };
    expect(body.router).toBe(h.router);
    expect(body.canaries[0]).toMatchObject({ name: NAME, phase: 'Succeeded' });
    const act = (authorization?: string) =>
      request(`${h.session.info.api}/api/canaries/default/${NAME}/actions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body: JSON.stringify({ action: { type: 'pause' } }),
      });
    const anonymous = await act();
    await anonymous.body.dump();
    expect(anonymous.statusCode).toBe(401);
    const wrong = await act('Bearer not-the-token-at-all');
    await wrong.body.dump();
    expect(wrong.statusCode).toBe(401);
    expect(h.status().paused).not.toBe(true);
  });

  it("serves the load tester's gate API, persisted in the state directory", async () => {
    const api = h.session.info.api;
    const call = async (path: string, authorization?: string) => {
      const res = await request(`${api}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body: JSON.stringify({ name: NAME, namespace: 'default' }),
      });
      await res.body.dump();
      return res.statusCode;
    };
    expect(await call('/gate/check')).toBe(403);
    expect(await call('/gate/open')).toBe(401);
    expect(await call('/gate/open', `Bearer ${token}`)).toBe(202);
    expect(await call('/gate/check')).toBe(200);
    // The dashboard's gate action closes the same gate.
    const closed = await h.session.runtime.backend.act(
      'default',
      NAME,
      { type: 'gate', gate: 'approval', open: false },
      'test',
    );
    expect(closed.accepted).toBe(true);
    expect(await call('/gate/check')).toBe(403);
    expect(readFileSync(join(h.session.info.stateDir, 'gates.json'), 'utf8')).toContain(NAME);
  });

  it('aborts a rollout through the API with the token', async () => {
    await metricWindowPasses();
    const revision = await h.apply(demoWorkload(NAME, 'v3'));
    await until('the v3 run', () =>
      h.status().lastAppliedSpec === revision && h.status().phase === 'Progressing' ? true : undefined,
    );
    const res = await request(`${h.session.info.api}/api/canaries/default/${NAME}/actions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ action: { type: 'abort' } }),
    });
    expect(res.statusCode).toBe(202);
    await res.body.dump();
    expect(await finalPhase(h, revision)).toBe('Failed');
    const events = await request(`${h.session.info.api}/api/canaries/default/${NAME}`);
    const detail = (await events.body.json()) as { events: { reason: string; by?: string }[] };
    // Recorded as the token's owner (the OS user who started the run), not as the token.
    expect(detail.events.some((e) => e.reason === 'ActionAccepted' && e.by === osUser())).toBe(true);
    expect(h.status().decisions?.some((d) => d.reason === `aborted by ${osUser()}`)).toBe(true);
  });

  it('serin apply sends a revision to the running instance; an invalid one changes nothing', async () => {
    await metricWindowPasses();
    const file = join(h.dir, 'v4.yaml');
    writeFileSync(file, yamlDocs(demoWorkload(NAME, 'v4')));
    const ok = await runCommand(
      [applyCommand],
      ['apply', '-f', file, '--state-dir', h.session.info.stateDir],
    );
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toMatch(/^applied: default\/api: new revision [0-9a-f]{16}$/m);
    expect(ok.code).toBe(0);
    const bad = join(h.dir, 'bad.yaml');
    const broken = demoWorkload(NAME, 'v5') as { spec: Record<string, unknown> };
    broken.spec.replicas = 0;
    writeFileSync(bad, yamlDocs(broken));
    const refused = await runCommand(
      [applyCommand],
      ['apply', '-f', bad, '--state-dir', h.session.info.stateDir],
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/spec\.replicas: expected 1 or more replicas/);
    const v4 = workloadRevision(WorkloadDocument.parse(demoWorkload(NAME, 'v4')));
    expect(await finalPhase(h, v4)).toBe('Succeeded');
    expect((await versionOf(`${h.router}/`)).version).toBe('v4');
  });
});
