/**
 * The syntax rules Istio's validation applies to names: DNS labels and hosts, label selectors,
 * header names and values, gateway references, exportTo. Each returns why a value is refused, or
 * undefined when Istio accepts it.
 */
import { isIP } from 'node:net';
import { re2Error } from '../../re2.js';
import type { StringMatch } from '../types.js';

const DNS1123_LABEL = /^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$/;
const WILDCARD_LABEL = /^(\*|(\*|\*-)?[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?)$/;
const QUALIFIED_NAME = /^(?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_PREFIX =
  /^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?)*$/;
/** RFC 7230 token characters. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~A-Za-z0-9]+$/;
const PSEUDO_HEADERS = new Set([':method', ':scheme', ':authority', ':path', ':status']);
const JWT_CLAIM_PREFIX = '@request.auth.claims';

export function isDns1123Label(value: string): boolean {
  return value.length <= 63 && DNS1123_LABEL.test(value);
}

export const isIpAddress = (value: string): boolean => isIP(value) !== 0;

function dnsPreconditions(name: string): string | undefined {
  if (name.length > 255) return `domain name ${JSON.stringify(name)} too long (max 255)`;
  if (name.length === 0) return 'empty domain name not allowed';
  return undefined;
}

function dnsLabels(domain: string): string | undefined {
  const parts = domain.split('.');
  const top = parts[parts.length - 1] ?? '';
  if (/^[+-]?\d+$/.test(top))
    return `domain name ${JSON.stringify(domain)} invalid (top level domain ${JSON.stringify(top)} cannot be all-numeric)`;
  for (const [i, label] of parts.entries()) {
    // A trailing dot (`istio.io.`) is allowed.
    if (i === parts.length - 1 && label === '') return undefined;
    if (!isDns1123Label(label))
      return `domain name ${JSON.stringify(domain)} invalid (label ${JSON.stringify(label)} invalid)`;
  }
  return undefined;
}

/** A fully qualified name: DNS labels, no wildcard. */
export function fqdnError(name: string): string | undefined {
  return dnsPreconditions(name) ?? dnsLabels(name);
}

/** A host that may start with a wildcard label (`*.example.com`, `*`), but not `foo.*`. */
export function wildcardDomainError(domain: string): string | undefined {
  const pre = dnsPreconditions(domain);
  if (pre !== undefined) return pre;
  const dot = domain.indexOf('.');
  const first = dot < 0 ? domain : domain.slice(0, dot);
  if (first.length > 63 || !WILDCARD_LABEL.test(first))
    return `domain name ${JSON.stringify(domain)} invalid (label ${JSON.stringify(first)} invalid)`;
  return dot < 0 ? undefined : dnsLabels(domain.slice(dot + 1));
}

/** Label keys (optionally `prefix/name`) and values of a selector. */
export function labelsError(labels: Record<string, string> | undefined): string | undefined {
  for (const [key, value] of Object.entries(labels ?? {})) {
    const slash = key.lastIndexOf('/');
    const prefix = slash < 0 ? undefined : key.slice(0, slash);
    const name = slash < 0 ? key : key.slice(slash + 1);
    const badPrefix = prefix !== undefined && (prefix.length > 253 || !DNS_PREFIX.test(prefix));
    if (badPrefix || name.length > 63 || !QUALIFIED_NAME.test(name))
      return `invalid label key ${JSON.stringify(key)}`;
    if (value !== '' && (value.length > 63 || !QUALIFIED_NAME.test(value)))
      return `invalid label value ${JSON.stringify(value)} for key ${JSON.stringify(key)}`;
  }
  return undefined;
}

export const isJwtClaimHeader = (name: string): boolean => name.startsWith(`${JWT_CLAIM_PREFIX}[`);

/** A header name in a match: a token, an HTTP/2 pseudo-header, or a JWT claim (`@request.auth.claims[...]`). */
export function matchHeaderNameError(name: string): string | undefined {
  if (name === '') return 'header name cannot be empty';
  if (isJwtClaimHeader(name) || PSEUDO_HEADERS.has(name)) return undefined;
  return HEADER_NAME.test(name)
    ? undefined
    : `header name ${JSON.stringify(name)} is not a valid header name`;
}

export function corsHeaderNameError(name: string): string | undefined {
  if (name === '') return 'header name cannot be empty';
  if (name === '*') return undefined;
  return HEADER_NAME.test(name)
    ? undefined
    : `header name ${JSON.stringify(name)} is not a valid header name`;
}

const isAuthority = (name: string): boolean => {
  const lower = name.toLowerCase();
  return lower === ':authority' || lower === 'host';
};

/** A header Serin may add or set on a request: not a pseudo-header (the authority is checked apart). */
export function requestSetHeaderError(name: string): string | undefined {
  if (name === '') return 'header name cannot be empty';
  if (name.startsWith(':') && !isAuthority(name))
    return `invalid header ${JSON.stringify(name)}: header cannot have ":" prefix`;
  return undefined;
}

/** A header removed from a request, or changed on a response: not Host, not a pseudo-header. */
export function headerOperationError(name: string): string | undefined {
  if (name === '') return 'header name cannot be empty';
  if (name.toLowerCase() === 'host') return `invalid header ${JSON.stringify(name)}: cannot set Host header`;
  if (name.startsWith(':')) return `invalid header ${JSON.stringify(name)}: header cannot have ":" prefix`;
  return undefined;
}

export const isAuthorityHeader = isAuthority;

/**
 * A header value as Envoy reads it: no control characters, and `%` either doubled or opening a
 * `%VARIABLE%` (or `%VARIABLE(args)%`) that is closed.
 */
export function headerValueError(value: string): string | undefined {
  // eslint-disable-next-line no-control-regex -- the control characters are what is refused
  if (/[\u0000-\u0008\u000A-\u001F\u007F]/.test(value))
    return `header value ${JSON.stringify(value)} contains control characters`;
  let inVariable = false;
  let depth = 0;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (!inVariable) {
      if (ch !== '%') continue;
      if (value[i + 1] === '%') i++;
      else if (i + 1 >= value.length) return `header value ${JSON.stringify(value)}: un-escaped %`;
      else inVariable = true;
    } else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === '%' && depth <= 0) inVariable = false;
  }
  return inVariable ? `header value ${JSON.stringify(value)}: unterminated %VARIABLE%` : undefined;
}

