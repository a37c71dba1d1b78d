import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProcessIdentity } from '../workloads/process-identity.js';

/** Where a running data plane can be found: written by the data plane once it serves. */
export interface DataplaneRecord extends ProcessIdentity {
  /** The data-plane listener clients send traffic to. */
  router: { address: string; port: number };
  /** The control socket the control plane reconfigures it through. */
  socket: string;
}

export const DATAPLANE_FILE = 'dataplane.json';
export const DATAPLANE_TOKEN_FILE = 'dataplane.token';
export const DATAPLANE_SOCKET = 'dataplane.sock';
/** Environment variable that hands the control token to a data plane being started. */
export const DATAPLANE_TOKEN_ENV = 'SERIN_DATAPLANE_TOKEN';

export const dataplaneFile = (stateDir: string) => join(stateDir, DATAPLANE_FILE);
export const dataplaneTokenFile = (stateDir: string) => join(stateDir, DATAPLANE_TOKEN_FILE);
export const dataplaneSocket = (stateDir: string) => join(stateDir, DATAPLANE_SOCKET);

/** The longest Unix socket path Linux takes (sun_path is 108 bytes with its NUL); libuv truncates longer ones silently. */
const MAX_SOCKET_PATH_BYTES = 107;

/**
 * Refuses a state directory too long to hold the data plane's control socket: listen would fail in
 * the detached data plane, far from the user, and the run would wait for it in vain.
 */
export function checkStateDirForSocket(stateDir: string): void {
  const socket = dataplaneSocket(stateDir);
  const bytes = Buffer.byteLength(socket);
  if (bytes > MAX_SOCKET_PATH_BYTES)
    throw new Error(
      `--state-dir: ${stateDir} is too long for the data plane's control socket (${socket} is ${String(bytes)} bytes; a Unix socket path holds at most ${String(MAX_SOCKET_PATH_BYTES)}): choose a shorter state directory`,
    );
}

export function readDataplaneRecord(stateDir: string): DataplaneRecord | undefined {
  try {
    const record = JSON.parse(readFileSync(dataplaneFile(stateDir), 'utf8')) as DataplaneRecord;
    if (!Number.isInteger(record.pid) || !Array.isArray(record.argv) || typeof record.socket !== 'string')
      return undefined;
    return record;
  } catch {
    return undefined;
  }
}
