/**
 * docs/quickstart-kubernetes.md, as a user follows it: the manifests it shows are the files in
 * examples/quickstart/kubernetes/; applied with the real kubectl to the test API server (or the
 * cluster KUBECONFIG names), they reconcile through the real controller, and the page's commands
 * answer as it says: a new image promoted (`serin status --wait` exits 0), a faulty one rolled
 * back on its success rate (exits 1).
 *
 * No mesh runs here, so a small exporter plays the sidecars' telemetry: `istio_requests_total`
 * and `istio_request_duration_milliseconds` with Istio's labels, scraped by a real Prometheus that
 * the controller queries with its built-in checks, unchanged. The faulty version's errors stand
 * for the `/status/500` requests the page sends to the canary.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Counter, Histogram, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusCommand } from '../../src/cli/definitions/status.js';
import { validateCommand } from '../../src/cli/definitions/validate.js';
import { ExitCode } from '../../src/cli/program.js';
import { KubeClient } from '../../src/kubernetes/client.js';
import { Resources } from '../../src/kubernetes/resources.js';
import type { ControllerRuntime } from '../../src/kubernetes/runtime.js';
import { kubectl } from '../apiserver/testing.js';
import { startController, useCluster, waitFor, waitForPhase, type Cluster } from '../kubernetes/support.js';
import { runCommand } from '../support/in-process-cli.js';
import { startPrometheus, type RunningPrometheus } from '../support/prometheus-remote.js';
import { includedBlocks, ROOT } from './includes.js';

const PAGE = 'docs/quickstart-kubernetes.md';
const DIR = join(ROOT, 'examples', 'quickstart', 'kubernetes');
const NS = 'test';

describe('the Kubernetes quick start page', () => {
  it('shows every file of examples/quickstart/kubernetes exactly', () => {
    const blocks = includedBlocks(PAGE);
    for (const { path, shown } of blocks) expect(shown, path).toBe(readFileSync(join(ROOT, path), 'utf8'));
    expect(blocks.map((b) => b.path).sort()).toEqual(
      readdirSync(DIR)
        .map((f) => `examples/quickstart/kubernetes/${f}`)
        .sort(),
    );
  });
});

/** The sidecars' view of podinfo's traffic, in Istio's metric names and labels. */
function meshTelemetry() {
  const registry = new Registry();
  const labelNames = ['reporter', 'destination_workload', 'destination_workload_namespace'] as const;
  const requests = new Counter({
    name: 'istio_requests_total',
    help: 'requests',
    labelNames: [...labelNames, 'response_code'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'istio_request_duration_milliseconds',
    help: 'request duration',
    labelNames,
    buckets: [5, 10, 25, 50, 100, 250, 500, 1000],
    registers: [registry],
  });
  const state = { canaryErrorShare: 0 };
  let served = 0;
  const serve = (workload: string, errorShare: number) => {
    const labels = {
      reporter: 'destination',
      destination_workload: workload,
      destination_workload_namespace: NS,
    };
    for (let i = 0; i < 10; i++) {
      served++;
      const failed = errorShare > 0 && served % Math.round(1 / errorShare) === 0;
      requests.inc({ ...labels, response_code: failed ? '500' : '200' });
      duration.observe(labels, 20);
    }
  };
  const timer = setInterval(() => {
    serve('podinfo-primary', 0);
    serve('podinfo', state.canaryErrorShare);
  }, 200);
  const server = http.createServer((_req, res) => {
    void registry.metrics().then((text) => {
      res.writeHead(200, { 'Content-Type': registry.contentType });
      res.end(text);
    });
  });
  return {
    state,
    async listen(): Promise<string> {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    close() {
      clearInterval(timer);
      server.close();
    },
  };
}

describe('the Kubernetes quick start, command by command', { timeout: 420_000 }, () => {
  let cluster: Cluster;
  let client: KubeClient;
  let controller: ControllerRuntime;
  let prometheus: RunningPrometheus;
  const mesh = meshTelemetry();

  const run = async (...args: string[]) => {
    const r = await kubectl(cluster.kubeconfigPath, args, '');
    expect(r.code, `kubectl ${args.join(' ')}: ${r.stderr}`).toBe(0);
    return r.stdout;
  };
  const serin = (...args: string[]) =>
    runCommand([statusCommand, validateCommand], [...args, '--kubeconfig', cluster.kubeconfigPath]);

  beforeAll(async () => {
    prometheus = await startPrometheus({ scrapeTargets: [await mesh.listen()], scrapeIntervalSeconds: 1 });
    cluster = await useCluster();
    client = new KubeClient(cluster.kubeConfig);
    // The controller `serin install` deploys, with its default --metrics-server pointed here.
    controller = await startController(cluster, { namespace: NS, metricsServer: prometheus.url });
  }, 120_000);

  afterAll(async () => {
    await controller.stop();
    await run('delete', 'namespace', NS, '--wait=false');
    await cluster.stop();
    await prometheus.stop();
    mesh.close();
  });

  it('applies podinfo, the load client and the Canary; the Canary initializes', async () => {
    await run('apply', '-f', join(DIR, 'podinfo.yaml'), '-f', join(DIR, 'load.yaml'));
    const valid = await runCommand([validateCommand], ['validate', '-f', join(DIR, 'canary.yaml')]);
    expect(valid.code, valid.stdout).toBe(0);
    await run('apply', '-f', join(DIR, 'canary.yaml'));
    await waitForPhase(client, NS, 'podinfo', 'Initialized', 150_000);
    const status = await serin('status', 'podinfo', '-n', NS);
    expect(status.stdout).toContain('Initialized');
    for (const name of ['podinfo', 'podinfo-primary', 'podinfo-canary'])
      expect(await client.get(Resources.service, NS, name), name).toBeDefined();
    expect(await client.get(Resources.virtualService, NS, 'podinfo')).toBeDefined();
    // The checks judge data, not its absence: both sides' series are in Prometheus before a run.
    await waitFor(
      "Prometheus has both sides' requests",
      async () => {
        const res = await fetch(`${prometheus.url}/api/v1/query?query=count(istio_requests_total)`);
        const body = (await res.json()) as { data: { result: { value: [number, string] }[] } };
        return Number(body.data.result[0]?.value[1] ?? 0) >= 2;
      },
      60_000,
    );
  });

  it('promotes a new image: serin status --wait exits 0 and the primary runs it', async () => {
    await run('-n', NS, 'set', 'image', 'deployment/podinfo', 'podinfod=ghcr.io/stefanprodan/podinfo:6.7.1');
    const wait = await serin('status', 'podinfo', '-n', NS, '--wait', '--timeout', '5m');
    expect(wait.code, wait.stdout + wait.stderr).toBe(ExitCode.ok);
    const primary = await client.get(Resources.deployment, NS, 'podinfo-primary');
    expect(JSON.stringify(primary?.spec)).toContain('podinfo:6.7.1');
  });

  it('rolls a faulty image back on its success rate: serin status --wait exits 1 with the reason', async () => {
    mesh.state.canaryErrorShare = 1 / 3;
    await run('-n', NS, 'set', 'image', 'deployment/podinfo', 'podinfod=ghcr.io/stefanprodan/podinfo:6.8.0');
    const wait = await serin('status', 'podinfo', '-n', NS, '--wait', '--timeout', '5m');
    expect(wait.code, wait.stdout + wait.stderr).toBe(ExitCode.failure);
    expect(wait.stderr).toMatch(/rolled back: .*request-success-rate/);
    const primary = await client.get(Resources.deployment, NS, 'podinfo-primary');
    expect(JSON.stringify(primary?.spec)).toContain('podinfo:6.7.1');
  });
});
