import {
  COMMAND_ANNOTATION,
  buildCommand,
  encodeCommand,
  type ActionName,
} from '../../kubernetes/commands.js';
import { connect, findCanary } from '../../kubernetes/cli-support.js';
import { UsageError } from '../program.js';

function whoAmI(): string {
  return process.env.USER ?? process.env.USERNAME ?? 'serin-cli';
}

export async function send(
  action: ActionName,
  name: string,
  weight: number | undefined,
  opts: { namespace?: string; kubeconfig?: string; context?: string; reason?: string },
): Promise<void> {
  const { client, namespace } = connect(opts);
  const { canary, type } = await findCanary(client, namespace, name);
  const command = buildCommand(action, { weight, by: whoAmI(), reason: opts.reason });
  // A merge patch of one annotation: GitOps tools that own the spec have nothing to revert.
  await client.patch(type, namespace, canary.metadata.name, {
    metadata: { annotations: { [COMMAND_ANNOTATION]: encodeCommand(command) } },
  });
  process.stdout.write(
    `canary.${type.group}/${name}: ${action}${weight === undefined ? '' : ` ${weight}`} requested (command ${command.id})\n`,
  );
}

export function parseWeight(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 0 || n > 100)
    throw new UsageError(`set-weight: expected a whole number between 0 and 100, got "${text}"`);
  return n;
}
