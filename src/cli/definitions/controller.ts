import { Option, type Command } from '@commander-js/extra-typings';
import { addLoadLimitOptions } from '../load-limits.js';
import type { CommandModule } from '../program.js';
import { collect } from '../sources.js';
import { ROUTING_PROVIDER_IDS, type RoutingProviderId } from '../../routing/providers/ids.js';

const ALLOWED_HOST_HELP =
  'a Host name the endpoints answer besides addresses, loopback, single-label and <service>.<namespace> names (repeatable)';

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;

/** An environment variable, with an empty value read as unset (as a Deployment's `env` often has). */
export function env(name: string): string | undefined {
  const v = process.env[name];
  return v === undefined || v === '' ? undefined : v;
}

function define(program: Command) {
  return program
    .command('controller')
    .description('Run the Kubernetes controller: watch Canaries and drive their rollouts')
    .option(
      '-n, --namespace <ns>',
      'watch one namespace only (env SERIN_NAMESPACE; default: all)',
      env('SERIN_NAMESPACE'),
    )
    .option(
      '--namespaced-rbac',
      'with --namespace: the controller runs with a Role (serin install --scope namespace), so providers writing cluster-scoped kinds (kuma) are refused (env SERIN_NAMESPACED_RBAC=true)',
      env('SERIN_NAMESPACED_RBAC') === 'true',
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
        .choices(ROUTING_PROVIDER_IDS)
        .default((env('SERIN_PROVIDER') ?? 'istio') as RoutingProviderId),
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
}

/** The parsed flags, as commander types them (the load-limit flags are added untyped). */
export type ControllerOptions = ReturnType<ReturnType<typeof define>['opts']>;

export const controllerCommand: CommandModule = (program) => {
  const command = define(program);
  addLoadLimitOptions(command);
  command.action(async (opts) => {
    const { runController } = await import('../commands/controller.js');
    await runController(opts);
  });
};
