/**
 * Posts one alert. Webhook addresses are secrets (Slack's URL is its own credential), so messages
 * name only the scheme and host.
 */
import { ProxyAgent, request, type Dispatcher } from 'undici';
import { excerpt, urlOrigin } from '../analysis/redact.js';

export const ALERT_TIMEOUT_MS = 5000;

export async function postJson(
  url: string,
  body: unknown,
  options: { token?: string | undefined; proxy?: string | undefined; timeoutMs?: number },
): Promise<void> {
  const shown = urlOrigin(url);
  const timeoutMs = options.timeoutMs ?? ALERT_TIMEOUT_MS;
  let dispatcher: Dispatcher | undefined;
  if (options.proxy !== undefined) dispatcher = new ProxyAgent(options.proxy);
  try {
    const response = await request(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(options.token !== undefined ? { authorization: `Bearer ${options.token}` } : {}),
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
      ...(dispatcher !== undefined ? { dispatcher } : {}),
    });
    const text = await response.body.text();
    if (response.statusCode < 200 || response.statusCode > 299) {
      throw new Error(`${shown} answered HTTP ${response.statusCode}: ${excerpt(text, 120)}`);
    }
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === 'TimeoutError' || name === 'AbortError')
      throw new Error(`${shown} timed out after ${timeoutMs} ms`, { cause: error });
    if (error instanceof Error && error.message.startsWith(shown)) throw error;
    const code =
      (error as { code?: string }).code ?? (error as { cause?: { code?: string } }).cause?.code ?? 'error';
    throw new Error(`${shown} could not be reached (${code})`, { cause: error });
  } finally {
    await dispatcher?.close();
  }
}
