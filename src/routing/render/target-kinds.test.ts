/**
 * What `serin generate` renders for the target kinds besides a Deployment: a DaemonSet's primary
 * (same kind, no replicas, the parking nodeSelector key left out), and a Service target's
 * `-primary`/`-canary` copies (the target itself is the apex and is not rendered). Each object is
 * validated against the published Kubernetes schema.
 */
import { describe, expect, it } from 'vitest';
import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { Service } from 'kubernetes-models/v1/Service';
import { renderCanaryObjects } from './index.js';
import { makeCanary } from './test-support.js';

const plan = { primaryWeight: 100, canaryWeight: 0, mirrored: false };

const daemonSet = {
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name: 'agent', namespace: 'test', labels: { app: 'agent' } },
  spec: {
    selector: { matchLabels: { app: 'agent' } },
    updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
    template: {
      metadata: { labels: { app: 'agent' } },
      spec: {
        nodeSelector: { 'serin.dev/scale-to-zero': 'true', 'kubernetes.io/os': 'linux' },
        containers: [{ name: 'agent', image: 'example/agent:1', ports: [{ containerPort: 9898 }] }],
      },
    },
  },
};

const service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: {
    name: 'web',
    namespace: 'test',
    labels: { app: 'web' },
    annotations: { team: 'shop', 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
  },
  spec: {
    type: 'NodePort',
    clusterIP: '10.96.0.10',
    clusterIPs: ['10.96.0.10'],
    selector: { app: 'web-v2' },
    ports: [{ name: 'http', port: 80, targetPort: 8080, nodePort: 30080 }],
  },
};

describe('generate for a DaemonSet target', () => {
  it('renders a primary DaemonSet selecting <value>-primary pods, without the parking key', () => {
    const canary = makeCanary({ port: 9898 }, undefined, {
      targetRef: { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent' },
    });
    const objects = renderCanaryObjects(canary, { plan, target: daemonSet });
    const primary = objects.find((o) => o.metadata.name === 'agent-primary' && o.kind === 'DaemonSet');
    expect(primary).toBeDefined();
    new DaemonSet(primary as never).validate();
    const spec = primary?.spec as typeof daemonSet.spec;
    expect(spec.selector.matchLabels).toEqual({ app: 'agent-primary' });
    expect(spec.template.spec.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux' });
    expect(spec).not.toHaveProperty('replicas');
    const services = objects.filter((o) => o.kind === 'Service');
    expect(services.map((s) => [s.metadata.name, (s.spec as { selector: unknown }).selector])).toEqual([
      ['agent', { app: 'agent-primary' }],
      ['agent-primary', { app: 'agent-primary' }],
      ['agent-canary', { app: 'agent' }],
    ]);
  });
});

describe('generate for a Service target', () => {
  const canary = makeCanary({ port: 80 }, undefined, {
    targetRef: { apiVersion: 'v1', kind: 'Service', name: 'web' },
  });

  it('renders the -primary and -canary copies of the target, not the target, and the routing', () => {
    const objects = renderCanaryObjects(canary, { plan, target: service });
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Service/web-primary',
      'Service/web-canary',
      'DestinationRule/web-primary',
      'DestinationRule/web-canary',
      'VirtualService/web',
    ]);
    for (const copy of objects.filter((o) => o.kind === 'Service')) {
      new Service(copy as never).validate();
      // Allocated per Service by the API server: a copy must not ask for the target's.
      expect(copy.spec).toEqual({
        type: 'NodePort',
        selector: { app: 'web-v2' },
        ports: [{ name: 'http', port: 80, targetPort: 8080 }],
      });
      expect(copy.metadata.annotations).toEqual({ team: 'shop' });
    }
  });

  it('without the target manifest, says which manifest it needs', () => {
    expect(() => renderCanaryObjects(canary, { plan })).toThrow(
      /spec\.targetRef: Service web is the target; its -primary and -canary Services are copies of it/,
    );
  });
});
