/**
 * Keptn's metrics CRDs (`metrics.keptn.sh`, v1beta1), for suites of the `keptn` metric provider.
 * Not registered by default: a cluster has them only when Keptn is installed, so a suite calls
 * `server.registerCrd(...)` for each.
 *
 * Schema facts relied on (Keptn's CRD reference for KeptnMetric and Analysis, v1beta1):
 * - KeptnMetric `spec`: `provider.name`, `query` and `fetchIntervalSeconds` are required; `range`
 *   (`interval`, `step`, `aggregation`, `storedResults`) is optional. Keptn writes `status.value`
 *   (the value as a decimal string), `status.rawValue` (bytes), `status.lastUpdated`,
 *   `status.errMsg` and `status.intervalResults`.
 * - Analysis `spec`: `analysisDefinition.name` (and optional `namespace`) is required;
 *   `timeframe` is either `recent` (a duration) or `from`/`to`; `args` is a map of strings;
 *   `storeValues` a boolean. Keptn writes `status.state` (`Pending`, `Progressing`,
 *   `Completed`), `status.pass`, `status.warning`, `status.raw`, `status.timeframe` and
 *   `status.storedValues`.
 */
import type { JsonObject } from './json.js';
import { crdObject } from './standard-crds.js';

const string: JsonObject = { type: 'string' };
const anyObject: JsonObject = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };

const keptnMetricSchema: JsonObject = {
  type: 'object',
  properties: {
    apiVersion: string,
    kind: string,
    metadata: { type: 'object' },
    spec: {
      type: 'object',
      required: ['fetchIntervalSeconds', 'provider', 'query'],
      properties: {
        fetchIntervalSeconds: { type: 'integer' },
        provider: { type: 'object', required: ['name'], properties: { name: string } },
        query: string,
        range: {
          type: 'object',
          properties: {
            interval: string,
            step: string,
            aggregation: { type: 'string', enum: ['p90', 'p95', 'p99', 'max', 'min', 'avg', 'median'] },
            storedResults: { type: 'integer', maximum: 255 },
          },
        },
      },
    },
    status: {
      type: 'object',
      properties: {
        value: string,
        rawValue: { type: 'string', format: 'byte' },
        lastUpdated: { type: 'string', format: 'date-time' },
        errMsg: string,
        intervalResults: { type: 'array', items: anyObject },
      },
    },
  },
};

const analysisSchema: JsonObject = {
  type: 'object',
  properties: {
    apiVersion: string,
    kind: string,
    metadata: { type: 'object' },
    spec: {
      type: 'object',
      required: ['analysisDefinition', 'timeframe'],
      properties: {
        analysisDefinition: {
          type: 'object',
          required: ['name'],
          properties: { name: string, namespace: string },
        },
        timeframe: {
          type: 'object',
          properties: {
            recent: string,
            from: { type: 'string', format: 'date-time' },
            to: { type: 'string', format: 'date-time' },
          },
        },
        args: { type: 'object', additionalProperties: string },
        storeValues: { type: 'boolean' },
      },
    },
    status: {
      type: 'object',
      properties: {
        state: string,
        pass: { type: 'boolean' },
        warning: { type: 'boolean' },
        raw: string,
        timeframe: { type: 'object', properties: { from: string, to: string } },
        storedValues: anyObject,
      },
    },
  },
};

export function keptnMetricCrd(): JsonObject {
  return crdObject({
    group: 'metrics.keptn.sh',
    kind: 'KeptnMetric',
    plural: 'keptnmetrics',
    versions: ['v1beta1'],
    schemas: { v1beta1: keptnMetricSchema },
  });
}

export function keptnAnalysisCrd(): JsonObject {
  return crdObject({
    group: 'metrics.keptn.sh',
    kind: 'Analysis',
    plural: 'analyses',
    versions: ['v1beta1'],
    schemas: { v1beta1: analysisSchema },
  });
}
