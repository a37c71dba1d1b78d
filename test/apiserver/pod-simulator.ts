import { createHash } from 'node:crypto';

import { clone, isObject, stringMap, type JsonObject } from './json.js';
import type { ResourceRef, ResourceService } from './objects.js';
import { identityOf } from './store.js';

const PODS = '/pods';

export type PodReadiness = 'all' | 'none' | 'stuck' | 'crash-loop';

function ownedBy(pod: JsonObject, uid: string): boolean {
  const references = isObject(pod.metadata) ? pod.metadata.ownerReferences : undefined;
  return (
    Array.isArray(references) && references.some((reference) => isObject(reference) && reference.uid === uid)
  );
}

function templateHash(template: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(template ?? {}))
    .digest('hex')
    .slice(0, 10);
}

function podStatus(ready: boolean, index: number): JsonObject {
  const flag = ready ? 'True' : 'False';
  return {
    phase: 'Running',
    podIP: `10.244.${Math.floor(index / 250)}.${(index % 250) + 2}`,
    conditions: [
      { type: 'Ready', status: flag },
      { type: 'ContainersReady', status: flag },
    ],
  };
}

/** What the kubelet reports for a container that keeps exiting with code 1: back-off, restarts. */
function crashLoopStatuses(template: JsonObject, podName: string): JsonObject[] {
  const spec = isObject(template.spec) ? template.spec : {};
  const containers = Array.isArray(spec.containers) ? spec.containers.filter(isObject) : [];
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  return containers.map((container) => {
    const name = typeof container.name === 'string' ? container.name : 'app';
    return {
      name,
      image: container.image,
      ready: false,
      started: false,
      restartCount: 4,
      state: {
        waiting: {
          reason: 'CrashLoopBackOff',
          message: `back-off 1m20s restarting failed container=${name} pod=${podName}`,
        },
      },
      lastState: { terminated: { exitCode: 1, reason: 'Error', startedAt: now, finishedAt: now } },
    };
  });
}

/** Whether the pod's status already says Running with this readiness and crash state. */
function reportsAlready(pod: JsonObject, ready: boolean, crashing: boolean): boolean {
  if (!isObject(pod.status) || pod.status.phase !== 'Running') return false;
  const conditions = Array.isArray(pod.status.conditions) ? pod.status.conditions : undefined;
  const currentReady = conditions?.some(
    (condition) => isObject(condition) && condition.type === 'Ready' && condition.status === 'True',
  );
  return currentReady === ready && Array.isArray(pod.status.containerStatuses) === crashing;
}

/**
 * Keeps one Pod per replica for a Deployment, named `<deployment>-<template hash>-<index>` and owned by
 * it, Running and Ready (or not) as the simulated rollout says. A new template replaces the pods,
 * except in a stuck rollout, where the old pods stay and one new pod never gets ready.
 */
export class PodSimulator {
  private podCounter = 0;

  constructor(private readonly service: ResourceService) {}

  private ref(namespace: string | undefined): ResourceRef {
    const type = this.service.registry.byKey(PODS);
    if (!type) throw new Error('pods are not served');
    return { type, version: 'v1', namespace };
  }

  sync(deployment: JsonObject, readiness: PodReadiness): void {
    const { namespace, name, uid } = identityOf(deployment);
    const spec = isObject(deployment.spec) ? deployment.spec : {};
    const template = isObject(spec.template) ? spec.template : {};
    const replicas = typeof spec.replicas === 'number' ? spec.replicas : 1;
    const hash = templateHash(template);
    const existing = this.service.store.list(PODS, namespace).filter((pod) => ownedBy(pod, uid));
    const newCount = readiness === 'stuck' ? Math.min(1, replicas) : replicas;
    const wanted = new Map<string, boolean>();
    for (let index = 0; index < newCount; index += 1)
      wanted.set(`${name}-${hash}-${index}`, readiness === 'all');
    const crashing = readiness === 'crash-loop';
    for (const pod of existing) {
      const podName = identityOf(pod).name;
      const old = !podName.startsWith(`${name}-${hash}-`);
      if (readiness === 'stuck' && old) wanted.set(podName, true);
    }
    for (const pod of existing) {
      if (wanted.has(identityOf(pod).name)) continue;
      this.service.delete(this.ref(namespace), identityOf(pod).name, { dryRun: false });
      this.service.podLogs.forget(namespace ?? 'default', identityOf(pod).name);
    }
    for (const [podName, ready] of wanted) this.ensure(deployment, template, hash, podName, ready, crashing);
  }

  private ensure(
    deployment: JsonObject,
    template: JsonObject,
    hash: string,
    podName: string,
    ready: boolean,
    crashing = false,
  ): void {
    const { namespace, name, uid } = identityOf(deployment);
    let pod = this.service.store.get(PODS, namespace, podName);
    if (!pod) {
      const labels = {
        ...stringMap(isObject(template.metadata) ? template.metadata.labels : undefined),
        'pod-template-hash': hash,
      };
      const ownerReferences = [
        { apiVersion: 'apps/v1', kind: 'Deployment', name, uid, controller: true, blockOwnerDeletion: true },
      ];
      this.service.create(
        this.ref(namespace),
        { metadata: { name: podName, labels, ownerReferences }, spec: clone(template.spec ?? {}) },
        { manager: 'kube-controller-manager', dryRun: false },
      );
      pod = this.service.store.get(PODS, namespace, podName);
      this.podCounter += 1;
      this.writeLogs(namespace ?? 'default', podName, template, 'start');
    }
    if (!pod) return;
    const crashReported = isObject(pod.status) && Array.isArray(pod.status.containerStatuses);
    if (reportsAlready(pod, ready, crashing)) return;
    const previousIp =
      isObject(pod.status) && typeof pod.status.podIP === 'string' ? pod.status.podIP : undefined;
    const status = podStatus(ready, this.podCounter);
    if (previousIp !== undefined) status.podIP = previousIp;
    if (crashing) status.containerStatuses = crashLoopStatuses(template, podName);
    if (crashing && !crashReported) this.writeLogs(namespace ?? 'default', podName, template, 'crash');
    this.service.systemUpdate(PODS, { ...clone(pod), status });
  }

  /**
   * What each container "wrote": a start line naming its image, and for a crash-looping pod a
   * previous instance that died on a configuration error whose URL carries a password (what a
   * log reader must redact).
   */
  private writeLogs(namespace: string, podName: string, template: JsonObject, what: 'start' | 'crash'): void {
    const spec = isObject(template.spec) ? template.spec : {};
    const containers = Array.isArray(spec.containers) ? spec.containers.filter(isObject) : [];
    for (const container of containers) {
      const name = typeof container.name === 'string' ? container.name : 'app';
      const image = typeof container.image === 'string' ? container.image : 'unknown';
      const log = (line: string): void => {
        this.service.podLogs.write(namespace, podName, name, line);
      };
      if (what === 'start') {
        log(`starting ${image}`);
        log('listening on :9898');
        continue;
      }
      log('connecting to postgres://app:s3cr3t-pass@db:5432/app');
      log('fatal: database is unreachable, exiting with code 1');
      this.service.podLogs.restart(namespace, podName, name);
      log(`starting ${image}`);
    }
  }
}
