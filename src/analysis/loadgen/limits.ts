/**
 * Bounds on the load one unauthenticated webhook may start. The load tester's task endpoint takes
 * no token (Flagger's webhooks cannot send one), so without bounds a single `POST /` asking for
 * `hey -c 200000` stalls the process that serves it. A command over a bound is refused with a
 * message naming the flag and the limit; it is never clamped in silence.
 */
import { formatDuration } from '../../api/duration.js';
import type { LoadOptions } from './hey.js';

export interface LoadLimits {
  /** Most workers one task may use (hey -c). */
  maxConcurrency: number;
  /**
   * Most requests per second one task may send (-c × -q). A task without -q, which hey would run
   * as fast as it can, is paced at this rate.
   */
  maxRate: number;
  /** Longest a task may run (hey -z); a task without -z stops after this long too. */
  maxDurationMs: number;
  /** Most tasks running at once in one process. */
  maxTasks: number;
  /**
   * Hosts a task may load without the token, as `host` or `host:port` patterns where `*` stands
   * for one DNS label and `$namespace` for the Canary's namespace.
   */
  allowTargets: readonly string[];
}

/** Loopback, and Services by short name or in the Canary's own namespace, as Flagger's examples use. */
export const DEFAULT_ALLOWED_TARGETS: readonly string[] = [
  'localhost',
  '127.0.0.1',
  '[::1]',
  '*',
  '*.$namespace',
  '*.$namespace.svc',
  '*.$namespace.svc.cluster.local',
];

export const DEFAULT_LOAD_LIMITS: LoadLimits = {
  maxConcurrency: 100,
  maxRate: 1000,
  maxDurationMs: 3_600_000,
  maxTasks: 4,
  allowTargets: DEFAULT_ALLOWED_TARGETS,
};

/** A task refused by a bound: `status` is the HTTP answer (400 bad command, 403 target, 429 busy). */
export class LoadRefused extends Error {
  constructor(
    readonly status: 400 | 403 | 429,
    message: string,
  ) {
    super(message);
  }
}

function patternMatches(pattern: string, host: string, port: string, namespace: string): boolean {
  const withNamespace = pattern.toLowerCase().split('$namespace').join(namespace.toLowerCase());
  const portAt = withNamespace.startsWith('[')
    ? withNamespace.indexOf(']:') + 1
    : withNamespace.lastIndexOf(':');
  const hostPattern = portAt > 0 ? withNamespace.slice(0, portAt) : withNamespace;
  const portPattern = portAt > 0 ? withNamespace.slice(portAt + 1) : undefined;
  if (portPattern !== undefined && portPattern !== port) return false;
  const want = hostPattern.split('.');
  const got = host.split('.');
  return want.length === got.length && want.every((label, i) => label === '*' || label === got[i]);
}

/** Whether `url` may be loaded without the token for a Canary in `namespace`. */
export function targetAllowed(url: URL, namespace: string, allow: readonly string[]): boolean {
  const host = url.hostname.toLowerCase();
  const port = url.port !== '' ? url.port : url.protocol === 'https:' ? '443' : '80';
  return allow.some((pattern) => patternMatches(pattern, host, port, namespace));
}

/**
 * Checks a parsed command against the limits and returns what to run: the duration bounded by
 * `maxDurationMs`, and an unpaced task paced at `maxRate`.
 */
export function boundLoad(
  options: LoadOptions,
  limits: LoadLimits,
  target: { namespace: string; authorised: boolean },
): LoadOptions {
  if (options.concurrency > limits.maxConcurrency)
    throw new LoadRefused(
      400,
      `-c ${options.concurrency}: more workers than the limit of ${limits.maxConcurrency} (--loadgen-max-concurrency)`,
    );
  if (options.ratePerWorker !== undefined && options.ratePerWorker * options.concurrency > limits.maxRate)
    throw new LoadRefused(
      400,
      `-c ${options.concurrency} -q ${options.ratePerWorker}: ${options.ratePerWorker * options.concurrency} requests per second, more than the limit of ${limits.maxRate} (--loadgen-max-rate)`,
    );
  if (options.durationMs !== undefined && options.durationMs > limits.maxDurationMs)
    throw new LoadRefused(
      400,
      `-z ${formatDuration(options.durationMs)}: longer than the limit of ${formatDuration(limits.maxDurationMs)} (--loadgen-max-duration)`,
    );
  const url = new URL(options.url);
  if (!target.authorised && !targetAllowed(url, target.namespace, limits.allowTargets))
    throw new LoadRefused(
      403,
      `${url.host}: not an allowed load target for namespace ${target.namespace} (allowed without the token: ${limits.allowTargets.join(', ')}; add one with --loadgen-allow-target)`,
    );
  return {
    ...options,
    durationMs: Math.min(options.durationMs ?? limits.maxDurationMs, limits.maxDurationMs),
    ratePerWorker: options.ratePerWorker ?? limits.maxRate / options.concurrency,
  };
}
