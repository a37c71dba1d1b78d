import type { z } from 'zod';
import { ProviderError } from './http.js';

/** `results[0].value`: where in a provider's answer a zod issue sits. */
function pathText(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path)
    text += typeof key === 'number' ? `[${String(key)}]` : `${text === '' ? '' : '.'}${String(key)}`;
  return text === '' ? 'the body' : text;
}

/**
 * A provider's answer read through its documented shape; a body of another shape is an error
 * naming the first field that differs and what was expected there.
 */
export function parseAnswer<T extends z.ZodType>(
  provider: string,
  what: string,
  schema: T,
  body: unknown,
): z.output<T> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const detail = issue === undefined ? '' : `: ${pathText(issue.path)}: ${issue.message}`;
  throw new ProviderError(`${provider} answered a body that is not ${what}${detail}`);
}
