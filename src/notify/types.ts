import type { Severity } from '../engine/ports.js';

/** One alert, as every provider formats it. */
export interface AlertMessage {
  /** Canary name and namespace: Slack shows them as the author, Teams as the title. */
  name: string;
  namespace: string;
  phase: string;
  severity: Severity;
  /** The text after the provider's `messageTemplate`, if any. */
  text: string;
  fields: Record<string, string>;
  /** When the alert was raised (ISO time). */
  time: string;
  /** The engine decision the alert belongs to; a repeat after a crash carries the same id. */
  decisionId?: string;
}

export interface ProviderSettings {
  channel: string;
  username: string;
}

/** What to POST where: a provider may adjust the address (Discord's Slack-compatible path). */
export interface Delivery {
  url: string;
  body: unknown;
}

export type PayloadBuilder = (alert: AlertMessage, settings: ProviderSettings, address: string) => Delivery;
