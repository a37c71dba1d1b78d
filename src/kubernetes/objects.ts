/** Small helpers over plain Kubernetes JSON objects. */
import { createHash } from 'node:crypto';
import type { Canary } from '../api/canary.js';
import type { KubeObject, OwnerReference } from './client.js';

export type Json = Record<string, unknown>;

export function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** JSON with sorted keys, so hashes do not depend on the order a server returns fields in. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (isRecord(value)) {
    const keys = Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stableJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function canaryNamespace(canary: Canary): string {
  return canary.metadata.namespace ?? 'default';
}

export function ownerReferenceTo(canary: Canary): OwnerReference {
  return {
    apiVersion: canary.apiVersion,
    kind: 'Canary',
    name: canary.metadata.name,
    uid: canary.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function isOwnedBy(object: KubeObject, canary: Canary): boolean {
  return (object.metadata.ownerReferences ?? []).some(
    (ref) => ref.kind === 'Canary' && ref.controller === true && ref.uid === canary.metadata.uid,
  );
}

/** Flux's bookkeeping must never be copied onto objects Serin creates (Flux would prune them). */
export function withoutFluxKeys(map: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(map ?? {}).filter(([k]) => !k.includes('toolkit.fluxcd.io')));
}

/** The apex Service name: `service.name`, else the target's name. */
export function apexName(canary: Canary): string {
  return canary.spec.service.name ?? canary.spec.targetRef.name;
}

export const primaryName = (name: string): string => `${name}-primary`;
export const canaryServiceName = (canary: Canary): string => `${apexName(canary)}-canary`;
export const primaryServiceName = (canary: Canary): string => `${apexName(canary)}-primary`;
