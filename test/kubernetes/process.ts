/** `serin controller` as a child process (the real binary), for suites that kill it. */
import { spawn, type ChildProcess } from 'node:child_process';
import { SERIN_BIN } from '../support/cli.js';

export interface ControllerProcess {
  child: ChildProcess;
  pid: number;
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Leader election in namespace `ns` with a short lease, so a takeover takes seconds in a suite. */
export function fastLeaderElection(ns: string): string[] {
  return [
    '--namespace',
    ns,
    '--leader-elect',
    '--leader-elect-namespace',
    ns,
    '--leader-elect-lease-duration',
    '3s',
    '--leader-elect-renew-deadline',
    '2s',
    '--leader-elect-retry-period',
    '500ms',
  ];
}

export function spawnController(
  kubeconfigPath: string,
  args: string[],
  env: Record<string, string> = {},
): ControllerProcess {
  const child = spawn(
    process.execPath,
    [
      SERIN_BIN,
      'controller',
      '--kubeconfig',
      kubeconfigPath,
      '--metrics-addr',
      '127.0.0.1:0',
      '--gates-addr',
      '127.0.0.1:0',
      ...args,
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1', ...env },
    },
  );
  let log = '';
  const keep = (c: Buffer) => {
    log = (log + c.toString()).slice(-20_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      resolve(code);
    }),
  );
  return {
    child,
    pid: child.pid ?? -1,
    output: () => log,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
