import { verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseServiceAccountKey, serviceAccountJwt } from './google-auth.js';
import { createStackdriverProvider } from './stackdriver.js';
import { serviceAccountKeyJson, testServiceAccount } from './testing/google.js';

const ACCOUNT = testServiceAccount('flagger@project.iam.gserviceaccount.com');
const KEY = serviceAccountKeyJson(ACCOUNT, 'https://oauth2.googleapis.com/token');

describe('service account JWT', () => {
  it('is RS256-signed by the key, with the claims of the JWT bearer grant', () => {
    const account = parseServiceAccountKey(KEY, 'serviceAccountKey');
    const jwt = serviceAccountJwt(
      account,
      'https://www.googleapis.com/auth/monitoring.read',
      new Date('2026-12-02T10:00:00Z'),
    );
    const [header = '', claims = '', signature = ''] = jwt.split('.');
    expect(
      verify(
        'RSA-SHA256',
        Buffer.from(`${header}.${claims}`),
        ACCOUNT.publicKey,
        Buffer.from(signature, 'base64url'),
      ),
    ).toBe(true);
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toEqual({
      alg: 'RS256',
      typ: 'JWT',
      kid: 'key-1',
    });
    expect(JSON.parse(Buffer.from(claims, 'base64url').toString())).toEqual({
      iss: 'flagger@project.iam.gserviceaccount.com',
      scope: 'https://www.googleapis.com/auth/monitoring.read',
      aud: 'https://oauth2.googleapis.com/token',
      iat: 1_796_205_600,
      exp: 1_796_209_200,
    });
    const other = testServiceAccount('x@y');
    expect(
      verify(
        'RSA-SHA256',
        Buffer.from(`${header}.${claims}`),
        other.publicKey,
        Buffer.from(signature, 'base64url'),
      ),
    ).toBe(false);
  });

  it('names what is wrong with a key, never showing it', () => {
    const where = 'provider.secretRef: serviceAccountKey';
    expect(() => parseServiceAccountKey('not json', where)).toThrow(
      /expected a service account key \(JSON\)/,
    );
    expect(() =>
      parseServiceAccountKey(JSON.stringify({ ...JSON.parse(KEY), type: 'authorized_user' }), where),
    ).toThrow(/type: expected type "service_account"/);
    const bad = JSON.stringify({ ...JSON.parse(KEY), private_key: 'secret-not-a-pem' });
    expect(() => parseServiceAccountKey(bad, where)).toThrow(/private_key is not a PEM private key/);
    expect(() => parseServiceAccountKey(bad, where)).not.toThrow(/secret-not-a-pem/);
  });

  it('stackdriver needs the project and a key, and says it does not read default credentials', () => {
    const make = (credentials: Record<string, string>) => () =>
      createStackdriverProvider({ spec: { type: 'stackdriver', secretRef: { name: 'g' } }, credentials });
    expect(make({ serviceAccountKey: KEY })).toThrow(/must contain the key project/);
    expect(make({ project: 'p' })).toThrow(
      /serviceAccountKey \(application default credentials and workload identity are not read/,
    );
    expect(make({ project: 'p', serviceAccountKey: KEY })).not.toThrow();
  });
});
