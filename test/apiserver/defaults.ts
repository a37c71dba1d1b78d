import { badRequest } from './errors.js';
import { child, isObject, stringField, type JsonObject } from './json.js';

/** Defaults kube-apiserver fills in on create, limited to what controllers read back. */
export function applyCreateDefaults(key: string, object: JsonObject, serviceIp: () => string): void {
  const spec = child(object, 'spec');
  switch (key) {
    case 'apps/deployments':
      spec.replicas ??= 1;
      spec.progressDeadlineSeconds ??= 600;
      spec.revisionHistoryLimit ??= 10;
      spec.strategy ??= { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } };
      break;
    case 'apps/daemonsets':
      spec.revisionHistoryLimit ??= 10;
      spec.updateStrategy ??= { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } };
      break;
    case '/services':
      defaultService(spec, serviceIp);
      break;
    case '/namespaces':
      object.status = { phase: 'Active' };
      delete object.spec;
      break;
    case '/pods':
      object.status = { phase: 'Pending' };
      break;
    default:
      if (Object.keys(spec).length === 0) delete object.spec;
  }
}

function defaultService(spec: JsonObject, serviceIp: () => string): void {
  spec.type ??= 'ClusterIP';
  spec.sessionAffinity ??= 'None';
  if (spec.clusterIP === undefined) spec.clusterIP = serviceIp();
  if (Array.isArray(spec.ports)) {
    for (const port of spec.ports.filter(isObject)) {
      port.protocol ??= 'TCP';
      port.targetPort ??= port.port;
    }
  }
}

/**
 * Defaults kube-apiserver fills in on every update (the same defaulting as on create), for the
 * kinds whose defaults a writer may leave out: a Service keeps its allocated clusterIP when the
 * new object omits it, as the Service registry does.
 */
export function applyUpdateDefaults(key: string, previous: JsonObject, object: JsonObject): void {
  if (key !== '/services') return;
  const previousIp = isObject(previous.spec) ? previous.spec.clusterIP : undefined;
  defaultService(child(object, 'spec'), () => (typeof previousIp === 'string' ? previousIp : ''));
}

const MICRO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}(Z|[+-]\d{2}:\d{2})$/;

/**
 * Lease times are metav1.MicroTime: the real apiserver rejects anything but six fractional
 * digits (a JavaScript Date's three digits fail), so a controller tested here fails the same way.
 */
export function checkLeaseTimes(object: JsonObject): void {
  const spec = isObject(object.spec) ? object.spec : {};
  for (const field of ['acquireTime', 'renewTime']) {
    const value = stringField(spec, field);
    if (value !== undefined && !MICRO_TIME.test(value)) {
      throw badRequest(
        `Lease in version "v1" cannot be handled as a Lease: parsing time "${value}" as "2006-01-02T15:04:05.000000Z07:00": spec.${field} must be a MicroTime with six fractional digits`,
      );
    }
  }
}
