/**
 * A metric provider turns one rendered query into one number. One file per provider type; the
 * registry maps `MetricTemplate.spec.provider.type` to a factory.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { MetricProviderType, MetricTemplateProvider } from '../../api/metric-template.js';
import type { SecretData } from '../secrets.js';

/** The query answered, but there is nothing to judge: no series, or NaN (0/0: no traffic). */
export class NoDataError extends Error {}

/** A provider type Serin validates for Flagger compatibility but cannot query yet. */
export class UnsupportedProviderError extends Error {}

export interface MetricProvider {
  readonly type: MetricProviderType;
  /** The single value of `query` at `time`; throws {@link NoDataError} or an error with the provider's message. */
  queryValue(query: string, time?: Date): Promise<number>;
  /** Releases connections. */
  close(): Promise<void>;
}

export interface ProviderInput {
  spec: MetricTemplateProvider;
  /** The Secret's data (`secretRef`/`secretFile`), already read. */
  credentials: SecretData | undefined;
  /** The metric's interval (`1m`): providers that take a time window derive it from this, as Flagger does. */
  interval?: string | undefined;
  /**
   * The cluster Serin works on, for providers that read through the Kubernetes API (`keptn`,
   * `externalmetrics`), as Flagger hands them its own rest config; the default kubeconfig
   * (`$KUBECONFIG`, `~/.kube/config`, in-cluster) when absent.
   */
  kubeConfig?: KubeConfig | undefined;
}

export type ProviderFactory = (input: ProviderInput) => MetricProvider;
