/**
 * What CloudWatch checks of a request, for the contract suite's CloudWatch API: the SigV4
 * signature recomputed from the request as received (the signer is held to AWS's published
 * vectors in `aws-sigv4.test.ts`), for the credential scope the service expects.
 */
import type { IncomingMessage } from 'node:http';
import { signRequest } from '../aws-sigv4.js';

export interface AwsAccount {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  service: string;
}

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;

function amzTime(stamp: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(stamp);
  return m ? new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`) : undefined;
}

/** The request's values of the headers it says it signed (the signer adds host and the date itself). */
function signedHeaderValues(req: IncomingMessage, signed: string[]): Record<string, string> | undefined {
  const headers: Record<string, string> = {};
  for (const name of signed) {
    if (['host', 'x-amz-date', 'x-amz-security-token'].includes(name)) continue;
    const value = req.headers[name];
    if (value === undefined) return undefined;
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  return headers;
}

/** Whether the request carries a valid signature by `account` for its region and service. */
export function awsSignatureValid(req: IncomingMessage, body: string, account: AwsAccount): boolean {
  const match = AUTHORIZATION.exec(req.headers.authorization ?? '');
  const time = amzTime(String(req.headers['x-amz-date'] ?? ''));
  if (!match || !time) return false;
  const [, keyId, day, region, service, signedHeaders, signature] = match;
  if (keyId !== account.accessKeyId || region !== account.region || service !== account.service) return false;
  if (day !== String(req.headers['x-amz-date']).slice(0, 8)) return false;
  const signed = (signedHeaders ?? '').split(';');
  if (!signed.includes('host') || !signed.includes('x-amz-date')) return false;
  const headers = signedHeaderValues(req, signed);
  if (headers === undefined) return false;
  const token = req.headers['x-amz-security-token'];
  const url = new URL(req.url ?? '/', `http://${req.headers.host ?? ''}`);
  const expected = signRequest(
    { method: req.method ?? 'GET', url, headers, body },
    {
      accessKeyId: account.accessKeyId,
      secretAccessKey: account.secretAccessKey,
      ...(typeof token === 'string' ? { sessionToken: token } : {}),
    },
    { region: account.region, service: account.service },
    time,
  );
  return expected.signedHeaders === signedHeaders && expected.signature === signature;
}

/** The first MetricDataQuery's Id of a GetMetricData body: the scenario it asks for. */
export function cloudWatchQueryKey(body: string): string | null {
  try {
    const sent = JSON.parse(body) as { MetricDataQueries?: { Id?: string }[] };
    return sent.MetricDataQueries?.[0]?.Id ?? null;
  } catch {
    return null;
  }
}
