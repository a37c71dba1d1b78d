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

/** Fields whose values are secrets wherever they appear; the controller's log redaction uses the same list. */
export const SECRET_KEYS: readonly string[] = ['token', 'password', 'authorization'];

const SECRET_KEY = new RegExp(`^(?:${SECRET_KEYS.join('|')})$`, 'i');
const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\/\S+$/i;

/**
 * A copy of a read model (a Canary's spec and status, a status view) for answering a read API:
 * every URL as {@link redactUrl} shows it in the logs, every secret field replaced. Reading never
 * reveals more than the logs do.
 */
export function redactForRead<T>(value: T): T {
  return redactValue(value, 0) as T;
}

function redactValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return URL_LIKE.test(value) ? redactUrl(value) : value;
  if (value === null || typeof value !== 'object' || depth > 64) return value;
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) && typeof item === 'string' ? 'REDACTED' : redactValue(item, depth + 1);
  }
  return out;
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

const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi;
const SECRET_ASSIGNMENT = new RegExp(
  `\\b(${[...SECRET_KEYS, 'secret', 'api[_-]?key', 'passwd'].join('|')})(["']?\\s*[:=]\\s*["']?)(?!REDACTED|Bearer |Basic )[^\\s"',;]+`,
  'gi',
);
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g;

/**
 * A line a workload wrote, fit to show: URLs as {@link redactUrl} shows them (credentials and query
 * values gone), `password=...` / `token: ...` values and bearer credentials replaced, and the given
 * secret strings (the run's own token) removed wherever they appear.
 */
export function redactLogLine(line: string, secrets: readonly (string | undefined)[] = []): string {
  const urls = line.replace(URL_IN_TEXT, (url) => {
    const shown = redactUrl(url);
    return shown === '<invalid URL>' ? url : shown;
  });
  const bearer = urls.replace(BEARER, (_, scheme: string) => `${scheme} REDACTED`);
  const assigned = bearer.replace(SECRET_ASSIGNMENT, (_, key: string, sep: string) => `${key}${sep}REDACTED`);
  return redactSecrets(assigned, secrets);
}
