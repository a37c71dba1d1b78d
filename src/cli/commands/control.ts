import { request } from 'undici';
import type { Canary } from '../../api/canary.js';
import { refusalFor } from '../../engine/control.js';
import type { ControlAction } from '../../engine/ports.js';
import { connect, findCanary } from '../../kubernetes/cli-support.js';
import {
  COMMAND_ANNOTATION,
  buildCommand,
  encodeCommand,
  type ActionName,
} from '../../kubernetes/commands.js';
import { kubeIdentity } from '../../kubernetes/identity.js';
import { readTokenFile } from '../../local/token.js';
import { UsageError } from '../program.js';
import { chooseTarget, type ClusterTarget, type LocalTarget, type TargetFlags } from '../steer-target.js';

export interface ControlFlags extends TargetFlags {
  reason?: string;
}

/** What was requested: the same line on every platform. */
interface Requested {
  namespace: string;
  by: string;
  command: string;
}

/** Thrown when the action cannot apply now; the message is the engine's reason. */
class Refused extends Error {}

function refused(namespace: string, name: string, action: ControlAction, why: string): Refused {
  return new Refused(`canary ${namespace}/${name}: ${action.type} refused: ${why}`);
}

/**
 * On a cluster: read the Canary, refuse by the engine's rule before writing anything, then write
 * the command annotation with the kubeconfig user as who asked.
 */
async function steerCluster(
  target: ClusterTarget,
  name: string,
  action: ControlAction,
  reason: string | undefined,
): Promise<Requested> {
  const { client, namespace } = connect(target.flags);
  const { canary, type } = await findCanary(client, namespace, name);
  const why = refusalFor({ ...canary, spec: canary.spec ?? {} } as unknown as Canary, action);
  if (why !== undefined) throw refused(namespace, name, action, why);
  const by = await kubeIdentity(client.config);
  const weight = action.type === 'set-weight' ? action.weight : undefined;
  const command = buildCommand(action.type, { weight, by, reason });
  // A merge patch of one annotation: GitOps tools that own the spec have nothing to revert.
  await client.patch(type, namespace, canary.metadata.name, {
    metadata: { annotations: { [COMMAND_ANNOTATION]: encodeCommand(command) } },
  });
  return { namespace, by, command: command.id };
}

interface ActionAnswer {
  accepted?: boolean;
  message?: string;
  by?: string;
  command?: string;
  error?: string;
}

/** Locally: the running instance's API refuses or queues at once (202 or 409 with the reason). */
async function steerLocal(
  target: LocalTarget,
  name: string,
  action: ControlAction,
  reason: string | undefined,
): Promise<Requested> {
  const { namespace, api } = target;
  if (target.tokenFile === undefined)
    throw new UsageError('--token-file: needed with --api when no run.json names the token');
  const { token } = readTokenFile(target.tokenFile);
  const url = `${api}/api/canaries/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}/actions`;
  let res;
  try {
    res = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ action, ...(reason !== undefined ? { reason } : {}) }),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (error) {
    throw new Error(`cannot reach the local API at ${api}: ${(error as Error).message}`, { cause: error });
  }
  const body = (await res.body.json()) as ActionAnswer;
  if (res.statusCode === 409) throw refused(namespace, name, action, body.message ?? 'refused');
  if (res.statusCode !== 202 || body.command === undefined)
    throw new Error(body.error ?? body.message ?? `HTTP ${res.statusCode} from ${url}`);
  return { namespace, by: body.by ?? 'unknown', command: body.command };
}

function describe(action: ControlAction): string {
  return action.type === 'set-weight' ? `set-weight ${action.weight}` : action.type;
}

/** Sends one action to the chosen Serin and prints what was requested; a refusal throws (exit 1). */
export async function send(
  actionName: ActionName,
  name: string,
  weight: number | undefined,
  opts: ControlFlags,
): Promise<void> {
  const action: ControlAction =
    actionName === 'set-weight' ? { type: 'set-weight', weight: weight ?? Number.NaN } : { type: actionName };
  const target = chooseTarget(opts);
  const done =
    target.platform === 'local'
      ? await steerLocal(target, name, action, opts.reason)
      : await steerCluster(target, name, action, opts.reason);
  process.stdout.write(
    `canary ${done.namespace}/${name}: ${describe(action)} requested by ${done.by} (command ${done.command})\n`,
  );
}

export function parseWeight(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 0 || n > 100)
    throw new UsageError(`set-weight: expected a whole number between 0 and 100, got "${text}"`);
  return n;
}
