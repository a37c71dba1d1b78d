import { Command, Option } from '@commander-js/extra-typings';
import { PHASES } from '../../api/phases.js';
import type { CommandModule } from '../program.js';
import { collect } from '../sources.js';
import { ROUTING_PROVIDER_IDS } from '../../routing/providers/ids.js';

const splitCommand = new Command('split')
  .description(
    'Print the DestinationRule and VirtualService of a manual traffic split between versions (no controller).',
  )
  .requiredOption('--service <name>', 'the Kubernetes Service (VirtualService host and destination)')
  .requiredOption(
    '--subset <name=weight>',
    'a version and its weight, e.g. v1=90 (repeatable; weights sum to 100)',
    collect,
    [],
  )
  .option(
    '--match <condition=subset>',
    'send matching requests to a subset, e.g. header:user-agent~.*Chrome.*=v2 (repeatable)',
    collect,
    [],
  )
  .option(
    '--gateway <name>',
    'bind to an Istio Gateway (repeatable; mesh is kept when the Service name is a host)',
    collect,
    [],
  )
  .option('--host <host>', 'VirtualService host (repeatable; default: the Service name)', collect, [])
  .option('--port <number>', 'destination port, needed when the Service has several ports')
  .option('--label <key>', 'pod label that tells the versions apart', 'version')
  .option('-n, --namespace <ns>', 'namespace of the objects')
  .option('-o, --output <format>', 'yaml or json', 'yaml')
  .action(async (opts, cmd) => {
    // Commander gives `-o` to `generate`, which declares it too, even when written after `split`.
    const parent = cmd.parent;
    const given = parent?.getOptionValueSource('output') === 'cli' ? parent.opts().output : undefined;
    const { split } = await import('../commands/generate.js');
    split(typeof given === 'string' ? { ...opts, output: given } : opts);
  });

export const generateCommand: CommandModule = (program) => {
  const generate = new Command('generate')
    .description(
      'Print the Services, primary Deployment, DestinationRules and VirtualService (or HTTPRoute) for a Canary, ready for GitOps.',
    )
    .option(
      '-f, --filename <path>',
      'file or directory with the Canary (and its target, MetricTemplates, a VirtualService to merge into)',
      collect,
      [],
    )
    .option('--target <path>', 'the target Deployment manifest (same as another -f)')
    .option('--name <canary>', 'which Canary, when the files hold several')
    .addOption(
      new Option(
        '--provider <provider>',
        "routing provider of a Canary without spec.provider (the controller's --provider); default istio",
      ).choices(ROUTING_PROVIDER_IDS),
    )
    .option('--weight <percent>', 'render the canary at this weight (Progressing)')
    .option('--phase <phase>', `render the objects as they are in this phase (${PHASES.join(', ')})`)
    .option('--mirror', 'render with traffic mirrored to the canary')
    .option('-o, --output <format>', 'yaml or json', 'yaml')
    .action(async (opts) => {
      const { generate } = await import('../commands/generate.js');
      generate(opts);
    });
  generate.addCommand(splitCommand);
  program.addCommand(generate);
};
