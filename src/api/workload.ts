import { z } from 'zod';
import { ObjectMeta } from './common.js';

/**
 * `Workload` (serin.dev/v1beta1, Serin only): a process-based service for local mode. It plays the
 * part a Deployment plays on Kubernetes: a Canary's `targetRef` names it, a change of its spec is
 * a new revision, and Serin runs a primary copy (the promoted spec) and a canary copy (the new one).
 * Each replica gets a free port in the environment variable `PORT`.
 */

const port = () =>
  z
    .number({ error: 'expected a port number between 1 and 65535' })
    .int({ error: 'expected a port number between 1 and 65535' })
    .min(1, { error: 'expected a port number between 1 and 65535' })
    .max(65535, { error: 'expected a port number between 1 and 65535' });

const seconds = (what: string, min: number) =>
  z
    .number({ error: `expected a number of seconds (${what})` })
    .min(min, { error: `expected at least ${min} (${what})` });

export const HttpGetProbe = z.strictObject({
  path: z.string().startsWith('/', { error: 'expected a path starting with /' }).default('/'),
  /** Defaults to the replica's own `PORT`. */
  port: port().optional(),
});

export const TcpSocketProbe = z.strictObject({
  /** Defaults to the replica's own `PORT`. */
  port: port().optional(),
});

export const ReadinessProbe = z
  .strictObject({
    httpGet: HttpGetProbe.optional(),
    tcpSocket: TcpSocketProbe.optional(),
    initialDelaySeconds: seconds('initialDelaySeconds', 0).default(0),
    periodSeconds: seconds('periodSeconds', 0.05).default(1),
    timeoutSeconds: seconds('timeoutSeconds', 0.05).default(1),
    /** Consecutive failures after being ready before the replica counts as not ready again. */
    failureThreshold: z.number().int().min(1, { error: 'expected a whole number, 1 or more' }).default(3),
  })
  .superRefine((probe, ctx) => {
    if ((probe.httpGet === undefined) === (probe.tcpSocket === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'expected exactly one of httpGet or tcpSocket', path: [] });
    }
  });
export type ReadinessProbe = z.output<typeof ReadinessProbe>;

const EXECUTABLE = 'expected an executable, or a list whose first entry is the executable';
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const environment = () =>
  z
    .record(z.string(), z.string({ error: 'expected a string value (quote numbers and booleans)' }))
    .superRefine((env, ctx) => {
      for (const key of Object.keys(env)) {
        if (!ENV_NAME.test(key))
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: 'expected an environment variable name such as LOG_LEVEL',
          });
      }
    });

export const WorkloadSpec = z.strictObject({
  /** The executable and its leading arguments, as on Kubernetes; a string is the executable alone. */
  command: z
    .union([z.string().min(1, { error: EXECUTABLE }), z.array(z.string()).min(1, { error: EXECUTABLE })], {
      error: EXECUTABLE,
    })
    .transform((c) => (typeof c === 'string' ? [c] : c)),
  args: z.array(z.string()).default([]),
  env: environment().default({}),
  /** Relative paths are read from the directory of the file the Workload came from. */
  workingDir: z.string().optional(),
  replicas: z.number().int().min(1, { error: 'expected 1 or more replicas' }).max(32).default(1),
  /** The `version` label of the replicas (telemetry's `destination_version`). */
  version: z.string().min(1).optional(),
  readinessProbe: ReadinessProbe.optional(),
  /** How long a stopping replica gets between SIGTERM and SIGKILL. */
  terminationGracePeriodSeconds: seconds('terminationGracePeriodSeconds', 0).default(5),
});
export type WorkloadSpec = z.output<typeof WorkloadSpec>;

export const WorkloadDocument = z.strictObject({
  apiVersion: z.string(),
  kind: z.literal('Workload'),
  metadata: ObjectMeta,
  spec: WorkloadSpec,
});
export type Workload = z.output<typeof WorkloadDocument>;
export type WorkloadInput = z.input<typeof WorkloadDocument>;

/** The version a workload reports: `spec.version`, else the `version` label, else `unknown`. */
export function workloadVersion(w: Pick<Workload, 'metadata' | 'spec'>): string {
  return w.spec.version ?? w.metadata.labels?.version ?? 'unknown';
}
