import { z } from 'zod';
import { LocalReference, ObjectMeta } from './common.js';

/**
 * Every provider type Flagger knows. Only the ones Serin implements can run a query; the others
 * validate so that a Flagger document stays valid, and report "not supported" when evaluated.
 */
export const METRIC_PROVIDER_TYPES = [
  'prometheus',
  'datadog',
  'cloudwatch',
  'newrelic',
  'graphite',
  'stackdriver',
  'influxdb',
  'dynatrace',
  'keptn',
  'splunk',
  'externalmetrics',
] as const;
export type MetricProviderType = (typeof METRIC_PROVIDER_TYPES)[number];

export const MetricTemplateProvider = z.strictObject({
  type: z.enum(METRIC_PROVIDER_TYPES, {
    error: `expected one of ${METRIC_PROVIDER_TYPES.join(', ')}`,
  }),
  address: z.string().optional(),
  headers: z.record(z.string(), z.array(z.string())).optional(),
  secretRef: LocalReference.optional(),
  /** Serin (local mode): a file holding the same keys as the Secret, one `key=value` per line or JSON. */
  secretFile: z.string().optional(),
  region: z.string().optional(),
  insecureSkipVerify: z.boolean().optional(),
  /** Serin: a PEM file with the CA that signs the provider's certificate. */
  caFile: z.string().optional(),
  /** Serin: request timeout, default 5s as in Flagger. */
  timeout: z.string().optional(),
});
export type MetricTemplateProvider = z.output<typeof MetricTemplateProvider>;

export const MetricTemplateSpec = z.strictObject({
  provider: MetricTemplateProvider,
  query: z.string().min(1, { error: 'expected a query template' }),
});
export type MetricTemplateSpec = z.output<typeof MetricTemplateSpec>;

export const MetricTemplateDocument = z.strictObject({
  apiVersion: z.string(),
  kind: z.literal('MetricTemplate'),
  metadata: ObjectMeta,
  spec: MetricTemplateSpec,
});
export type MetricTemplate = z.output<typeof MetricTemplateDocument>;
