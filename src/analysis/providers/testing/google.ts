/**
 * Google's OAuth 2.0 token endpoint as the contract suite needs it: it accepts the JWT bearer
 * grant only with an assertion whose RS256 signature verifies against the service account's
 * public key and whose claims name the account, the endpoint and a Monitoring scope, and issues
 * access tokens the Monitoring API then accepts. It answers refusals as Google does
 * (`400 {"error": "invalid_grant"}`).
 */
import { generateKeyPairSync, verify, type KeyObject } from 'node:crypto';

export interface TestServiceAccount {
  email: string;
  privateKeyPem: string;
  publicKey: KeyObject;
}

export function testServiceAccount(email: string): TestServiceAccount {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { email, privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicKey };
}

/** The key JSON Google issues for an account, pointing at `tokenUri`. */
export function serviceAccountKeyJson(account: TestServiceAccount, tokenUri: string): string {
  return JSON.stringify({
    type: 'service_account',
    project_id: 'serin-test',
    private_key_id: 'key-1',
    private_key: account.privateKeyPem,
    client_email: account.email,
    client_id: '100000000000000000001',
    token_uri: tokenUri,
  });
}

function decodePart(part: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function claimsValid(
  claims: Record<string, unknown>,
  account: TestServiceAccount,
  tokenUri: string,
): boolean {
  const now = Date.now() / 1000;
  const { iss, aud, scope, iat, exp } = claims;
  return (
    iss === account.email &&
    aud === tokenUri &&
    typeof scope === 'string' &&
    scope.split(' ').includes('https://www.googleapis.com/auth/monitoring.read') &&
    typeof iat === 'number' &&
    typeof exp === 'number' &&
    exp - iat <= 3600 &&
    iat <= now + 60 &&
    exp > now
  );
}

export class TestTokenEndpoint {
  private readonly issued = new Set<string>();

  constructor(
    private readonly account: TestServiceAccount,
    private readonly tokenUri: () => string,
  ) {}

  /** The answer to a POST of the form `body`. */
  exchange(body: string): { status: number; body: unknown } {
    const form = new URLSearchParams(body);
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer')
      return { status: 400, body: { error: 'unsupported_grant_type' } };
    const [header, claims, signature] = (form.get('assertion') ?? '').split('.');
    const decodedHeader = decodePart(header ?? '');
    const decodedClaims = decodePart(claims ?? '');
    const signed = verify(
      'RSA-SHA256',
      Buffer.from(`${header ?? ''}.${claims ?? ''}`),
      this.account.publicKey,
      Buffer.from(signature ?? '', 'base64url'),
    );
    if (!signed || decodedHeader?.alg !== 'RS256')
      return { status: 400, body: { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' } };
    if (decodedClaims === undefined || !claimsValid(decodedClaims, this.account, this.tokenUri()))
      return { status: 400, body: { error: 'invalid_grant', error_description: 'Invalid JWT: claims.' } };
    const token = `ya29.test-${String(this.issued.size + 1)}`;
    this.issued.add(token);
    return { status: 200, body: { access_token: token, expires_in: 3599, token_type: 'Bearer' } };
  }

  accepts(authorization: string | undefined): boolean {
    return (
      authorization?.startsWith('Bearer ') === true && this.issued.has(authorization.slice('Bearer '.length))
    );
  }
}
