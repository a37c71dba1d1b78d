/**
 * Google's OAuth 2.0 service-account flow (RFC 7523 JWT bearer grant): a JWT signed RS256 with the
 * service account's private key (`iss` the account's email, `scope`, `aud` the token endpoint,
 * one hour of validity) is exchanged at the key's `token_uri` for an access token, kept until a
 * minute before it expires. The key is the JSON file Google issues (`type: service_account`).
 */
import { createPrivateKey, createSign, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { parseAnswer } from './answer.js';
import { ProviderError, type ProviderHttp } from './http.js';

const DEFAULT_TOKEN_URI = 'https://oauth2.googleapis.com/token';
const JWT_LIFETIME_S = 3600;
const REFRESH_MARGIN_MS = 60_000;

const ServiceAccountKey = z.object({
  type: z.literal('service_account', { error: 'expected type "service_account"' }),
  client_email: z.string().min(1),
  private_key: z.string().min(1),
  private_key_id: z.string().optional(),
  token_uri: z.string().optional(),
});

const TokenResponse = z.object({
  access_token: z.string().min(1),
  expires_in: z.number().positive().default(3600),
  token_type: z.string().optional(),
});

export interface ServiceAccount {
  email: string;
  keyId: string | undefined;
  privateKey: KeyObject;
  tokenUri: URL;
}

/** Reads the key JSON; errors name the field, never a value of the key. */
export function parseServiceAccountKey(text: string, where: string): ServiceAccount {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ProviderError(`${where}: expected a service account key (JSON)`);
  }
  const parsed = ServiceAccountKey.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ProviderError(`${where}: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(parsed.data.private_key);
  } catch {
    throw new ProviderError(`${where}: private_key is not a PEM private key`);
  }
  let tokenUri: URL;
  try {
    tokenUri = new URL(parsed.data.token_uri ?? DEFAULT_TOKEN_URI);
  } catch {
    throw new ProviderError(`${where}: token_uri is not an absolute URL`);
  }
  return { email: parsed.data.client_email, keyId: parsed.data.private_key_id, privateKey, tokenUri };
}

const base64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

/** The signed assertion for `scope`, issued at `now`. */
export function serviceAccountJwt(account: ServiceAccount, scope: string, now: Date): string {
  const iat = Math.floor(now.getTime() / 1000);
  const header = { alg: 'RS256', typ: 'JWT', ...(account.keyId !== undefined ? { kid: account.keyId } : {}) };
  const claims = {
    iss: account.email,
    scope,
    aud: account.tokenUri.toString(),
    iat,
    exp: iat + JWT_LIFETIME_S,
  };
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  const signature = createSign('RSA-SHA256').update(signingInput).sign(account.privateKey);
  return `${signingInput}.${base64url(signature)}`;
}

/** Access tokens for one service account and scope, fetched when needed. */
export class GoogleTokenSource {
  private token: { value: string; expiresAt: number } | undefined;

  constructor(
    private readonly account: ServiceAccount,
    private readonly scope: string,
    private readonly http: ProviderHttp,
  ) {}

  async accessToken(): Promise<string> {
    const now = Date.now();
    if (this.token !== undefined && now < this.token.expiresAt - REFRESH_MARGIN_MS) return this.token.value;
    const body = new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      assertion: serviceAccountJwt(this.account, this.scope, new Date(now)),
    }).toString();
    const answer = await this.http.json(this.account.tokenUri, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body,
    });
    const parsed = parseAnswer(
      'stackdriver token endpoint',
      'an OAuth 2.0 token response',
      TokenResponse,
      answer,
    );
    this.token = { value: parsed.access_token, expiresAt: now + parsed.expires_in * 1000 };
    return parsed.access_token;
  }
}
