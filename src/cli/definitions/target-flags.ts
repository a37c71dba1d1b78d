/** Help text of the flags every steering command shares (how they choose: src/cli/steer-target.ts). */
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
