import { parseDuration } from '../../api/common.js';
import { connect, findCanary, type CanaryObject } from '../../kubernetes/cli-support.js';
import { renderStatus } from '../../kubernetes/status-view.js';
import { parseOutputFormat, printStructured } from '../output.js';
import { ExitCode, UsageError, type CommandModule } from '../program.js';

const POLL_MS = 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function phaseOf(c: CanaryObject): string | undefined {
  return (c.status as { phase?: string } | undefined)?.phase;
}

function parseTimeout(text: string): number {
  try {
    return parseDuration(text);
  } catch {
    throw new UsageError(`--timeout: expected a duration such as 30s or 10m, got "${text}"`);
  }
}

export const statusCommand: CommandModule = (program) => {
  program
    .command('status')
    .description("Show a canary's progress; --watch follows it, --wait exits 0 on Succeeded and 1 on Failed")
    .argument('<name>', 'canary name')
    .option('-n, --namespace <ns>', 'namespace (default: the kubeconfig context namespace)')
    .option('-w, --watch', 'keep showing the progress until interrupted')
    .option('--wait', 'wait for the rollout to finish: exit 0 on Succeeded, 1 on Failed or timeout')
    .option('--timeout <duration>', 'with --wait: give up after this long', '30m')
    .option('-o, --output <format>', 'json or yaml (one snapshot)')
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG or ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context')
    .action(async (name, opts) => {
      const format = parseOutputFormat(opts.output, ['text', 'json', 'yaml']);
      const timeoutMs = parseTimeout(opts.timeout);
      const { client, namespace } = connect(opts);
      const read = async () => (await findCanary(client, namespace, name)).canary;
      if (format === 'json' || format === 'yaml') {
        printStructured((await read()).status ?? {}, format);
        return;
      }
      const tty = process.stdout.isTTY;
      if (opts.wait === true) {
        process.exitCode = await waitForOutcome(read, timeoutMs, opts.watch === true && tty);
        return;
      }
      if (opts.watch !== true) {
        process.stdout.write(renderStatus(await read(), new Date()));
        return;
      }
      let last = '';
      for (;;) {
        const view = renderStatus(await read(), new Date());
        if (view !== last) process.stdout.write(tty ? `\x1b[2J\x1b[H${view}` : `${view}\n`);
        last = view;
        await sleep(POLL_MS);
      }
    });
};

/** Polls until Succeeded (0) or Failed (1); a timeout is 1 with a message saying where it stood. */
async function waitForOutcome(
  read: () => Promise<CanaryObject>,
  timeoutMs: number,
  live: boolean,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let lastPhase: string | undefined;
  for (;;) {
    const canary = await read();
    const phase = phaseOf(canary);
    if (live) process.stdout.write(`\x1b[2J\x1b[H${renderStatus(canary, new Date())}`);
    else if (phase !== lastPhase)
      process.stdout.write(`${new Date().toISOString()} ${canary.metadata.name}: ${phase ?? 'Pending'}\n`);
    lastPhase = phase;
    if (phase === 'Succeeded') return ExitCode.ok;
    if (phase === 'Failed') {
      process.stderr.write(`canary ${canary.metadata.name} failed\n`);
      return ExitCode.failure;
    }
    if (Date.now() >= deadline) {
      process.stderr.write(
        `timed out after ${timeoutMs / 1000}s waiting for canary ${canary.metadata.name} (phase ${phase ?? 'Pending'})\n`,
      );
      return ExitCode.failure;
    }
    await sleep(POLL_MS);
  }
}
