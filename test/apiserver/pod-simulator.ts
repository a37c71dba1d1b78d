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
      if (!wanted.has(identityOf(pod).name))
        this.service.delete(this.ref(namespace), identityOf(pod).name, { dryRun: false });
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
    }
    if (!pod) return;
    const currentReady =
      isObject(pod.status) && Array.isArray(pod.status.conditions)
        ? pod.status.conditions.some(
            (condition) => isObject(condition) && condition.type === 'Ready' && condition.status === 'True',
          )
        : undefined;
    const crashReported = isObject(pod.status) && Array.isArray(pod.status.containerStatuses);
    if (
      isObject(pod.status) &&
      pod.status.phase === 'Running' &&
      currentReady === ready &&
      crashReported === crashing
    )
      return;
    const previousIp =
      isObject(pod.status) && typeof pod.status.podIP === 'string' ? pod.status.podIP : undefined;
    const status = podStatus(ready, this.podCounter);
    if (previousIp !== undefined) status.podIP = previousIp;
    if (crashing) status.containerStatuses = crashLoopStatuses(template, podName);
    this.service.systemUpdate(PODS, { ...clone(pod), status });
  }
}
