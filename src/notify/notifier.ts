/**
 * The alert half of the engine's NotifierPort: each alert goes to the Canary's `analysis.alerts`
 * entries whose severity admits it, through their AlertProviders. Delivery failures never fail
 * the rollout: they are reported to `onError` with the address redacted.
 */
import type { AlertProvider } from '../api/alert-provider.js';
import type { Canary } from '../api/canary.js';
import type { NotifierPort, Severity } from '../engine/ports.js';
import { resolveSecret, type SecretLookup } from '../analysis/secrets.js';
import { renderTemplate } from '../analysis/template.js';
import { PAYLOADS } from './providers/index.js';
import { postJson } from './send.js';
import { receives } from './severity.js';
import type { AlertMessage } from './types.js';

export type AlertProviderLookup = (namespace: string, name: string) => Promise<AlertProvider | undefined>;

export type EventSink = (
  canary: Canary,
  event: { type: 'Normal' | 'Warning'; reason: string; message: string },
) => Promise<void> | void;

export interface NotifierOptions {
  providers: AlertProviderLookup;
  secrets?: SecretLookup | undefined;
  /** Where `event()` goes (Kubernetes Events, the local log, the dashboard). */
  events?: EventSink | undefined;
  /** Providers for Canaries with no `analysis.alerts` (Flagger's global notifier); no severity filter. */
  defaultProviders?: AlertProvider[] | undefined;
  /** Delivery problems; messages never contain webhook addresses or tokens. */
  onError?: (message: string) => void;
  /** Fixed clock for tests. */
  now?: () => Date;
}

interface Target {
  provider: AlertProvider;
  /** The alert entry's name, or `default`. */
  entry: string;
}

function messageFor(
  canary: Canary,
  alert: { severity: Severity; message: string; fields?: Record<string, string>; id?: string },
  time: Date,
): AlertMessage {
  return {
    ...(alert.id !== undefined ? { decisionId: alert.id } : {}),
    name: canary.metadata.name,
    namespace: canary.metadata.namespace ?? 'default',
    phase: canary.status?.phase ?? 'Unknown',
    severity: alert.severity,
    text: alert.message,
    fields: { ...(alert.fields ?? {}) },
    time: time.toISOString(),
  };
}

/** Applies the provider's `messageTemplate` with name, namespace, phase, severity, target and message. */
export function applyTemplate(template: string | undefined, message: AlertMessage, target: string): string {
  if (template === undefined) return message.text;
  return renderTemplate(template, {
    values: {
      name: message.name,
      namespace: message.namespace,
      phase: message.phase,
      severity: message.severity,
      message: message.text,
      target,
    },
    variables: {},
  });
}

async function deliver(
  canary: Canary,
  target: Target,
  message: AlertMessage,
  secrets: SecretLookup | undefined,
): Promise<void> {
  const spec = target.provider.spec;
  const namespace = target.provider.metadata.namespace ?? canary.metadata.namespace ?? 'default';
  const secret = await resolveSecret(spec, namespace, secrets, 'address');
  const address = secret?.address ?? spec.address;
  if (address === undefined || address === '') {
    throw new Error('no address: set spec.address, or the key "address" in its Secret or secretFile');
  }
  const text = applyTemplate(spec.messageTemplate, message, canary.spec.targetRef.name);
  const delivery = PAYLOADS[spec.type](
    { ...message, text },
    { channel: spec.channel ?? 'general', username: spec.username ?? 'serin' },
    address,
  );
  await postJson(delivery.url, delivery.body, { token: secret?.token, proxy: spec.proxy });
}

/** How many decision ids the notifier remembers, to drop an alert it already sent. */
const REMEMBERED_ALERTS = 1000;

export function createNotifier(options: NotifierOptions): NotifierPort {
  const report = options.onError ?? (() => undefined);
  const sent = new Set<string>();

  async function targetsFor(canary: Canary, severity: Severity): Promise<Target[]> {
    const alerts = (canary.spec.analysis ?? canary.spec.canaryAnalysis)?.alerts;
    if (alerts === undefined || alerts.length === 0) {
      return (options.defaultProviders ?? []).map((provider) => ({ provider, entry: 'default' }));
    }
    const targets: Target[] = [];
    for (const entry of alerts.filter((a) => receives(a.severity, severity))) {
      const namespace = entry.providerRef.namespace ?? canary.metadata.namespace ?? 'default';
      const provider = await options.providers(namespace, entry.providerRef.name).catch(() => undefined);
      if (provider === undefined)
        report(`alert ${entry.name}: AlertProvider ${namespace}/${entry.providerRef.name} not found`);
      else targets.push({ provider, entry: entry.name });
    }
    return targets;
  }

  return {
    async event(canary, event) {
      await options.events?.(canary, event);
    },
    async alert(canary, alert) {
      // The same decision's alert again (the engine retrying an effect): already delivered.
      const key =
        alert.id === undefined
          ? undefined
          : `${canary.metadata.namespace ?? ''}/${canary.metadata.name}/${alert.id}`;
      if (key !== undefined && sent.has(key)) return;
      if (key !== undefined) {
        sent.add(key);
        if (sent.size > REMEMBERED_ALERTS) sent.delete(sent.values().next().value ?? key);
      }
      const message = messageFor(canary, alert, options.now?.() ?? new Date());
      const targets = await targetsFor(canary, alert.severity);
      await Promise.all(
        targets.map((target) =>
          deliver(canary, target, message, options.secrets).catch((error: unknown) => {
            const p = target.provider;
            report(
              `alert ${target.entry} via ${p.spec.type} provider ${p.metadata.namespace ?? ''}/${p.metadata.name}: ${(error as Error).message}`,
            );
          }),
        ),
      );
    },
  };
}
