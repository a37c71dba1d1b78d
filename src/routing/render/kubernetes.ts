import { routingAnnotations } from './flux.js';
import type { Canary } from '../../api/canary.js';
import { SELECTOR_LABELS, serviceNames } from '../names.js';

/** A Kubernetes object as plain data, ready to print or send. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: Record<string, unknown>[];
    [key: string]: unknown;
  };
  spec?: Record<string, unknown>;
  [key: string]: unknown;
}

/** The parts of a target (Deployment, DaemonSet or Service) that the Services and the primary copy are built from. */
export interface TargetWorkload {
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: {
    /** A workload's label selector; a Service target's selector is a plain map (its labels). */
    selector?: { matchLabels?: Record<string, string>; [label: string]: unknown };
    template?: {
      metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
      spec?: {
        containers?: {
          name: string;
          ports?: { name?: string; containerPort: number; protocol?: string }[];
        }[];
      };
    };
    [key: string]: unknown;
  };
}

export interface Selector {
  label: string;
  /** The value the target's pods carry; the primary's pods carry `<value>-primary`. */
  value: string;
}

/**
 * The selector label as Flagger finds it: the first of `app`, `name`, `app.kubernetes.io/name` in
 * the target's `spec.selector.matchLabels`; without a target, `app: <targetRef.name>`.
 */
export function selectorOf(canary: Pick<Canary, 'spec'>, target?: TargetWorkload): Selector {
  const labels = target?.spec?.selector?.matchLabels ?? {};
  for (const label of SELECTOR_LABELS) {
    const value = labels[label];
    if (value !== undefined) return { label, value };
  }
  if (target !== undefined) {
    throw new Error(
      `${target.metadata.name}: spec.selector.matchLabels needs one of ${SELECTOR_LABELS.join(', ')} ` +
        '(the label Serin uses to tell primary pods from canary pods)',
    );
  }
  return { label: 'app', value: canary.spec.targetRef.name };
}

/** An owner reference needs the Canary's uid, which only a live object has; offline output omits it. */
export function ownerReferences(
  canary: Pick<Canary, 'apiVersion' | 'metadata'>,
): Record<string, unknown>[] | undefined {
  const uid = canary.metadata.uid;
  if (uid === undefined) return undefined;
  return [
    {
      apiVersion: canary.apiVersion,
      kind: 'Canary',
      name: canary.metadata.name,
      uid,
      controller: true,
      blockOwnerDeletion: true,
    },
  ];
}

function metadata(
  canary: Canary,
  name: string,
  labels: Record<string, string>,
  annotations: Record<string, string> | undefined,
): KubeObject['metadata'] {
  const owners = ownerReferences(canary);
  return {
    name,
    ...(canary.metadata.namespace !== undefined ? { namespace: canary.metadata.namespace } : {}),
    labels,
    annotations: routingAnnotations(annotations),
    ...(owners ? { ownerReferences: owners } : {}),
  };
}

/** Every container port of the target other than the main one, for `portDiscovery`. */
function discoveredPorts(canary: Canary, target: TargetWorkload | undefined): Record<string, unknown>[] {
  const { port, targetPort } = canary.spec.service;
  const ports: Record<string, unknown>[] = [];
  for (const container of target?.spec?.template?.spec?.containers ?? []) {
    if (container.name === 'istio-proxy' || container.name === 'envoy') continue;
    (container.ports ?? []).forEach((p, i) => {
      // As Flagger: the main port is excluded by number, or by name when targetPort names it; an
      // unnamed port never matches an unset targetPort.
      const named = typeof targetPort === 'string' && p.name === targetPort;
      if (p.containerPort === port || p.containerPort === targetPort || named) return;
      ports.push({
        name: p.name ?? `tcp-${container.name}-${i}`,
        protocol: p.protocol ?? 'TCP',
        port: p.containerPort,
        targetPort: p.containerPort,
      });
    });
  }
  return ports;
}

function servicePorts(canary: Canary, target: TargetWorkload | undefined): Record<string, unknown>[] {
  const s = canary.spec.service;
  const main: Record<string, unknown> = {
    name: s.portName ?? 'http',
    protocol: 'TCP',
    port: s.port,
    targetPort: s.targetPort ?? s.port,
    ...(s.appProtocol !== undefined ? { appProtocol: s.appProtocol } : {}),
  };
  return [main, ...(s.portDiscovery === true ? discoveredPorts(canary, target) : [])];
}

/**
 * The apex, primary and canary Services as Flagger writes them: the apex and `-primary` select
 * the primary pods, `-canary` selects the target's own pods. `sel` overrides the selector label
 * when the caller found it another way (the controller's configurable selector labels).
 */
export function renderServices(
  canary: Canary,
  target?: TargetWorkload,
  sel: Selector = selectorOf(canary, target),
): KubeObject[] {
  const names = serviceNames(canary);
  const s = canary.spec.service;
  const make = (name: string, selectorValue: string, custom: typeof s.apex): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(canary, name, { ...(custom?.labels ?? {}), [sel.label]: name }, custom?.annotations),
    spec: {
      type: 'ClusterIP',
      selector: { [sel.label]: selectorValue },
      ports: servicePorts(canary, target),
      ...(s.headless === true ? { clusterIP: 'None' } : {}),
      ...(s.trafficDistribution !== undefined ? { trafficDistribution: s.trafficDistribution } : {}),
    },
  });
  return [
    make(names.apex, `${sel.value}-primary`, s.apex),
    make(names.primary, `${sel.value}-primary`, s.primary),
    make(names.canary, sel.value, s.canary),
  ];
}

