/**
 * A Canary Serin will not run (invalid, or using something src/api/capabilities.ts says Serin does
 * not run yet) is reported where people look: a `Supported=False` status condition naming the
 * fields, a Warning Event, `serin_canary_status` at 2 and `serin_canary_supported` at 0, so the
 * documented alert fires. No tick runs for it, and Serin adds no finalizer to it.
 */
import type { Canary } from '../api/canary.js';
import { blocking, canaryCapabilities, summarize, type CapabilityOptions } from '../api/capabilities.js';
import type { Condition } from '../api/common.js';
import { MetricTemplateDocument } from '../api/metric-template.js';
import { isConflict, isNotFound, type KubeClient, type KubeObject } from './client.js';
import type { ControllerMetrics } from './metrics.js';
import type { ResourceType } from './resources.js';
import type { RoutingProviderId } from '../routing/providers/ids.js';
import { namespacedRbacProblem } from './rbac-scope.js';
import { providerOf } from '../routing/render/index.js';

export const SUPPORTED_CONDITION = 'Supported';

export interface SupportVerdict {
  supported: boolean;
  /** `Invalid` or `NotSupported`. */
  reason?: string;
  message?: string;
}

const TEMPLATE_GROUPS = ['serin.dev', 'flagger.app'];

async function findTemplate(
  client: KubeClient,
  name: string,
  namespace: string,
): Promise<{ spec?: { provider?: { type?: unknown } } } | undefined> {
  for (const group of TEMPLATE_GROUPS) {
    const type: ResourceType = {
      group,
      version: 'v1beta1',
      plural: 'metrictemplates',
      kind: 'MetricTemplate',
      namespaced: true,
    };
    try {
      const found = await client.get(type, namespace, name);
      if (found && MetricTemplateDocument.safeParse(found).success) return found as never;
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
  return undefined;
}

/**
 * What stops Serin from running this Canary, if anything; MetricTemplates are read from the cluster.
 * `namespacedRbac`: the controller runs with a Role (a namespace-scoped install).
 */
export async function supportOf(
  client: KubeClient,
  canary: Canary,
  defaultProvider: RoutingProviderId,
  namespacedRbac = false,
): Promise<SupportVerdict> {
  const namespace = canary.metadata.namespace ?? 'default';
  const templates = new Map<string, Awaited<ReturnType<typeof findTemplate>>>();
  const metrics = (canary.spec.analysis ?? canary.spec.canaryAnalysis)?.metrics ?? [];
  for (const m of metrics) {
    if (!m.templateRef) continue;
    const ns = m.templateRef.namespace ?? namespace;
    templates.set(`${ns}/${m.templateRef.name}`, await findTemplate(client, m.templateRef.name, ns));
  }
  const options: CapabilityOptions = {
    platform: 'kubernetes',
    defaultProvider,
    defaultProviderExplicit: true,
    template: (name, ns) => templates.get(`${ns ?? namespace}/${name}`),
  };
  const issues = blocking(canaryCapabilities(canary, options));
  if (issues.length === 0 && namespacedRbac) {
    const problem = namespacedRbacProblem(providerOf(canary, defaultProvider), 'spec.provider');
    if (problem) issues.push(problem);
  }
  if (issues.length === 0) return { supported: true };
  const notYet = issues.some((i) => i.reason === 'NotSupported');
  return { supported: false, reason: notYet ? 'NotSupported' : 'Invalid', message: summarize(issues) };
}

function conditionFor(verdict: SupportVerdict, previous: Condition | undefined, now: string): Condition {
  const status = verdict.supported ? 'True' : 'False';
  const same = previous?.status === status && previous.reason === (verdict.reason ?? 'Supported');
  return {
    type: SUPPORTED_CONDITION,
    status,
    reason: verdict.reason ?? 'Supported',
    message: verdict.message ?? 'Serin runs everything this Canary uses',
    lastUpdateTime: same ? (previous.lastUpdateTime ?? now) : now,
    lastTransitionTime: previous?.status === status ? (previous.lastTransitionTime ?? now) : now,
  };
}

/**
 * Writes the Supported condition when it changes: False with the reason, or True again once a
 * Canary that was refused is fixed. A Canary that was never refused gets no write.
 */
export async function recordSupport(
  client: KubeClient,
  type: ResourceType,
  raw: KubeObject,
  verdict: SupportVerdict,
  now: Date = new Date(),
): Promise<boolean> {
  const status = (raw.status ?? {}) as { conditions?: Condition[] };
  const conditions = status.conditions ?? [];
  const previous = conditions.find((c) => c.type === SUPPORTED_CONDITION);
  if (verdict.supported && previous === undefined) return false;
  const next = conditionFor(verdict, previous, now.toISOString());
  if (previous && previous.status === next.status && previous.message === next.message) return false;
  const others = conditions.filter((c) => c.type !== SUPPORTED_CONDITION);
  try {
    await client.replace(type, { ...raw, status: { ...status, conditions: [...others, next] } }, 'status');
    return true;
  } catch (error) {
    if (isConflict(error)) return false; // the next reconcile sees the new version and tries again
    throw error;
  }
}

/** The metrics of a Canary Serin does not run: status 2 (the documented `> 1` alert) and supported 0. */
export function observeSupport(
  metrics: ControllerMetrics,
  target: string,
  namespace: string,
  verdict: SupportVerdict,
): void {
  metrics.supported.set({ name: target, namespace }, verdict.supported ? 1 : 0);
  if (!verdict.supported) metrics.status.set({ name: target, namespace }, 2);
}
