import { Command, Option } from '@commander-js/extra-typings';
import type { CommandModule } from '../program.js';
import { collect } from '../sources.js';

export const routeCommand: CommandModule = (program) => {
  const route = new Command('route').description(
    'Inspect routing: which rule a request takes and where it goes.',
  );
  route
    .command('explain')
    .description(
      'Explain which VirtualService (or Gateway API HTTPRoute) rule matches a request and how traffic is split, mirrored and faulted.',
    )
    .requiredOption(
      '-f, --filename <path>',
      'manifest file or directory (repeatable, - for stdin)',
      collect,
      [],
    )
    .requiredOption(
      '--host <host>',
      'the request host (Host header / authority), e.g. reviews or app.example.com',
    )
    .option('--path <path>', 'request path with an optional query string', '/')
    .option('--method <method>', 'HTTP method, as sent (Istio compares methods case-sensitively)', 'GET')
    .option('--header <name=value>', 'request header (repeatable)', collect, [])
    .option('--cookie <name=value>', 'cookie sent with the request (repeatable)', collect, [])
    .option(
      '--gateway <namespace/name>',
      'gateway the request enters through (a bare name is in --namespace); mesh for sidecar traffic',
      'mesh',
    )
    .addOption(
      new Option('--scheme <scheme>', 'request scheme')
        .choices(['http', 'https'] as const)
        .default('http' as const),
    )
    .option('--port <port>', 'destination port (default: from --host, else 80/443)')
    .option(
      '--source-label <name=value>',
      'label of the calling workload, for sourceLabels matches (repeatable)',
      collect,
      [],
    )
    .option(
      '--source-namespace <ns>',
      'namespace of the calling workload, for sourceNamespace matches, exportTo and its short hosts',
    )
    .option('-n, --namespace <ns>', 'namespace of manifests that do not name one', 'default')
    .option('-o, --output <format>', 'json or yaml instead of text')
    .action(async (opts) => {
      const { explain } = await import('../commands/route.js');
      explain(opts);
    });
  program.addCommand(route);
};
