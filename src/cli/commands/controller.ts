import { readFileSync } from 'node:fs';
import pino from 'pino';
import { SECRET_KEYS } from '../../analysis/redact.js';
import { parseDuration } from '../../api/common.js';
import { loadKubeConfig } from '../../kubernetes/client.js';
import { namespacedRbacProblem } from '../../kubernetes/rbac-scope.js';
import { ControllerRuntime } from '../../kubernetes/runtime.js';
import { splitAddress } from '../../kubernetes/server.js';
import { loadLimitsFrom, type LoadLimitFlags } from '../load-limits.js';
import { UsageError } from '../program.js';
import { env, type ControllerOptions } from '../definitions/controller.js';

function durationFlag(flag: string, value: string): number {
  try {
    return parseDuration(value);
  } catch {
    throw new UsageError(`${flag}: expected a duration such as 15s, got "${value}"`);
  }
}

function readTokenFile(path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  let token: string;
  try {
    token = readFileSync(path, 'utf8').trim();
  } catch (error) {
    throw new UsageError(`--gates-token-file: cannot read ${path}: ${(error as Error).message}`);
  }
  if (token === '') throw new UsageError(`--gates-token-file: ${path} is empty`);
  return token;
}

/** A Role grants one namespace's kinds: it needs --namespace, and a default provider it can grant. */
function checkNamespacedRbac(opts: ControllerOptions): void {
  if (!opts.namespacedRbac) return;
  if (!opts.namespace)
    throw new UsageError(
      '--namespaced-rbac: expected --namespace <ns>, the namespace the Role is granted in',
    );
  const problem = namespacedRbacProblem(opts.provider, '--provider');
  if (problem) throw new UsageError(`${problem.path}: ${problem.message}`);
}

export async function runController(opts: ControllerOptions): Promise<void> {
  checkNamespacedRbac(opts);
  try {
    splitAddress(opts.metricsAddr);
    splitAddress(opts.gatesAddr);
  } catch (error) {
    throw new UsageError((error as Error).message.replace('--metrics-addr', 'address'));
  }
  const gatesToken = readTokenFile(opts.gatesTokenFile);
  let url: URL;
  try {
    url = new URL(opts.metricsServer);
  } catch {
    throw new UsageError(
      `--metrics-server: expected a URL such as http://prometheus:9090, got "${opts.metricsServer}"`,
    );
  }
  const logger = pino({
    name: 'serin-controller',
    level: opts.logLevel,
    redact: SECRET_KEYS.map((key) => `*.${key}`),
  });
  const runtime = new ControllerRuntime({
    kubeConfig: loadKubeConfig({ kubeconfig: opts.kubeconfig, context: opts.context }),
    namespace: opts.namespace,
    namespacedRbac: opts.namespacedRbac,
    provider: opts.provider,
    metricsServer: url.toString().replace(/\/$/, ''),
    metricsAddr: opts.metricsAddr,
    gatesAddr: opts.gatesAddr,
    gatesToken,
    loadLimits: loadLimitsFrom(opts as LoadLimitFlags),
    allowedHosts: opts.allowedHost,
    podNamespace: env('POD_NAMESPACE'),
    logger,
    leaderElect: opts.leaderElect,
    leaseDurationMs: durationFlag('--leader-elect-lease-duration', opts.leaderElectLeaseDuration),
    renewDeadlineMs: durationFlag('--leader-elect-renew-deadline', opts.leaderElectRenewDeadline),
    retryPeriodMs: durationFlag('--leader-elect-retry-period', opts.leaderElectRetryPeriod),
    leaseNamespace: opts.leaderElectNamespace,
  });
  await runtime.start();
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      logger.info({ signal }, 'shutting down');
      void runtime.stop().then(resolve);
    };
    process.once('SIGTERM', () => {
      shutdown('SIGTERM');
    });
    process.once('SIGINT', () => {
      shutdown('SIGINT');
    });
  });
}
