import { connect, listCanaries } from '../../kubernetes/cli-support.js';
import { tableHeaders, tableRow } from '../../kubernetes/status-view.js';
import { formatTable, parseOutputFormat, printStructured } from '../output.js';
import { UsageError } from '../program.js';

const KINDS = new Set(['canaries', 'canary', 'cd']);

export interface GetOptions {
  namespace?: string;
  allNamespaces?: boolean;
  output?: string;
  kubeconfig?: string;
  context?: string;
}

export async function get(kind: string, opts: GetOptions): Promise<void> {
  if (!KINDS.has(kind)) throw new UsageError(`get: expected "canaries", got "${kind}"`);
  const format = parseOutputFormat(opts.output, ['text', 'wide', 'json', 'yaml']);
  const { client, namespace } = connect(opts);
  const all = opts.allNamespaces === true;
  const canaries = await listCanaries(client, all ? undefined : namespace);
  if (format === 'json' || format === 'yaml') {
    printStructured({ apiVersion: 'v1', kind: 'List', items: canaries }, format);
    return;
  }
  if (canaries.length === 0) {
    process.stderr.write(all ? 'No canaries found.\n' : `No canaries found in ${namespace} namespace.\n`);
    return;
  }
  const wide = format === 'wide';
  process.stdout.write(
    formatTable(
      tableHeaders(all, wide),
      canaries.map((c) => tableRow(c, all, wide)),
    ),
  );
}
