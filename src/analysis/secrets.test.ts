import { describe, expect, it } from 'vitest';
import { redactUrl, urlOrigin } from './redact.js';
import { parseSecretText, resolveSecret } from './secrets.js';

describe('secret files', () => {
  it('reads JSON, key=value lines, or a bare value as the whole key', () => {
    expect(parseSecretText('{"token":"t"}', 'f')).toEqual({ token: 't' });
    expect(parseSecretText('# comment\nusername = u\npassword=p=q\n', 'f')).toEqual({
      username: 'u',
      password: 'p=q',
    });
    expect(parseSecretText('https://hooks.slack.com/services/T/B/X?a=b\n', 'f', 'address')).toEqual({
      address: 'https://hooks.slack.com/services/T/B/X?a=b',
    });
  });

  it('names the file and the problem', () => {
    expect(() => parseSecretText('{"token": 1}', 'creds.json')).toThrow(
      'creds.json: key "token": expected a string value',
    );
    expect(() => parseSecretText('{nope', 'creds.json')).toThrow(/creds.json: invalid JSON/);
    expect(() => parseSecretText('just words\nmore words', 'creds')).toThrow(
      'creds: expected a JSON object or key=value lines',
    );
  });

  it('looks Secrets up in the resource namespace and reports missing ones', async () => {
    const lookup = (ns: string, name: string) =>
      Promise.resolve(ns === 'test' && name === 's' ? { token: 'x' } : undefined);
    expect(await resolveSecret({ secretRef: { name: 's' } }, 'test', lookup)).toEqual({ token: 'x' });
    await expect(resolveSecret({ secretRef: { name: 's' } }, 'prod', lookup)).rejects.toThrow(
      'secret prod/s not found',
    );
    await expect(resolveSecret({ secretRef: { name: 's' } }, 'test', undefined)).rejects.toThrow(
      /no secret store configured/,
    );
    await expect(resolveSecret({ secretFile: '/nonexistent/x' }, 'test', lookup)).rejects.toThrow(
      'cannot read secret file /nonexistent/x: ENOENT',
    );
    expect(await resolveSecret({}, 'test', lookup)).toBeUndefined();
  });
});

describe('redaction', () => {
  it('removes credentials and query values from URLs', () => {
    expect(redactUrl('https://user:pw@example.com/hook?token=abc&x=1')).toBe(
      'https://REDACTED@example.com/hook?token=REDACTED&x=REDACTED',
    );
    expect(redactUrl('not a url')).toBe('<invalid URL>');
    expect(urlOrigin('https://hooks.slack.com/services/T/B/secret')).toBe('https://hooks.slack.com/…');
  });
});
