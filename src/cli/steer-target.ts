/**
 * Which Serin a steering command (`status`, `promote`, `abort`, `pause`, `resume`, `set-weight`,
 * `retry`) talks to: a running `serin run` / `serin demo` on this machine, or a cluster.
 *
 * The choice, in order:
 * 1. `--local`, `--state-dir` or `--api` choose the local instance; `--kubeconfig` or `--context`
 *    choose the cluster; both kinds at once is a usage error.
 * 2. Without any of them, a live `serin run` recorded in `./.serin/run.json` (its process still
 *    running) is chosen: working in the directory of a local run is the stronger signal. When a
 *    kubeconfig exists too, a note on stderr says so and how to pick the cluster instead.
 * 3. Otherwise the cluster of the current kubeconfig context, as kubectl would choose it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ConnectionFlags } from '../kubernetes/cli-support.js';
import { RUN_FILE, type SessionInfo } from '../local/session.js';
import { UsageError } from './program.js';
import { parseUrl } from './url-flag.js';
import { DEFAULT_STATE_DIR } from './definitions/target-flags.js';

export { DEFAULT_STATE_DIR };

export interface TargetFlags extends ConnectionFlags {
  local?: boolean | undefined;
  stateDir?: string | undefined;
  api?: string | undefined;
  tokenFile?: string | undefined;
}

export interface LocalTarget {
  platform: 'local';
  api: string;
  /** The token file the instance uses (from run.json), unless --token-file names another. */
  tokenFile: string | undefined;
  namespace: string;
}

export interface ClusterTarget {
  platform: 'cluster';
  flags: ConnectionFlags;
}

export type SteerTarget = LocalTarget | ClusterTarget;

function runFileOf(stateDir: string): string {
  return join(stateDir, RUN_FILE);
}

/** The run.json a running `serin run` wrote, or a usage error saying what to do without one. */
export function readRunFile(stateDir: string): SessionInfo {
  const file = runFileOf(stateDir);
  if (!existsSync(file))
    throw new UsageError(
      `no running \`serin run\` found: ${file} does not exist (start one, pass --state-dir, or --api and --token-file)`,
    );
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as SessionInfo;
  } catch (error) {
    throw new UsageError(`${file}: unreadable (${(error as Error).message})`);
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, owned by someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The run recorded in the default state directory, when its process is still running. */
function discoveredRun(cwd: string): SessionInfo | undefined {
  const stateDir = join(cwd, DEFAULT_STATE_DIR);
  if (!existsSync(runFileOf(stateDir))) return undefined;
  try {
    const info = readRunFile(stateDir);
    return Number.isInteger(info.pid) && processAlive(info.pid) ? info : undefined;
  } catch {
    return undefined; // an unreadable file is no evidence of a running instance
  }
}

function kubeconfigExists(): boolean {
  const env = process.env.KUBECONFIG;
  if (env !== undefined && env !== '') return env.split(':').some((f) => f !== '' && existsSync(f));
  return existsSync(join(homedir(), '.kube', 'config'));
}

function localTarget(flags: TargetFlags, info: SessionInfo | undefined): LocalTarget {
  const api = parseUrl('--api', flags.api) ?? info?.api;
  if (api === undefined) throw new UsageError('--api: no API known for the local run');
  return {
    platform: 'local',
    api,
    tokenFile: flags.tokenFile ?? info?.tokenFile,
    namespace: flags.namespace ?? 'default',
  };
}

export function chooseTarget(
  flags: TargetFlags,
  options: { cwd?: string; note?: (line: string) => void } = {},
): SteerTarget {
  const note = options.note ?? ((line: string) => process.stderr.write(`${line}\n`));
  const explicitLocal = flags.local === true || flags.stateDir !== undefined || flags.api !== undefined;
  const explicitCluster = flags.kubeconfig !== undefined || flags.context !== undefined;
  if (explicitLocal && explicitCluster)
    throw new UsageError(
      '--kubeconfig and --context are for a cluster, --local, --state-dir and --api for a local run: pass one kind',
    );
  if (flags.tokenFile !== undefined && explicitCluster)
    throw new UsageError('--token-file is for a local run; a cluster uses the kubeconfig credentials');
  if (explicitLocal) {
    // --api with --token-file needs nothing from a state directory.
    const stateDir = flags.stateDir ?? DEFAULT_STATE_DIR;
    // With --api, run.json only supplies the token file: a read (status) needs no token, and an
    // action without one is refused where the token is read, naming --token-file.
    let info: SessionInfo | undefined;
    if (flags.api === undefined) info = readRunFile(stateDir);
    else if (flags.tokenFile === undefined && existsSync(runFileOf(stateDir))) info = readRunFile(stateDir);
    return localTarget(flags, info);
  }
  if (!explicitCluster) {
    const info = discoveredRun(options.cwd ?? process.cwd());
    if (info !== undefined) {
      if (kubeconfigExists())
        note(
          `note: using the local run in ${DEFAULT_STATE_DIR}/ (pid ${info.pid}, ${info.api}); pass --context or --kubeconfig to use the cluster`,
        );
      return localTarget(flags, info);
    }
  }
  return { platform: 'cluster', flags };
}
