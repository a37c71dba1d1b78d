/**
 * Calls Canary webhooks: a JSON POST of Flagger's payload with a timeout and retries; userinfo in
 * the URL is sent as Basic auth, as Go's client does. Success is
 * any 2xx (Flagger accepts only 200–202). Redirects are not followed: a 3xx is a failure. URLs are
 * redacted (credentials, query values) in every message.
 */
import { Agent, request, type Dispatcher } from 'undici';
import { parseDuration } from '../../api/common.js';
import type {
  Canary,
  CanaryWebhook,
  WebhookDelivery,
  WebhookPort,
  WebhookResult,
} from '../../engine/ports.js';
import { excerpt, redactUrl } from '../redact.js';
import { splitCredentials } from '../url-credentials.js';
import { webhookPayload } from './payload.js';

export interface WebhookPortOptions {
  /** First retry delay; doubles each time up to `maxBackoffMs` (defaults 250 ms and 4 s). */
  backoffMs?: number;
  maxBackoffMs?: number;
}

/** Connection errors, timeouts, 429 and 5xx except 501 are worth another attempt. */
function retriable(status: number | undefined): boolean {
  if (status === undefined) return true;
  return status === 429 || (status >= 500 && status !== 501);
}

function transportError(error: unknown, timeoutMs: number): string {
  const name = (error as { name?: string }).name;
  if (name === 'TimeoutError' || name === 'AbortError') return `timed out after ${timeoutMs} ms`;
  const code = (error as { code?: string }).code ?? (error as { cause?: { code?: string } }).cause?.code;
  const message = error instanceof Error ? error.message : String(error);
  return code !== undefined && !message.includes(code) ? `${message} (${code})` : message;
}

function retryAfterMs(headers: Record<string, string | string[] | undefined>): number | undefined {
  const value = headers['retry-after'];
  const seconds = Number(Array.isArray(value) ? value[0] : value);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

interface Attempt {
  status?: number;
  body?: string;
  error?: string;
  retryAfterMs?: number | undefined;
}

const insecure = new Agent({ connect: { rejectUnauthorized: false } });

async function attempt(
  url: string,
  body: string,
  timeoutMs: number,
  dispatcher: Dispatcher | undefined,
): Promise<Attempt> {
  // Userinfo is sent as Basic auth, as Flagger's Go client sends it; undici would drop it.
  const target = splitCredentials(url);
  try {
    const response = await request(target.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(target.authorization !== undefined ? { authorization: target.authorization } : {}),
      },
      body,
      signal: AbortSignal.timeout(timeoutMs),
      ...(dispatcher !== undefined ? { dispatcher } : {}),
    });
    const text = await response.body.text();
    return { status: response.statusCode, body: text, retryAfterMs: retryAfterMs(response.headers) };
  } catch (error) {
    return { error: transportError(error, timeoutMs) };
  }
}

function describe(hook: CanaryWebhook, result: Attempt, attempts: number): string {
  const where = `webhook ${hook.name} (${redactUrl(hook.url)})`;
  const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
  if (result.status === undefined) return `${where} failed${tries}: ${result.error ?? 'unknown error'}`;
  const said = result.body !== undefined && result.body.trim() !== '' ? `: ${excerpt(result.body)}` : '';
  const verb = result.status >= 200 && result.status < 300 ? 'answered' : 'refused with';
  return `${where} ${verb} HTTP ${result.status}${tries}${said}`;
}

export function createWebhookPort(options: WebhookPortOptions = {}): WebhookPort {
  const backoff = options.backoffMs ?? 250;
  const maxBackoff = options.maxBackoffMs ?? 4000;
  return {
    async call(
      canary: Canary,
      hook: CanaryWebhook,
      phase: string,
      delivery?: WebhookDelivery,
    ): Promise<WebhookResult> {
      const body = JSON.stringify(webhookPayload(canary, phase, hook.metadata, delivery?.decisionId));
      const timeoutMs = parseDuration(hook.timeout);
      const dispatcher = hook.disableTLS === true ? insecure : undefined;
      const maxAttempts = 1 + hook.retries;
      let result: Attempt = {};
      let attempts = 0;
      while (attempts < maxAttempts) {
        attempts += 1;
        result = await attempt(hook.url, body, timeoutMs, dispatcher);
        if (!retriable(result.status) || attempts === maxAttempts) break;
        const wait = Math.min(maxBackoff, result.retryAfterMs ?? backoff * 2 ** (attempts - 1));
        await new Promise((r) => setTimeout(r, wait));
      }
      const ok = result.status !== undefined && result.status >= 200 && result.status < 300;
      return {
        ok,
        ...(result.status !== undefined ? { status: result.status } : {}),
        message: describe(hook, result, attempts),
      };
    },
  };
}
