import { Option } from '@commander-js/extra-typings';
import { UsageError, type CommandModule } from '../program.js';

/** `keep`: leave canaries.flagger.app to Flagger (stock CRD, Serin's state in companions); `superset`: install Serin's. */
export const FLAGGER_CRD_MODES = ['keep', 'superset'] as const;
export type FlaggerCrdMode = (typeof FLAGGER_CRD_MODES)[number];

export const installCommand: CommandModule = (program) => {
  program
    .command('install')
    .description('Print the manifests that install Serin on a cluster (pipe to kubectl apply -f -)')
    .option('--render', 'print the manifests: CRDs, RBAC, the controller Deployment')
    .addOption(
      new Option('--scope <scope>', 'cluster-wide, or one namespace with a Role')
        .choices(['cluster', 'namespace'] as const)
        .default('cluster' as const),
    )
    .addOption(
      new Option(
        '--flagger-crd <mode>',
        "keep: leave Flagger's canaries.flagger.app CRD as it is (Flagger still installed or not); superset: install Serin's superset of it (only once Flagger is gone)",
      )
        .choices(FLAGGER_CRD_MODES)
        .default('keep' as const),
    )
    .option('--watch-namespace <ns>', 'with --scope namespace: the namespace the controller watches')
    .option('--namespace <ns>', 'namespace the controller runs in', 'serin-system')
    .option('--image <ref>', 'controller image')
    .action(async (opts) => {
      if (opts.render !== true)
        throw new UsageError('install: pass --render and pipe the output to `kubectl apply -f -`');
      if (opts.scope === 'namespace' && opts.watchNamespace === undefined) {
        throw new UsageError(
          '--scope namespace: expected --watch-namespace <ns>, the namespace the controller watches',
        );
      }
      const { renderInstall } = await import('../commands/install.js');
      process.stdout.write(
        renderInstall({
          scope: opts.scope,
          flaggerCrd: opts.flaggerCrd,
          watchNamespace: opts.watchNamespace,
          namespace: opts.namespace,
          image: opts.image,
        }),
      );
    });
};
