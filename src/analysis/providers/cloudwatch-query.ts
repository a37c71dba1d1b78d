/**
 * A CloudWatch MetricTemplate query: a JSON array of `MetricDataQuery` objects, which Flagger
 * decodes with Go's `encoding/json` into the AWS SDK's structs. Go matches object keys to field
 * names case-insensitively, so `"id"` and `"Id"` mean the same field; that rule is kept here. Go
 * would drop a key that names no field; Serin refuses it, naming the key, so a misspelt `Stat`
 * cannot silently change the query.
 */
import { z } from 'zod';
import { ProviderError } from './http.js';

/** Field names of the SDK structs (GetMetricData's documented request members), by nesting. */
interface Shape {
  readonly fields: Readonly<Record<string, Shape | 'scalar' | { list: Shape }>>;
}
const DIMENSION: Shape = { fields: { Name: 'scalar', Value: 'scalar' } };
const METRIC: Shape = {
  fields: { Namespace: 'scalar', MetricName: 'scalar', Dimensions: { list: DIMENSION } },
};
const METRIC_STAT: Shape = { fields: { Metric: METRIC, Period: 'scalar', Stat: 'scalar', Unit: 'scalar' } };
const METRIC_DATA_QUERY: Shape = {
  fields: {
    Id: 'scalar',
    AccountId: 'scalar',
    Expression: 'scalar',
    Label: 'scalar',
    MetricStat: METRIC_STAT,
    Period: 'scalar',
    ReturnData: 'scalar',
  },
};

const Dimension = z.strictObject({ Name: z.string(), Value: z.string() });
const MetricDataQuery = z
  .strictObject({
    Id: z.string().regex(/^[a-z][a-zA-Z0-9_]*$/, {
      error: 'expected an id that starts with a lower-case letter (letters, digits, _)',
    }),
    AccountId: z.string().optional(),
    Expression: z.string().optional(),
    Label: z.string().optional(),
    MetricStat: z
      .strictObject({
        Metric: z.strictObject({
          Namespace: z.string().optional(),
          MetricName: z.string().optional(),
          Dimensions: z.array(Dimension).optional(),
        }),
        Period: z.int().positive(),
        Stat: z.string().min(1),
        Unit: z.string().optional(),
      })
      .optional(),
    Period: z.int().positive().optional(),
    ReturnData: z.boolean().optional(),
  })
  .refine((q) => (q.Expression === undefined) !== (q.MetricStat === undefined), {
    error: 'expected exactly one of Expression and MetricStat',
  });
const MetricDataQueries = z.array(MetricDataQuery).min(1, { error: 'expected at least one MetricDataQuery' });
export type MetricDataQuery = z.output<typeof MetricDataQuery>;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Renames keys to the struct's field names as Go's decoder matches them; unknown keys are refused. */
function canonicalKeys(value: unknown, shape: Shape, path: string): unknown {
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const field = Object.keys(shape.fields).find((name) => name.toLowerCase() === key.toLowerCase());
    if (field === undefined) {
      throw new ProviderError(
        `query${path}: "${key}" is not a MetricDataQuery field (expected one of ${Object.keys(shape.fields).join(', ')})`,
      );
    }
    const inner = shape.fields[field];
    const at = `${path}.${field}`;
    if (inner === 'scalar' || inner === undefined) out[field] = item;
    else if ('list' in inner)
      out[field] = Array.isArray(item)
        ? item.map((x, i) => canonicalKeys(x, inner.list, `${at}[${String(i)}]`))
        : item;
    else out[field] = canonicalKeys(item, inner, at);
  }
  return out;
}

function issuePath(path: readonly PropertyKey[]): string {
  return path.map((key) => (typeof key === 'number' ? `[${String(key)}]` : `.${String(key)}`)).join('');
}

/** The rendered query as GetMetricData's `MetricDataQueries`, or an error naming the field. */
export function parseMetricDataQueries(query: string): MetricDataQuery[] {
  let raw: unknown;
  try {
    raw = JSON.parse(query);
  } catch (error) {
    throw new ProviderError(
      `query: expected a JSON array of MetricDataQuery objects: ${(error as Error).message}`,
    );
  }
  if (!Array.isArray(raw)) throw new ProviderError('query: expected a JSON array of MetricDataQuery objects');
  const renamed = raw.map((item, i) => canonicalKeys(item, METRIC_DATA_QUERY, `[${String(i)}]`));
  const parsed = MetricDataQueries.safeParse(renamed);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ProviderError(`query${issuePath(issue?.path ?? [])}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}
