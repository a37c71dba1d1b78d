/** Request shapes the API accepts, validated with clear messages naming the field. */
import { z } from 'zod';
import type { DashboardAction } from './backend.js';
import { HttpError } from './http.js';

const noFields = (type: string) => z.strictObject({ type: z.literal(type) });

const Action = z.discriminatedUnion(
  'type',
  [
    noFields('promote'),
    noFields('abort'),
    noFields('pause'),
    noFields('resume'),
    noFields('retry'),
    z.strictObject({
      type: z.literal('set-weight'),
      weight: z
        .number({ error: 'expected a whole number between 0 and 100' })
        .int({ error: 'expected a whole number between 0 and 100' })
        .min(0, { error: 'expected a whole number between 0 and 100' })
        .max(100, { error: 'expected a whole number between 0 and 100' }),
    }),
    z.strictObject({
      type: z.literal('gate'),
      gate: z
        .string({ error: 'expected the name of a gate' })
        .min(1, { error: 'expected the name of a gate' }),
      open: z.boolean({ error: 'expected true (open) or false (close)' }),
    }),
  ],
  {
    error: (issue) =>
      issue.input === undefined
        ? 'required: an object such as {"type":"abort"}'
        : 'expected type to be one of promote, abort, pause, resume, retry, set-weight, gate',
  },
);

export const ActionRequest = z.strictObject(
  {
    action: Action,
    reason: z.string({ error: 'expected text: why, recorded with the decision' }).max(1024).optional(),
  },
  { error: 'expected a JSON object such as {"action":{"type":"abort"}}' },
);

/** Parses an action request (the action, and optionally why) or throws a 400 listing each wrong field. */
export function parseActionRequest(body: unknown): { action: DashboardAction; reason?: string } {
  const result = ActionRequest.safeParse(body);
  if (result.success) {
    const { action, reason } = result.data;
    return { action: action as DashboardAction, ...(reason !== undefined ? { reason } : {}) };
  }
  const issues = result.error.issues.flatMap((issue) => {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
    return keys.map((key) => {
      const path = [...issue.path, ...(key === undefined ? [] : [key])];
      const message = key === undefined ? issue.message : 'unknown field';
      return { path: path.length > 0 ? path.join('.') : '(body)', message };
    });
  });
  const summary = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
  throw new HttpError(400, `invalid request: ${summary}`, { issues });
}

const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/** Namespace and name from the URL, checked so nothing odd reaches a backend. */
export function parseRef(namespace: string, name: string): { namespace: string; name: string } {
  const decode = (part: string, what: string): string => {
    let value: string;
    try {
      value = decodeURIComponent(part);
    } catch {
      throw new HttpError(400, `invalid ${what} in the URL`);
    }
    if (!NAME.test(value)) throw new HttpError(400, `invalid ${what} "${value}": expected a Kubernetes name`);
    return value;
  };
  return { namespace: decode(namespace, 'namespace'), name: decode(name, 'name') };
}
