import { readFileSync } from 'node:fs';
import { Option } from '@commander-js/extra-typings';
import pino from 'pino';
import { SECRET_KEYS } from '../../analysis/redact.js';
import { parseDuration } from '../../api/common.js';
import { loadKubeConfig } from '../../kubernetes/client.js';
import { ControllerRuntime } from '../../kubernetes/runtime.js';
import { splitAddress } from '../../kubernetes/server.js';
import { addLoadLimitOptions, loadLimitsFrom, type LoadLimitFlags } from '../load-limits.js';
import { UsageError, type CommandModule } from '../program.js';
import { collect } from '../sources.js';

const ALLOWED_HOST_HELP =
  'a Host name the endpoints answer besides addresses, loopback, single-label and <service>.<namespace> names (repeatable)';

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;

function env(name: string): string | undefined {
  const v = process.env[name];
  return v === undefined || v === '' ? undefined : v;
}

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

export const controllerCommand: CommandModule = (program) => {
  const command = program
    .command('controller')
    .description('Run the Kubernetes controller: watch Canaries and drive their rollouts')
    .option(
      '-n, --namespace <ns>',
      'watch one namespace only (env SERIN_NAMESPACE; default: all)',
      env('SERIN_NAMESPACE'),
    )
    .option(
      '--metrics-addr <addr>',
      'serve /metrics, /healthz, /readyz on this address',
      env('SERIN_METRICS_ADDR') ?? ':8080',
    )
    .option(
      '--gates-addr <addr>',
      'serve the gate API (confirm-* and rollback gates, load tasks) on this address (env SERIN_GATES_ADDR)',
      env('SERIN_GATES_ADDR') ?? ':8081',
    )
    .option(
      '--gates-token-file <path>',
      'a file with the bearer token that opens and closes gates over HTTP (env SERIN_GATES_TOKEN_FILE)',
      env('SERIN_GATES_TOKEN_FILE'),
    )
    .addOption(
      new Option(
        '--provider <name>',
        'routing provider for Canaries without spec.provider (env SERIN_PROVIDER)',
      )
        .choices(['istio', 'gateway-api'] as const)
        .default((env('SERIN_PROVIDER') ?? 'istio') as 'istio' | 'gateway-api'),
    )
    .option(
      '--metrics-server <url>',
      'Prometheus URL for built-in metrics (env SERIN_METRICS_SERVER)',
      env('SERIN_METRICS_SERVER') ?? 'http://prometheus:9090',
    )
    .addOption(
      new Option('--log-level <level>', 'log level (env SERIN_LOG_LEVEL)')
        .choices(LOG_LEVELS)
        .default((env('SERIN_LOG_LEVEL') ?? 'info') as 'info'),
    )
    .option(
      '--leader-elect',
      'run several replicas; one leads through a coordination.k8s.io Lease',
      env('SERIN_LEADER_ELECT') === 'true',
    )
    .option(
      '--leader-elect-namespace <ns>',
      'namespace of the Lease (default: --namespace, else serin-system)',
      env('POD_NAMESPACE'),
    )
    .option('--leader-elect-lease-duration <duration>', 'how long a lease lasts without renewal', '15s')
    .option(
      '--leader-elect-renew-deadline <duration>',
      'a leader that cannot renew for this long stops',
      '10s',
    )
    .option('--leader-elect-retry-period <duration>', 'how often to try to acquire or renew', '2s')
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config, then in-cluster)')
    .option('--context <name>', 'kubeconfig context')
    .option('--allowed-host <name>', ALLOWED_HOST_HELP, collect, [] as string[]);
  addLoadLimitOptions(command);
  command.action(async (opts) => {
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
  });
};
