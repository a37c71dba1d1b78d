import { z } from 'zod';
import { DURATION_PATTERN } from './duration.js';

/** API groups Serin serves. Flagger's group is accepted unchanged and means the same thing. */
export const SERIN_GROUP = 'serin.dev';
export const FLAGGER_GROUP = 'flagger.app';
export const API_VERSION = 'v1beta1';
export const SERIN_API_VERSION = `${SERIN_GROUP}/${API_VERSION}`;
export const FLAGGER_API_VERSION = `${FLAGGER_GROUP}/${API_VERSION}`;

export {
  DURATION_PATTERN,
  FLAGGER_INTERVAL_PATTERN,
  intervalReadableBy,
  readsIntervalVerbatim,
  formatDuration,
  parseDuration,
} from './duration.js';

export const duration = () =>
  z.string().regex(DURATION_PATTERN, { error: 'expected a duration such as 30s, 1m or 1h30m' });

export const stringMap = () => z.record(z.string(), z.string());

/** An object whose contents are not Serin's to check (Istio policies, free-form metadata). */
export const opaqueObject = () =>
  z.record(z.string(), z.unknown()).meta({ 'x-kubernetes-preserve-unknown-fields': true });

export const intOrString = () =>
  z.union([z.number().int(), z.string()]).meta({ 'x-kubernetes-int-or-string': true });

export const ObjectMeta = z
  .looseObject({
    name: z.string().min(1, { error: 'expected a non-empty name' }),
    namespace: z.string().min(1).optional(),
    labels: stringMap().optional(),
    annotations: stringMap().optional(),
    uid: z.string().optional(),
    resourceVersion: z.string().optional(),
    generation: z.number().int().optional(),
    creationTimestamp: z.string().optional(),
    deletionTimestamp: z.string().optional(),
    finalizers: z.array(z.string()).optional(),
  })
  .meta({ description: 'Standard object metadata.' });
export type ObjectMeta = z.output<typeof ObjectMeta>;

export const CrossNamespaceObjectReference = z.strictObject({
  apiVersion: z.string().optional(),
  kind: z.string().min(1),
  name: z.string().min(1),
  namespace: z.string().optional(),
});

export const LocalReference = z.strictObject({
  name: z.string().min(1),
  namespace: z.string().optional(),
});

/** A condition in the shape of metav1.Condition. */
export const Condition = z.strictObject({
  type: z.string(),
  status: z.enum(['True', 'False', 'Unknown']),
  reason: z.string().optional(),
  message: z.string().optional(),
  lastUpdateTime: z.string().optional(),
  lastTransitionTime: z.string().optional(),
  observedGeneration: z.number().int().optional(),
});
export type Condition = z.output<typeof Condition>;
