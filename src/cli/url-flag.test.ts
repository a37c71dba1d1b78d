import { describe, expect, it } from 'vitest';
import { UsageError } from './program.js';
import { parseUrl } from './url-flag.js';

describe('parseUrl', () => {
  it('keeps an absent flag absent', () => {
    expect(parseUrl('--api', undefined)).toBeUndefined();
  });

  it('drops trailing slashes from an http(s) URL', () => {
    expect(parseUrl('--api', 'http://127.0.0.1:8080//')).toBe('http://127.0.0.1:8080');
    expect(parseUrl('--prometheus', 'https://prom.example:9090/')).toBe('https://prom.example:9090');
  });

  it('refuses what is not a URL, naming the flag', () => {
    expect(() => parseUrl('--api', '127.0.0.1:8080x')).toThrow(UsageError);
    expect(() => parseUrl('--api', 'not a url')).toThrow(/^--api: expected an http\(s\) URL such as/);
  });

  it('refuses other schemes, naming the flag', () => {
    expect(() => parseUrl('--prometheus', 'file:///etc/passwd')).toThrow(
      '--prometheus: expected an http(s) URL, got "file:///etc/passwd"',
    );
  });
});
