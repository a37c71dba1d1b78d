import { connect } from 'node:net';
import { request } from 'undici';
import type { ReadinessProbe } from '../../api/workload.js';

export interface ProbeResult {
  ok: boolean;
  message: string;
}

/** One readiness check against a replica on 127.0.0.1: an HTTP GET (2xx/3xx passes) or a TCP connect. */
export async function probeOnce(probe: ReadinessProbe, replicaPort: number): Promise<ProbeResult> {
  const timeoutMs = probe.timeoutSeconds * 1000;
  if (probe.httpGet) {
    const port = probe.httpGet.port ?? replicaPort;
    try {
      const res = await request(`http://127.0.0.1:${port}${probe.httpGet.path}`, {
        method: 'GET',
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs),
      });
      await res.body.dump();
      const ok = res.statusCode >= 200 && res.statusCode < 400;
      return { ok, message: `GET ${probe.httpGet.path} on port ${port}: HTTP ${res.statusCode}` };
    } catch (error) {
      return { ok: false, message: `GET ${probe.httpGet.path} on port ${port}: ${(error as Error).message}` };
    }
  }
  return tcpProbe(probe.tcpSocket?.port ?? replicaPort, timeoutMs);
}

function tcpProbe(port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (result: ProbeResult) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => {
      done({ ok: false, message: `TCP connect to port ${port}: timed out` });
    });
    socket.once('connect', () => {
      done({ ok: true, message: `TCP connect to port ${port}: open` });
    });
    socket.once('error', (error) => {
      done({ ok: false, message: `TCP connect to port ${port}: ${error.message}` });
    });
  });
}

/** The probe used when a Workload declares none: the replica must accept connections on PORT. */
export const DEFAULT_PROBE: ReadinessProbe = {
  tcpSocket: {},
  initialDelaySeconds: 0,
  periodSeconds: 0.2,
  timeoutSeconds: 1,
  failureThreshold: 3,
};
