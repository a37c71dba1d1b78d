import { rmSync } from 'node:fs';
import { checkStateDirForSocket } from './dataplane/files.js';
import { join, resolve } from 'node:path';
import { startLocalApi, type LocalApi } from './api.js';
import { LocalRuntime, type RuntimeEvent, type RuntimeOptions } from './runtime.js';
import { writeFileAtomic } from './state/atomic-file.js';
import { loadOrCreateToken } from './token.js';

export interface SessionOptions extends RuntimeOptions {
  apiPort: number;
  tokenFile?: string | undefined;
  buildDashboard?: boolean;
  /** Subscribed before anything starts, so no event is missed. */
  onEvent?: (event: RuntimeEvent) => void;
  log?: (line: string) => void;
}

/** Where a running instance can be reached; written to `<state-dir>/run.json` for `serin apply`. */
export interface SessionInfo {
  pid: number;
  router: string;
  api: string;
  dashboard: string;
  metrics: string;
  tokenFile: string;
  stateDir: string;
}

export interface Session {
  runtime: LocalRuntime;
  api: LocalApi;
  info: SessionInfo;
  stop(): Promise<void>;
}

export const RUN_FILE = 'run.json';

/** Starts the runtime, the API and the dashboard together; `stop()` undoes all of it. */
export async function startSession(options: SessionOptions): Promise<Session> {
  const stateDir = resolve(options.stateDir);
  checkStateDirForSocket(stateDir);
  const token = loadOrCreateToken({ tokenFile: options.tokenFile, defaultFile: join(stateDir, 'token') });
  const runtime = new LocalRuntime({ ...options, stateDir });
  if (options.onEvent) runtime.subscribe(options.onEvent);
  let api: LocalApi | undefined;
  try {
    const { routerUrl } = await runtime.start();
    api = await startLocalApi({
      runtime,
      token: token.token,
      tokenOwner: token.owner,
      port: options.apiPort,
      ...(options.host !== undefined ? { host: options.host } : {}),
      ...(options.buildDashboard !== undefined ? { buildDashboard: options.buildDashboard } : {}),
      ...(options.log ? { log: options.log } : {}),
    });
    const info: SessionInfo = {
      pid: process.pid,
      router: routerUrl,
      api: api.url,
      dashboard: `${api.url}/`,
      metrics: `${api.url}/metrics`,
      tokenFile: token.file,
      stateDir,
    };
    await writeFileAtomic(join(stateDir, RUN_FILE), `${JSON.stringify(info, null, 2)}\n`);
    const started = api;
    let stopping: Promise<void> | undefined;
    return {
      runtime,
      api: started,
      info,
      stop: () =>
        (stopping ??= (async () => {
          await started.close();
          await runtime.stop();
          rmSync(join(stateDir, RUN_FILE), { force: true });
        })()),
    };
  } catch (error) {
    await api?.close();
    await runtime.stop();
    throw error;
  }
}
