/** The flags that bound load tasks, shared by `serin gates` and `serin controller`. */
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { parseDuration } from '../api/duration.js';
import { DEFAULT_LOAD_LIMITS, type LoadLimits } from '../analysis/loadgen/limits.js';
import { UsageError } from './program.js';
import { collect } from './sources.js';

export interface LoadLimitFlags {
  loadgenMaxConcurrency?: string;
  loadgenMaxRate?: string;
  loadgenMaxDuration?: string;
  loadgenMaxTasks?: string;
  loadgenAllowTarget?: string[];
}

/** Adds the flags; their values are read back with {@link loadLimitsFrom}. */
export function addLoadLimitOptions(command: CommandUnknownOpts): void {
  const d = DEFAULT_LOAD_LIMITS;
  command
    .option(
      '--loadgen-max-concurrency <n>',
      `most workers per load task, hey -c (default ${d.maxConcurrency})`,
    )
    .option(
      '--loadgen-max-rate <n>',
      `most requests per second per load task, -c × -q; a task without -q is paced at this rate (default ${d.maxRate})`,
    )
    .option('--loadgen-max-duration <duration>', 'longest load task, hey -z (default 1h)')
    .option('--loadgen-max-tasks <n>', `most load tasks running at once (default ${d.maxTasks})`)
    .option(
      '--loadgen-allow-target <host[:port]>',
      'a host load tasks may target without the token, besides loopback and Services in the Canary namespace; * is one DNS label (repeatable)',
      collect,
      [] as string[],
    );
}

function positive(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new UsageError(`${flag}: expected a whole number of 1 or more, got "${value}"`);
  return Number(value);
}

export function loadLimitsFrom(flags: LoadLimitFlags): Partial<LoadLimits> {
  const limits: Partial<LoadLimits> = {};
  const concurrency = positive('--loadgen-max-concurrency', flags.loadgenMaxConcurrency);
  const rate = positive('--loadgen-max-rate', flags.loadgenMaxRate);
  const tasks = positive('--loadgen-max-tasks', flags.loadgenMaxTasks);
  if (concurrency !== undefined) limits.maxConcurrency = concurrency;
  if (rate !== undefined) limits.maxRate = rate;
  if (tasks !== undefined) limits.maxTasks = tasks;
  if (flags.loadgenMaxDuration !== undefined) {
    try {
      limits.maxDurationMs = parseDuration(flags.loadgenMaxDuration);
    } catch {
      throw new UsageError(
        `--loadgen-max-duration: expected a duration such as 10m or 1h, got "${flags.loadgenMaxDuration}"`,
      );
    }
  }
  const extra = flags.loadgenAllowTarget ?? [];
  if (extra.length > 0) limits.allowTargets = [...DEFAULT_LOAD_LIMITS.allowTargets, ...extra];
  return limits;
}
