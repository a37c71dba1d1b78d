/**
 * Imperative control that GitOps tools leave alone: a command is an annotation on the Canary
 * (`serin.dev/command`), written with a merge patch, never a spec edit. The engine records the id of
 * the last command it applied in `status.lastCommandId`, so a command acts exactly once however
 * often the controller reads it.
 */
import { randomUUID } from 'node:crypto';
import type { ControlAction, ControlCommand } from '../engine/ports.js';

export const COMMAND_ANNOTATION = 'serin.dev/command';
export const ACTIONS = ['promote', 'abort', 'pause', 'resume', 'set-weight', 'retry'] as const;
export type ActionName = (typeof ACTIONS)[number];

export class CommandError extends Error {}

export function buildCommand(
  action: ActionName,
  options: { weight?: number; by?: string; reason?: string } = {},
): ControlCommand {
  let act: ControlAction;
  if (action === 'set-weight') {
    const w = options.weight;
    if (w === undefined || !Number.isInteger(w) || w < 0 || w > 100) {
      throw new CommandError(`set-weight: expected a whole number between 0 and 100, got ${String(w)}`);
    }
    act = { type: 'set-weight', weight: w };
  } else {
    act = { type: action };
  }
  const command: ControlCommand = { id: randomUUID(), action: act };
  if (options.by !== undefined) command.by = options.by;
  if (options.reason !== undefined) command.reason = options.reason;
  return command;
}

/** The annotation's JSON: `{"id","action","weight"?,"by"?,"reason"?}`. */
export function encodeCommand(command: ControlCommand): string {
  const { action, ...rest } = command;
  return JSON.stringify({
    ...rest,
    action: action.type,
    ...(action.type === 'set-weight' ? { weight: action.weight } : {}),
  });
}

/** Reads the command annotation; a malformed one is an error naming what is wrong. */
export function decodeCommand(text: string | undefined): ControlCommand | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new CommandError(
      `annotation ${COMMAND_ANNOTATION}: expected JSON such as {"id":"...","action":"promote"}`,
    );
  }
  if (typeof raw !== 'object' || raw === null)
    throw new CommandError(`annotation ${COMMAND_ANNOTATION}: expected a JSON object`);
  const r = raw as Record<string, unknown>;
  if (typeof r.id !== 'string' || r.id === '')
    throw new CommandError(`annotation ${COMMAND_ANNOTATION}.id: expected a non-empty string`);
  if (typeof r.action !== 'string' || !(ACTIONS as readonly string[]).includes(r.action)) {
    throw new CommandError(
      `annotation ${COMMAND_ANNOTATION}.action: expected one of ${ACTIONS.join(', ')}, got ${JSON.stringify(r.action)}`,
    );
  }
  const command = buildCommand(r.action as ActionName, {
    weight: typeof r.weight === 'number' ? r.weight : undefined,
    by: typeof r.by === 'string' ? r.by : undefined,
    reason: typeof r.reason === 'string' ? r.reason : undefined,
  });
  return { ...command, id: r.id };
}
