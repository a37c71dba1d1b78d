import { expect, it } from 'vitest';
import { redactLogLine } from './redact.js';

it('redactLogLine removes credentials from URLs, secret assignments, bearer tokens and known secrets', () => {
  expect(redactLogLine('connecting to postgres://app:s3cr3t-pass@db:5432/app now')).toBe(
    'connecting to postgres://REDACTED@db:5432/app now',
  );
  expect(redactLogLine('GET https://api.example.com/v1?token=abc123&x=1 200')).toBe(
    'GET https://api.example.com/v1?token=REDACTED&x=REDACTED 200',
  );
  expect(redactLogLine('config: password=hunter2, user=bob')).toBe('config: password=REDACTED, user=bob');
  expect(redactLogLine('{"apiKey": "k-123", "n": 1}')).toBe('{"apiKey": "REDACTED", "n": 1}');
  expect(redactLogLine('Authorization: Bearer eyJhbGciOi.J9.x')).toBe('Authorization: Bearer REDACTED');
  expect(redactLogLine('token is tok-9f8e7d6c in plain text', ['tok-9f8e7d6c'])).toBe(
    'token is REDACTED in plain text',
  );
  expect(redactLogLine('listening on :9898')).toBe('listening on :9898');
});
