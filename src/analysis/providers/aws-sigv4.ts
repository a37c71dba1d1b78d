/**
 * AWS Signature Version 4 (header form), written against AWS's published description of the
 * algorithm and checked against its published test vectors (`aws-sigv4.test.ts`). It signs what
 * a non-S3 service needs: canonical request, string to sign, the derived key, and the headers to
 * send (`x-amz-date`, `authorization`, and the session token when there is one).
 */
import { createHash, createHmac } from 'node:crypto';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
}

export interface SigningScope {
  region: string;
  service: string;
}

export interface SignableRequest {
  method: string;
  url: URL;
  /** Headers to sign besides `host` and `x-amz-date`, which the signer adds. */
  headers: Readonly<Record<string, string | readonly string[]>>;
  body: string;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';

const sha256Hex = (data: string): string => createHash('sha256').update(data, 'utf8').digest('hex');
const hmac = (key: Buffer | string, data: string): Buffer =>
  createHmac('sha256', key).update(data, 'utf8').digest();

/** RFC 3986 percent-encoding: everything but the unreserved characters `A-Za-z0-9-._~`. */
function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** `20150830T123600Z`: ISO 8601 basic format, UTC, no fractional seconds. */
export function amzDate(time: Date): string {
  return time
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** Non-S3 services encode each path segment of the (already encoded) path once more. */
function canonicalUri(url: URL): string {
  const path = url.pathname === '' ? '/' : url.pathname;
  return path
    .split('/')
    .map((segment) => uriEncode(segment))
    .join('/');
}

/** Query pairs decoded, re-encoded strictly, sorted by name then value. */
function canonicalQuery(url: URL): string {
  const raw = url.search.startsWith('?') ? url.search.slice(1) : url.search;
  if (raw === '') return '';
  const pairs = raw
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => {
      const at = pair.indexOf('=');
      const name = at < 0 ? pair : pair.slice(0, at);
      const value = at < 0 ? '' : pair.slice(at + 1);
      return [uriEncode(decodeURIComponent(name)), uriEncode(decodeURIComponent(value))] as const;
    });
  pairs.sort(([an, av], [bn, bv]) => (an === bn ? compare(av, bv) : compare(an, bn)));
  return pairs.map(([name, value]) => `${name}=${value}`).join('&');
}

function compare(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/** Lower-case names, values trimmed with inner runs of spaces collapsed, repeated values comma-joined. */
function canonicalHeaders(headers: SignableRequest['headers']): Map<string, string> {
  const merged = new Map<string, string[]>();
  for (const [name, value] of Object.entries(headers)) {
    const key = name.toLowerCase();
    const values = typeof value === 'string' ? [value] : value;
    merged.set(key, [...(merged.get(key) ?? []), ...values.map((v) => v.trim().replace(/ +/g, ' '))]);
  }
  const sorted = [...merged.keys()].sort(compare);
  return new Map(sorted.map((key) => [key, (merged.get(key) ?? []).join(',')]));
}

export interface SigningSteps {
  canonicalRequest: string;
  stringToSign: string;
  signedHeaders: string;
  signature: string;
  /** The headers to add to the request. */
  headers: Record<string, string>;
}

/** The signing key for a day, region and service. */
export function signingKey(secretAccessKey: string, day: string, scope: SigningScope): Buffer {
  const dated = hmac(`AWS4${secretAccessKey}`, day);
  return hmac(hmac(hmac(dated, scope.region), scope.service), 'aws4_request');
}

/** Signs `request` at `time`; every intermediate step is returned so tests can check each. */
export function signRequest(
  request: SignableRequest,
  credentials: AwsCredentials,
  scope: SigningScope,
  time: Date,
): SigningSteps {
  const stamp = amzDate(time);
  const day = stamp.slice(0, 8);
  const added: Record<string, string> = { 'x-amz-date': stamp };
  if (credentials.sessionToken !== undefined) added['x-amz-security-token'] = credentials.sessionToken;
  const headers = canonicalHeaders({ host: request.url.host, ...request.headers, ...added });
  const signedHeaders = [...headers.keys()].join(';');
  const canonicalRequest = [
    request.method.toUpperCase(),
    canonicalUri(request.url),
    canonicalQuery(request.url),
    [...headers].map(([name, value]) => `${name}:${value}\n`).join(''),
    signedHeaders,
    sha256Hex(request.body),
  ].join('\n');
  const credentialScope = `${day}/${scope.region}/${scope.service}/aws4_request`;
  const stringToSign = [ALGORITHM, stamp, credentialScope, sha256Hex(canonicalRequest)].join('\n');
  const signature = createHmac('sha256', signingKey(credentials.secretAccessKey, day, scope))
    .update(stringToSign, 'utf8')
    .digest('hex');
  const authorization = `${ALGORITHM} Credential=${credentials.accessKeyId}/${credentialScope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return { canonicalRequest, stringToSign, signedHeaders, signature, headers: { ...added, authorization } };
}
