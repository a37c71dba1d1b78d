/**
 * Assembles the engine's ports on a cluster: workloads, routing, status and Kubernetes Events from
 * this module; metrics and webhooks from src/analysis; alerts from src/notify, with MetricTemplates,
 * AlertProviders and Secrets read from the cluster.
 */
import type { Logger } from 'pino';
import { MetricTemplateDocument, type MetricTemplate } from '../api/metric-template.js';
import { createMetricsPort } from '../analysis/metrics-port.js';
import { createWebhookPort } from '../analysis/webhooks/webhook-port.js';
import { AlertProviderDocument, type AlertProvider } from '../api/alert-provider.js';
import { createNotifier } from '../notify/notifier.js';
import type { MetricsPort, Ports, WebhookPort } from '../engine/ports.js';
import { processFailPoints } from '../engine/testing/fail-points.js';
import type { KubeClient } from './client.js';
import { KubernetesEvents } from './events.js';
import { isRecord } from './objects.js';
import { Resources, type ResourceType } from './resources.js';
import { KubernetesRouter, type Provider } from './router.js';
import { KubernetesStatus } from './status.js';
import { DeploymentWorkloads } from './workloads.js';
import { KNATIVE_SERVICE, latestCreatedRevisionOf } from '../routing/providers/knative.js';

const inBothGroups = (plural: string, kind: string): ResourceType[] =>
  ['serin.dev', 'flagger.app'].map((group) => ({
    group,
    version: 'v1beta1',
    plural,
    kind,
    namespaced: true,
  }));
const templateTypes = inBothGroups('metrictemplates', 'MetricTemplate');
const providerTypes = inBothGroups('alertproviders', 'AlertProvider');

export interface ClusterPortsOptions {
  client: KubeClient;
  logger: Logger;
  provider: Provider;
  metricsServer?: string | undefined;
  selectorLabels?: string[] | undefined;
  metrics?: MetricsPort;
  webhooks?: WebhookPort;
}

export interface ClusterPorts {
  ports: Ports;
  workloads: DeploymentWorkloads;
  status: KubernetesStatus;
}

/** Reads a Serin (else Flagger) document by name and validates it; errors name the field. */
function documentLookup<T>(
  client: KubeClient,
  types: ResourceType[],
  schema: {
    safeParse(
      v: unknown,
    ):
      | { success: true; data: T }
      | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } };
  },
) {
  return async (namespace: string, name: string): Promise<T | undefined> => {
    for (const type of types) {
      let raw;
      try {
        raw = await client.get(type, namespace, name);
      } catch {
        continue; // this group's CRD is not installed
      }
      if (!raw) continue;
      const parsed = schema.safeParse(raw);
      if (!parsed.success) {
        const problems = parsed.error.issues
          .map((i) => `${i.path.map(String).join('.')}: ${i.message}`)
          .join('; ');
        throw new Error(`${type.kind} ${namespace}/${name}: ${problems}`);
      }
      return parsed.data;
    }
    return undefined;
  };
}

function secretLookup(client: KubeClient) {
  return async (namespace: string, name: string): Promise<Record<string, string> | undefined> => {
    const secret = await client.get(Resources.secret, namespace, name);
    if (!secret) return undefined;
    const data = isRecord(secret.data) ? secret.data : {};
    return Object.fromEntries(
      Object.entries(data).map(([k, v]) => [
        k,
        Buffer.from(typeof v === 'string' ? v : '', 'base64').toString('utf8'),
      ]),
    );
  };
}

/**
 * The ports for one reconcile. `client` is usually a per-tick scoped client (reads shared across
 * the steps of one tick); metrics, webhooks and alerts are shared by every tick.
 */
export type PortsFactory = (client: KubeClient) => ClusterPorts;

export function clusterPorts(options: ClusterPortsOptions): PortsFactory {
  const { client, logger } = options;
  const events = new KubernetesEvents(
    client,
    () => new Date(),
    (error) => {
      logger.warn({ err: (error as Error).message }, 'could not record a Kubernetes event');
    },
  );
  const metrics =
    options.metrics ??
    createMetricsPort({
      templates: documentLookup<MetricTemplate>(client, templateTypes, MetricTemplateDocument),
      secrets: secretLookup(client),
      kubeConfig: client.config,
      metricsServer: options.metricsServer,
      // Flagger's -mesh-provider: the built-in queries of Canaries without spec.provider.
      defaultProvider: options.provider,
      // Flagger's `{{ route }}` for knative Canaries: the revision Knative created last.
      knativeRevision: async (namespace, service) =>
        latestCreatedRevisionOf(await client.get(KNATIVE_SERVICE, namespace, service)),
    });
  const notifier = createNotifier({
    providers: documentLookup<AlertProvider>(client, providerTypes, AlertProviderDocument),
    secrets: secretLookup(client),
    events: (canary, event) => events.event(canary, event),
    onError: (message) => {
      logger.warn(message);
    },
  });
  const webhooks = options.webhooks ?? createWebhookPort();
  const clock = { now: () => new Date(), random: () => Math.random() };
  const failPoints = processFailPoints((message) => {
    logger.warn(message);
  });
  return (tickClient) => {
    const workloads = new DeploymentWorkloads(tickClient, { selectorLabels: options.selectorLabels });
    const status = new KubernetesStatus(tickClient);
    // Effects outside the API server (hooks, alerts) are fenced by the same lease check as writes.
    const fence = () => tickClient.writeGuard?.();
    const ports: Ports = failPoints({
      workloads,
      router: new KubernetesRouter(tickClient, options.provider),
      metrics,
      webhooks: {
        call: (canary, hook, phase, delivery) => {
          if (delivery?.decisionId !== undefined) fence();
          return webhooks.call(canary, hook, phase, delivery);
        },
      },
      notifier: {
        event: (canary, event) => notifier.event(canary, event),
        alert: (canary, alert) => {
          fence();
          return notifier.alert(canary, alert);
        },
      },
      status,
      clock,
    });
    return { ports, workloads, status };
  };
}
