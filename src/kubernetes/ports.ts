/**
 * Assembles the engine's ports on a cluster: workloads, routing, status, events from this module;
 * metrics from src/analysis; webhooks and alerts through the interim adapters until their owners'
 * implementations are wired.
 */
import type { Logger } from 'pino';
import { MetricTemplateDocument, type MetricTemplate } from '../api/metric-template.js';
import { createMetricsPort } from '../analysis/metrics-port.js';
import type { MetricsPort, Ports, WebhookPort } from '../engine/ports.js';
import type { KubeClient } from './client.js';
import { KubernetesEvents } from './events.js';
import { loggingAlerts, minimalWebhookPort } from './interim-adapters.js';
import { isRecord } from './objects.js';
import { Resources, type ResourceType } from './resources.js';
import { KubernetesRouter, type Provider } from './router.js';
import { KubernetesStatus } from './status.js';
import { DeploymentWorkloads } from './workloads.js';

const templateTypes: ResourceType[] = [
  {
    group: 'serin.dev',
    version: 'v1beta1',
    plural: 'metrictemplates',
    kind: 'MetricTemplate',
    namespaced: true,
  },
  {
    group: 'flagger.app',
    version: 'v1beta1',
    plural: 'metrictemplates',
    kind: 'MetricTemplate',
    namespaced: true,
  },
];

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

function templateLookup(client: KubeClient) {
  return async (namespace: string, name: string): Promise<MetricTemplate | undefined> => {
    for (const type of templateTypes) {
      let raw;
      try {
        raw = await client.get(type, namespace, name);
      } catch {
        continue; // this group's CRD is not installed
      }
      if (!raw) continue;
      const parsed = MetricTemplateDocument.safeParse(raw);
      if (!parsed.success) {
        throw new Error(
          `MetricTemplate ${namespace}/${name}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
        );
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

export function clusterPorts(options: ClusterPortsOptions): ClusterPorts {
  const { client, logger } = options;
  const workloads = new DeploymentWorkloads(client, { selectorLabels: options.selectorLabels });
  const status = new KubernetesStatus(client);
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
      templates: templateLookup(client),
      secrets: secretLookup(client),
      metricsServer: options.metricsServer,
    });
  const ports: Ports = {
    workloads,
    router: new KubernetesRouter(client, options.provider),
    metrics,
    webhooks: options.webhooks ?? minimalWebhookPort(),
    notifier: { event: (canary, event) => events.event(canary, event), alert: loggingAlerts(logger) },
    status,
    clock: { now: () => new Date(), random: () => Math.random() },
  };
  return { ports, workloads, status };
}
