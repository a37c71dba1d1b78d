/**
 * The signer against AWS's published SigV4 test vectors (the `aws-sig-v4-test-suite`: credentials
 * AKIDEXAMPLE, 2015-08-30T12:36:00Z, us-east-1, service `service`, host example.amazonaws.com) and
 * the signing-key derivation example of AWS's SigV4 documentation. The expected strings and
 * signatures are AWS's, not values this code produced.
 */
import { describe, expect, it } from 'vitest';
import { amzDate, signingKey, signRequest, type SignableRequest } from './aws-sigv4.js';

const CREDENTIALS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const SCOPE = { region: 'us-east-1', service: 'service' };
const TIME = new Date('2015-08-30T12:36:00Z');
const ORIGIN = 'https://example.amazonaws.com';

interface Vector {
  name: string;
  method: string;
  target: string;
  headers?: SignableRequest['headers'];
  body?: string;
  signedHeaders: string;
  signature: string;
}

const VECTORS: Vector[] = [
  {
    name: 'get-vanilla',
    method: 'GET',
    target: '/',
    signedHeaders: 'host;x-amz-date',
    signature: '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
  },
  {
    name: 'get-unreserved',
    method: 'GET',
    target: '/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz',
    signedHeaders: 'host;x-amz-date',
    signature: '07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f',
  },
  {
    name: 'get-vanilla-query-order-key-case',
    method: 'GET',
    target: '/?Param2=value2&Param1=value1',
    signedHeaders: 'host;x-amz-date',
    signature: 'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500',
  },
  {
    name: 'get-vanilla-query-order-value',
    method: 'GET',
    target: '/?Param1=value2&Param1=value1',
    signedHeaders: 'host;x-amz-date',
    signature: '5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694',
  },
  {
    name: 'get-vanilla-utf8-query',
    method: 'GET',
    target: '/?\u1234=bar',
    signedHeaders: 'host;x-amz-date',
    signature: '2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04',
  },
  {
    name: 'get-header-value-order',
    method: 'GET',
    target: '/',
    headers: { 'My-Header1': ['value4', 'value1', 'value3', 'value2'] },
    signedHeaders: 'host;my-header1;x-amz-date',
    signature: '08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01',
  },
  {
    name: 'get-header-key-duplicate',
    method: 'GET',
    target: '/',
    headers: { 'My-Header1': ['value2', 'value2', 'value1'] },
    signedHeaders: 'host;my-header1;x-amz-date',
    signature: 'c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea',
  },
  {
    name: 'get-header-value-trim',
    method: 'GET',
    target: '/',
    headers: { 'My-Header1': ' value1', 'My-Header2': '"a   b   c"' },
    signedHeaders: 'host;my-header1;my-header2;x-amz-date',
    signature: 'acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736',
  },
  {
    name: 'post-x-www-form-urlencoded',
    method: 'POST',
    target: '/',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'Param1=value1',
    signedHeaders: 'content-type;host;x-amz-date',
    signature: 'ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a',
  },
];

function sign(vector: Vector): ReturnType<typeof signRequest> {
  return signRequest(
    {
      method: vector.method,
      url: new URL(`${ORIGIN}${vector.target}`),
      headers: vector.headers ?? {},
      body: vector.body ?? '',
    },
    CREDENTIALS,
    SCOPE,
    TIME,
  );
}

describe("AWS's SigV4 test suite", () => {
  it.each(VECTORS)('$name signs to the published Authorization header', (vector) => {
    const signed = sign(vector);
    expect(signed.headers.authorization).toBe(
      `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=${vector.signedHeaders}, Signature=${vector.signature}`,
    );
    expect(signed.headers['x-amz-date']).toBe('20150830T123600Z');
  });

  it('get-vanilla: the published canonical request and string to sign', () => {
    const signed = sign(VECTORS[0]!);
    expect(signed.canonicalRequest).toBe(
      [
        'GET',
        '/',
        '',
        'host:example.amazonaws.com',
        'x-amz-date:20150830T123600Z',
        '',
        'host;x-amz-date',
        'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      ].join('\n'),
    );
    expect(signed.stringToSign).toBe(
      [
        'AWS4-HMAC-SHA256',
        '20150830T123600Z',
        '20150830/us-east-1/service/aws4_request',
        'bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63',
      ].join('\n'),
    );
  });

  it('post-x-www-form-urlencoded: the published string to sign', () => {
    const signed = sign(VECTORS.find((v) => v.name === 'post-x-www-form-urlencoded')!);
    expect(signed.stringToSign.split('\n').at(-1)).toBe(
      '42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281',
    );
  });
});

describe('signing details', () => {
  it("derives the signing key of AWS's documented example (20120215, us-east-1, iam)", () => {
    expect(
      signingKey(CREDENTIALS.secretAccessKey, '20120215', { region: 'us-east-1', service: 'iam' }).toString(
        'hex',
      ),
    ).toBe('f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d');
  });

  it('signs a session token as x-amz-security-token', () => {
    const signed = signRequest(
      { method: 'GET', url: new URL(`${ORIGIN}/`), headers: {}, body: '' },
      { ...CREDENTIALS, sessionToken: 'session-token-1' },
      SCOPE,
      TIME,
    );
    expect(signed.headers['x-amz-security-token']).toBe('session-token-1');
    expect(signed.signedHeaders).toBe('host;x-amz-date;x-amz-security-token');
    expect(signed.signature).not.toBe(VECTORS[0]!.signature);
  });

  it('formats the date in ISO 8601 basic form without milliseconds', () => {
    expect(amzDate(new Date('2026-12-02T10:00:00.123Z'))).toBe('20261202T100000Z');
  });
});
