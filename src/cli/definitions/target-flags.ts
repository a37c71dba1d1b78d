/** The flags every steering command shares (how they choose: src/cli/steer-target.ts). */
import type { Command, OptionValues } from '@commander-js/extra-typings';

export const DEFAULT_STATE_DIR = '.serin';

export const TARGET_HELP = {
  namespace: 'namespace of the canary (default: the kubeconfig context namespace; locally "default")',
  kubeconfig: 'kubeconfig file, for a cluster (default: $KUBECONFIG or ~/.kube/config)',
  context: 'kubeconfig context, for a cluster',
  local: 'steer the running `serin run` found through --state-dir, not a cluster',
  stateDir: `state directory of the running \`serin run\` (implies --local; default ${DEFAULT_STATE_DIR})`,
  api: 'API of the running `serin run` (implies --local; default: from <state-dir>/run.json)',
  tokenFile: 'with --local: file holding the API token (default: the one the running instance uses)',
} as const;

export const WHERE_HELP = `
Where: --local/--state-dir/--api steer a running \`serin run\`; --kubeconfig/--context a cluster.
With neither, a live run recorded in ./.serin/run.json is used, else the kubeconfig's current
context. An action that cannot apply now is refused at once with the reason (exit 1).`;

/**
 * Adds the flags that choose where a steering command goes (a cluster or a local run), so the
 * control commands and `status` offer the same choice under the same names and help.
 */
export function withTargetFlags<Args extends unknown[], Opts extends OptionValues>(
  command: Command<Args, Opts>,
) {
  return command
    .option('--kubeconfig <path>', TARGET_HELP.kubeconfig)
    .option('--context <name>', TARGET_HELP.context)
    .option('--local', TARGET_HELP.local)
    .option('--state-dir <dir>', TARGET_HELP.stateDir)
    .option('--api <url>', TARGET_HELP.api);
}
