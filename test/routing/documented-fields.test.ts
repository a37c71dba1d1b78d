/**
 * docs/routing.md lists every HTTPRoute field with what the route plan does with it. This keeps
 * the list true: every field name the strict schema knows (at any depth) is named in the
 * section.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { HTTPRouteSpecSchema } from '../../src/api/gateway-api.js';

function fieldNames(schema: z.core.$ZodType, out = new Set<string>()): Set<string> {
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable) {
    return fieldNames(schema.unwrap(), out);
  }
  if (schema instanceof z.ZodArray) return fieldNames(schema.element, out);
  if (schema instanceof z.ZodObject) {
    const shape: Record<string, z.core.$ZodType> = schema.shape;
    for (const [key, value] of Object.entries(shape)) {
      out.add(key);
      fieldNames(value, out);
    }
  }
  return out;
}

const docs = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'routing.md'), 'utf8');
const start = docs.indexOf('**Gateway API HTTPRoute**');
const section = docs.slice(start, docs.indexOf('## ', start));

describe('docs/routing.md lists the HTTPRoute fields', () => {
  const fields = fieldNames(HTTPRouteSpecSchema);

  it('reads the schema (the walk finds nested fields)', () => {
    expect(fields.has('replacePrefixMatch')).toBe(true);
    expect(fields.has('denominator')).toBe(true);
  });

  it('names every field of the standard channel schema', () => {
    const named = new Set(
      [...section.matchAll(/`([a-zA-Z.[\]]+)/g)].flatMap((m) => (m[1] ?? '').split(/[.[\]]+/)),
    );
    const missing = [...fields].filter((f) => !named.has(f));
    expect(missing, 'fields missing from the HTTPRoute table').toEqual([]);
  });
});
