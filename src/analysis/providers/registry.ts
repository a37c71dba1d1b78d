import { METRIC_PROVIDER_TYPES, type MetricProviderType } from '../../api/metric-template.js';
import { createCloudWatchProvider } from './cloudwatch.js';
import { createDatadogProvider } from './datadog.js';
import { createDynatraceProvider } from './dynatrace.js';
import { createExternalMetricsProvider } from './externalmetrics.js';
import { createGraphiteProvider } from './graphite.js';
import { createInfluxDbProvider } from './influxdb.js';
import { createKeptnProvider } from './keptn.js';
import { createNewRelicProvider } from './newrelic.js';
import { createPrometheusProvider } from './prometheus.js';
import { createSplunkProvider } from './splunk.js';
import { createStackdriverProvider } from './stackdriver.js';
import { UnsupportedProviderError, type MetricProvider, type ProviderFactory } from './types.js';

/**
 * Providers Serin can query: every type Flagger knows. A type added to the schema without a
 * factory validates but reports "not supported yet" when evaluated.
 */
const FACTORIES: Partial<Record<MetricProviderType, ProviderFactory>> = {
  prometheus: createPrometheusProvider,
  datadog: createDatadogProvider,
  newrelic: createNewRelicProvider,
  dynatrace: createDynatraceProvider,
  graphite: createGraphiteProvider,
  cloudwatch: createCloudWatchProvider,
  influxdb: createInfluxDbProvider,
  externalmetrics: createExternalMetricsProvider,
  keptn: createKeptnProvider,
  stackdriver: createStackdriverProvider,
  splunk: createSplunkProvider,
};

function unsupported(type: MetricProviderType): ProviderFactory {
  return () => {
    const provider: MetricProvider = {
      type,
      queryValue: () =>
        Promise.reject(
          new UnsupportedProviderError(
            `provider ${type} is not supported yet (supported: ${supportedProviderTypes().join(', ')})`,
          ),
        ),
      close: () => Promise.resolve(),
    };
    return provider;
  };
}

export function supportedProviderTypes(): MetricProviderType[] {
  return METRIC_PROVIDER_TYPES.filter((t) => FACTORIES[t] !== undefined);
}

export function providerFactory(type: MetricProviderType): ProviderFactory {
  return FACTORIES[type] ?? unsupported(type);
}
