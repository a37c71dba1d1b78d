/** One finding of the capability checks (capabilities.ts): what Serin does not run, naming the field. */
export type CapabilityReason = 'Invalid' | 'NotSupported' | 'Ignored';

export interface CapabilityIssue {
  /** Dotted path from the document root, e.g. `spec.provider`. */
  path: string;
  message: string;
  severity: 'error' | 'warning';
  reason: CapabilityReason;
}

/** A feature Serin does not implement (yet), with what it does support. */
export const notYet = (path: string, what: string, supported: readonly string[]): CapabilityIssue => ({
  path,
  message: `${what} is not supported by Serin yet (supported: ${supported.join(', ')})`,
  severity: 'error',
  reason: 'NotSupported',
});

/** A value Serin cannot run as given (a missing reference, a contradiction). */
export const invalid = (path: string, message: string): CapabilityIssue => ({
  path,
  message,
  severity: 'error',
  reason: 'Invalid',
});

/** A field Flagger reads only in another setting: warned about, never silently dropped. */
export const ignored = (path: string, message: string): CapabilityIssue => ({
  path,
  message,
  severity: 'warning',
  reason: 'Ignored',
});

/** A provider cannot express this at all (not planned): refused, naming the field and the provider. */
export const unsupportedBy = (path: string, provider: string, what: string): CapabilityIssue => ({
  path,
  message: `${what}: the ${provider} provider cannot express it`,
  severity: 'error',
  reason: 'NotSupported',
});
