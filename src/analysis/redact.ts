/**
 * URLs of webhooks and metric servers can carry secrets: `https://user:pass@host/`, Slack's
 * `/services/T000/B000/XXXX`, `?token=...`. Everything Serin logs or prints goes through here.
 */
export function redactUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return '<invalid URL>';
  }
  if (url.username !== '' || url.password !== '') {
    url.username = 'REDACTED';
    url.password = '';
  }
  for (const key of [...new Set(url.searchParams.keys())]) url.searchParams.set(key, 'REDACTED');
  return url.toString();
}

/** Only scheme, host and port: for addresses that are secrets as a whole (alert webhooks). */
export function urlOrigin(raw: string): string {
  try {
    return `${new URL(raw).origin}/…`;
  } catch {
    return '<invalid URL>';
  }
}

/** Replaces every occurrence of the given secret strings in a message. */
export function redactSecrets(message: string, secrets: readonly (string | undefined)[]): string {
  let out = message;
  for (const secret of secrets) {
    if (secret !== undefined && secret.length >= 4) out = out.split(secret).join('REDACTED');
  }
  return out;
}

/** The first characters of a response body, on one line, for error messages. */
export function excerpt(body: string, max = 200): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
