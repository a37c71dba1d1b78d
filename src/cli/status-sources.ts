/**
 * Where `serin status` reads a Canary from: a cluster (the Canary and its target Deployment), or a
 * running `serin run` (its local API, found through the state directory's run.json). Both answer
 * with the Canary and the target's current revision, hashed by the platform's own WorkloadPort.
 */
import { request } from 'undici';
import type { Revision } from '../engine/ports.js';
import { connect, findCanary, type CanaryObject, type ConnectionFlags } from '../kubernetes/cli-support.js';
import { parseCanary } from '../kubernetes/controller.js';
import { DeploymentWorkloads } from '../kubernetes/workloads.js';

export interface StatusReading {
  canary: CanaryObject;
  /** The target's revision now; undefined when it cannot be read (no such target). */
  revision: Revision | undefined;
  /** Why the revision could not be read. */
  revisionError?: string;
}

export interface StatusSource {
  /** `namespace/name`, for messages. */
  describe: string;
  read(): Promise<StatusReading>;
}

export function clusterSource(name: string, flags: ConnectionFlags): StatusSource {
  const { client, namespace } = connect(flags);
  const workloads = new DeploymentWorkloads(client);
  return {
    describe: `${namespace}/${name}`,
    async read() {
      const { canary: raw } = await findCanary(client, namespace, name);
      const { canary, error } = parseCanary(raw);
      if (!canary)
        return { canary: raw, revision: undefined, revisionError: `invalid Canary: ${error ?? ''}` };
      try {
        return { canary: raw, revision: await workloads.targetRevision(canary) };
      } catch (e) {
        return { canary: raw, revision: undefined, revisionError: (e as Error).message };
      }
    },
  };
}

/** What `GET /api/local/canaries/<namespace>/<name>` answers. */
export interface LocalCanaryAnswer {
  canary: CanaryObject;
  revision?: Revision;
  revisionError?: string;
}

export function localSource(name: string, namespace: string, api: string): StatusSource {
  const url = `${api}/api/local/canaries/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;
  return {
    describe: `${namespace}/${name}`,
    async read() {
      let res;
      try {
        res = await request(url, { signal: AbortSignal.timeout(15_000) });
      } catch (error) {
        throw new Error(`cannot reach the local API at ${api}: ${(error as Error).message}`, {
          cause: error,
        });
      }
      const body = (await res.body.json()) as LocalCanaryAnswer & { error?: string };
      if (res.statusCode !== 200) throw new Error(body.error ?? `HTTP ${res.statusCode} from ${url}`);
      return {
        canary: body.canary,
        revision: body.revision,
        ...(body.revisionError !== undefined ? { revisionError: body.revisionError } : {}),
      };
    },
  };
}