/** `exact`/`prefix`/`regex` as Istio checks them; `emptyPrefixOk` for `uri`, where Envoy allows it. */
export function stringMatchError(
  match: StringMatch | undefined,
  where: string,
  emptyPrefixOk = false,
): { message: string; regex: boolean } | undefined {
  if (match === undefined) return undefined;
  if (match.prefix !== undefined && match.prefix === '' && !emptyPrefixOk)
    return { message: `${where}: prefix string match should not be empty`, regex: false };
  if (match.regex === undefined) return undefined;
  if (match.regex === '')
    return { message: `${where}: regex string match should not be empty`, regex: false };
  const why = re2Error(match.regex);
  return why === undefined
    ? undefined
    : { message: `${where}: regex ${JSON.stringify(match.regex)}: ${why} (Istio uses RE2)`, regex: true };
}

/** References to gateways: `namespace/name`, or the legacy `name.namespace` (a warning), or `mesh`. */
export function gatewayNameIssues(name: string): { error?: string; warning?: string } {
  const slash = name.indexOf('/');
  if (slash < 0) {
    const warning = name.includes('.')
      ? `gateway ${JSON.stringify(name)} uses the legacy name.namespace form; prefer namespace/name (${name.split('.')[1] ?? ''}/${name.split('.')[0] ?? ''})`
      : undefined;
    const error = fqdnError(name);
    return { ...(error === undefined ? {} : { error }), ...(warning === undefined ? {} : { warning }) };
  }
  const ns = name.slice(0, slash);
  const gw = name.slice(slash + 1);
  if (ns === '' || gw === '') return { error: 'config namespace and gateway name cannot be empty' };
  if (!isDns1123Label(ns)) return { error: `invalid value for namespace: ${JSON.stringify(ns)}` };
  if (!isDns1123Label(gw)) return { error: `invalid value for gateway name: ${JSON.stringify(gw)}` };
  return {};
}

/** `exportTo`: `.`, `*` or namespace names, without duplicates (`.` is the resource's own namespace). */
export function exportToErrors(namespace: string, exportTo: readonly string[] | undefined): string[] {
  const errors: string[] = [];
  const seen = new Set<string>();
  for (const entry of exportTo ?? []) {
    const key = entry === '.' ? namespace : entry;
    if (seen.has(key)) {
      errors.push(
        key === entry
          ? `duplicate entries in exportTo for entry ${entry}`
          : `duplicate entries in exportTo: . and current namespace ${namespace}`,
      );
      continue;
    }
    if (key !== '*' && !isDns1123Label(key))
      errors.push(`exportTo entry ${JSON.stringify(entry)} is not ., * or a namespace`);
    else seen.add(key);
  }
  if (seen.has('*') && seen.size > 1) errors.push('exportTo: * cannot be combined with other namespaces');
  return errors;
}

/** Whether a host written in Istio's wildcard syntax covers another (`*.foo.com` covers `a.foo.com`). */
export function hostCovers(pattern: string, host: string): boolean {
  if (pattern === host || pattern === '*') return true;
  if (pattern.startsWith('*')) return host.endsWith(pattern.slice(1));
  return false;
}
