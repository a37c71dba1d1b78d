import { z } from 'zod';
import { LocalReference, ObjectMeta } from './common.js';

/** Flagger's provider types plus Serin's `generic` JSON webhook. */
export const ALERT_PROVIDER_TYPES = ['slack', 'msteams', 'discord', 'rocket', 'gchat', 'generic'] as const;
export type AlertProviderType = (typeof ALERT_PROVIDER_TYPES)[number];

export const AlertProviderSpec = z.strictObject({
  type: z.enum(ALERT_PROVIDER_TYPES, { error: `expected one of ${ALERT_PROVIDER_TYPES.join(', ')}` }),
  channel: z.string().optional(),
  username: z.string().optional(),
  /** The webhook URL. Prefer `secretRef` (key `address`) so the URL is never stored in plain text. */
  address: z.string().optional(),
  proxy: z.string().optional(),
  secretRef: LocalReference.optional(),
  /** Serin (local mode): a file holding the webhook URL, or `address=`/`token=` lines. */
  secretFile: z.string().optional(),
  /** Serin: a message template with `{{ name }}`, `{{ namespace }}`, `{{ phase }}`, `{{ message }}`. */
  messageTemplate: z.string().optional(),
});
export type AlertProviderSpec = z.output<typeof AlertProviderSpec>;

export const AlertProviderDocument = z.strictObject({
  apiVersion: z.string(),
  kind: z.literal('AlertProvider'),
  metadata: ObjectMeta,
  spec: AlertProviderSpec,
});
export type AlertProvider = z.output<typeof AlertProviderDocument>;
