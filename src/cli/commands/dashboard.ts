import { readFileSync } from 'node:fs';
import type { KubeConfig } from '@kubernetes/client-node';
import type { DashboardBackend } from '../../dashboard/backend.js';
import { createDashboardServer } from '../../dashboard/server.js';
import { loadKubeConfig } from '../../kubernetes/client.js';
import { ExitCode, UsageError } from '../program.js';
import { parsePort, untilSignal } from './run.js';

/** The module that serves Canaries of a cluster to the dashboard. */
const KUBERNETES_BACKEND_MODULE = '../../kubernetes/dashboard-backend.js';

type BackendFactory = (kubeConfig: KubeConfig) => DashboardBackend | Promise<DashboardBackend>;

/** Loads the Kubernetes backend, or explains that this build has none. */
async function kubernetesBackendFactory(): Promise<BackendFactory> {
  let loaded: unknown;
  try {
    loaded = await import(KUBERNETES_BACKEND_MODULE);
  } catch {
    loaded = undefined;
  }
  const factory = (loaded as { createKubernetesDashboardBackend?: unknown } | undefined)
    ?.createKubernetesDashboardBackend;
  if (typeof factory !== 'function') {
    throw new Error(
      'this build of serin cannot serve the dashboard for a cluster yet (no Kubernetes dashboard backend); ' +
        'the dashboard is available in local mode through `serin run` and `serin demo`',
    );
  }
  return factory as BackendFactory;
}

/** Reads the token: one line, no surrounding whitespace; never echoed. */
export function readTokenFile(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new UsageError(`--token-file: cannot read ${path} (${code})`);
  }
  const token = text.trim();
  if (token === '') throw new UsageError(`--token-file: ${path} is empty`);
  if (/\s/.test(token)) throw new UsageError(`--token-file: ${path} must hold one token with no spaces`);
  return token;
}

export interface DashboardOptions {
  port: string;
  host: string;
  tokenFile?: string;
  tokenName?: string;
  kubeconfig?: string;
  context?: string;
  allowedHost: string[];
}

export async function dashboard(opts: DashboardOptions): Promise<void> {
  const port = parsePort('--port', opts.port, 8090);
  const token = opts.tokenFile === undefined ? undefined : readTokenFile(opts.tokenFile);
  if (opts.tokenName !== undefined && token === undefined)
    throw new UsageError('--token-name: only meaningful with --token-file');
  const factory = await kubernetesBackendFactory();
  const backend = await factory(loadKubeConfig({ kubeconfig: opts.kubeconfig, context: opts.context }));
  const server = await createDashboardServer({
    backend,
    port,
    host: opts.host,
    allowedHosts: opts.allowedHost,
    ...(token === undefined ? {} : { token }),
    ...(opts.tokenName === undefined ? {} : { tokenName: opts.tokenName }),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(
    `serin dashboard: ${server.url}/ (${server.readOnly ? 'read-only' : 'actions need the token'})\n`,
  );
  await untilSignal();
  await server.close();
  process.exitCode = ExitCode.ok;
}
