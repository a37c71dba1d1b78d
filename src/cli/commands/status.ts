import { parseDuration } from '../../api/common.js';
import { renderStatus } from '../../kubernetes/status-view.js';
import { parseOutputFormat, printStructured } from '../output.js';
import { ExitCode, UsageError } from '../program.js';
import { waitOutcome, type WaitOutcome } from '../rollout-wait.js';
import { clusterSource, localSource, type StatusReading, type StatusSource } from '../status-sources.js';
import { chooseTarget, type TargetFlags } from '../steer-target.js';

const POLL_MS = 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function parseTimeout(text: string): number {
  try {
    return parseDuration(text);
  } catch {
    throw new UsageError(`--timeout: expected a duration such as 30s or 10m, got "${text}"`);
  }
}

/** The same choice as every steering command (src/cli/steer-target.ts). */
function sourceFor(name: string, opts: TargetFlags): StatusSource {
  const target = chooseTarget(opts);
  if (target.platform === 'cluster') return clusterSource(name, target.flags);
  return localSource(name, target.namespace, target.api);
}

export interface StatusOptions extends TargetFlags {
  watch?: boolean;
  wait?: boolean;
  timeout: string;
  output?: string;
}

/** `serin status`: one snapshot, --watch, or --wait, from the Serin chooseTarget picks. */
export async function status(name: string, opts: StatusOptions): Promise<void> {
  const format = parseOutputFormat(opts.output, ['text', 'json', 'yaml']);
  const timeoutMs = parseTimeout(opts.timeout);
  const source = sourceFor(name, opts);
  const read = async () => (await source.read()).canary;
  if (format === 'json' || format === 'yaml') {
    printStructured((await read()).status ?? {}, format);
    return;
  }
  const tty = process.stdout.isTTY;
  if (opts.wait === true) {
    process.exitCode = await waitForRevision(source, timeoutMs, opts.watch === true && tty);
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
}

/** The revision being waited for must stay the target's: a newer one means this one has no outcome. */
function superseded(first: StatusReading, now: StatusReading): string | undefined {
  const before = first.revision;
  const after = now.revision;
  if (before === undefined || after === undefined) return undefined;
  if (before.specHash === after.specHash && JSON.stringify(before.configs) === JSON.stringify(after.configs))
    return undefined;
  return `revision ${before.specHash.slice(0, 12)} was replaced by ${after.specHash.slice(0, 12)} before its outcome`;
}

/**
 * Polls until the outcome of the revision the target runs when the command starts: 0 promoted,
 * 1 rolled back (or replaced by a newer revision first), 3 when the timeout passes first. Prints
 * a progress line whenever the answer changes.
 */
async function waitForRevision(source: StatusSource, timeoutMs: number, live: boolean): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  const first = await source.read();
  if (first.revision === undefined) {
    process.stderr.write(
      `cannot read the target of canary ${source.describe}: ${first.revisionError ?? 'unknown'}\n`,
    );
    return ExitCode.failure;
  }
  const revision = first.revision;
  let reading = first;
  let last = '';
  for (;;) {
    const replaced = superseded(first, reading);
    const outcome: WaitOutcome = replaced
      ? { state: 'failed', reason: replaced }
      : waitOutcome(reading.canary.status, revision);
    if (live) process.stdout.write(`\x1b[2J\x1b[H${renderStatus(reading.canary, new Date())}`);
    else if (outcome.reason !== last)
      process.stdout.write(`${new Date().toISOString()} ${source.describe}: ${outcome.reason}\n`);
    last = outcome.reason;
    if (outcome.state === 'succeeded') return ExitCode.ok;
    if (outcome.state === 'failed') {
      process.stderr.write(`canary ${source.describe} failed: ${outcome.reason}\n`);
      return ExitCode.failure;
    }
    if (Date.now() >= deadline) {
      process.stderr.write(
        `timed out after ${timeoutMs / 1000}s waiting for canary ${source.describe}: ${outcome.reason}\n`,
      );
      return ExitCode.timeout;
    }
    await sleep(Math.min(POLL_MS, Math.max(0, deadline - Date.now())));
    reading = await source.read();
  }
}