/** nodeSelector keys that park a DaemonSet canary: Serin's, and Flagger's `flagger.app/scale-to-zero`. */
export const PARKING_KEYS: readonly string[] = ['serin.dev/scale-to-zero', 'flagger.app/scale-to-zero'];

/**
 * `<target>-primary` (a Deployment or a DaemonSet, the target's kind): a copy of the target whose pods carry `<value>-primary` in the selector
 * label, so that the primary Services select them and not the canary's.
 */
export function renderPrimaryDeployment(
  canary: Canary,
  target: TargetWorkload & { apiVersion?: string; kind?: string },
): KubeObject {
  const sel = selectorOf(canary, target);
  const primaryValue = `${sel.value}-primary`;
  const spec = structuredClone(target.spec ?? {});
  spec.selector = {
    ...spec.selector,
    matchLabels: { ...spec.selector?.matchLabels, [sel.label]: primaryValue },
  };
  const template = spec.template ?? {};
  spec.template = {
    ...template,
    metadata: { ...template.metadata, labels: { ...template.metadata?.labels, [sel.label]: primaryValue } },
  };
  const podSpec = spec.template.spec as Record<string, unknown> | undefined;
  const nodeSelector = podSpec?.nodeSelector as Record<string, string> | undefined;
  if (podSpec && nodeSelector) {
    // The key that parks a DaemonSet canary (Serin's or Flagger's) never reaches the primary.
    const kept = Object.entries(nodeSelector).filter(([key]) => !PARKING_KEYS.includes(key));
    if (kept.length > 0) podSpec.nodeSelector = Object.fromEntries(kept);
    else Reflect.deleteProperty(podSpec, 'nodeSelector');
  }
  const owners = ownerReferences(canary);
  return {
    apiVersion: target.apiVersion ?? 'apps/v1',
    kind: target.kind ?? 'Deployment',
    metadata: {
      name: `${target.metadata.name}-primary`,
      ...((target.metadata.namespace ?? canary.metadata.namespace)
        ? { namespace: target.metadata.namespace ?? canary.metadata.namespace }
        : {}),
      labels: { ...target.metadata.labels, [sel.label]: primaryValue },
      ...(target.metadata.annotations ? { annotations: target.metadata.annotations } : {}),
      ...(owners ? { ownerReferences: owners } : {}),
    },
    spec,
  };
}

/** The primary copy of a Deployment or DaemonSet target (one function for both kinds). */
export const renderPrimaryWorkload = renderPrimaryDeployment;

const KUBECTL_LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
/** Fields the API server allocates for each Service: a copy must not carry the target's. */
const ALLOCATED_SERVICE_FIELDS = ['clusterIP', 'clusterIPs', 'healthCheckNodePort'];

/** A Service target's spec without what the API server allocated for it (a copy gets its own). */
export function portableServiceSpec(target: { spec?: Record<string, unknown> }): Record<string, unknown> {
  const spec = structuredClone(target.spec ?? {});
  for (const key of ALLOCATED_SERVICE_FIELDS) Reflect.deleteProperty(spec, key);
  if (Array.isArray(spec.ports)) {
    // Node ports are allocated per Service too: two Services cannot share one.
    spec.ports = spec.ports.map((port: unknown) => {
      if (typeof port !== 'object' || port === null) return port;
      const { nodePort: _nodePort, ...rest } = port as Record<string, unknown>;
      return rest;
    });
  }
  return spec;
}

/**
 * A copy of a `kind: Service` target named `name` (`<target>-primary` or `<target>-canary`), as
 * Flagger's ServiceController builds it: the target's labels, annotations (without kubectl's
 * last-applied configuration and Flux's bookkeeping) and spec, owned by the Canary, with the
 * Canary's `service.trafficDistribution` when set.
 */
export function renderServiceCopy(canary: Canary, target: TargetWorkload, name: string): KubeObject {
  const annotations = Object.fromEntries(
    Object.entries(target.metadata.annotations ?? {}).filter(
      ([key]) => key !== KUBECTL_LAST_APPLIED && !key.includes('toolkit.fluxcd.io'),
    ),
  );
  const labels = Object.fromEntries(
    Object.entries(target.metadata.labels ?? {}).filter(([key]) => !key.includes('toolkit.fluxcd.io')),
  );
  const spec = portableServiceSpec(target);
  const distribution = canary.spec.service.trafficDistribution;
  if (distribution !== undefined) spec.trafficDistribution = distribution;
  const owners = ownerReferences(canary);
  const namespace = target.metadata.namespace ?? canary.metadata.namespace;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name,
      ...(namespace !== undefined ? { namespace } : {}),
      labels,
      annotations,
      ...(owners ? { ownerReferences: owners } : {}),
    },
    spec,
  };
}

/**
 * The Services of a `kind: Service` target: its `-primary` and `-canary` copies. The target itself
 * is the apex and is not rendered (Serin never writes it). Without the target's manifest there is
 * nothing to copy, which is an error naming the field.
 */
export function renderServiceTargetCopies(canary: Canary, target: TargetWorkload | undefined): KubeObject[] {
  const name = canary.spec.targetRef.name;
  if (target === undefined)
    throw new Error(
      `spec.targetRef: Service ${name} is the target; its -primary and -canary Services are copies of it, so give its manifest (-f or --target)`,
    );
  return [
    renderServiceCopy(canary, target, `${name}-primary`),
    renderServiceCopy(canary, target, `${name}-canary`),
  ];
}
