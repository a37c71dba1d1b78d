/**
 * The HTTP transport every metric provider shares: undici with a custom CA or insecure TLS, a
 * timeout (5 s by default, as in Flagger), a bounded response body, and errors that name the
 * endpoint with its secrets redacted and never include a credential.
 */
import { readFile } from 'node:fs/promises';
import { Agent, request, type Dispatcher } from 'undici';
import { excerpt, redactUrl } from '../redact.js';

/** Flagger's request timeout for every provider. */
export const DEFAULT_PROVIDER_TIMEOUT_MS = 5000;
/** A metric answer is small; a larger body is refused rather than buffered. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** A failure from the provider or the transport, with a message safe to show and log. */
export class ProviderError extends Error {}

export interface TransportOptions {
  caFile?: string | undefined;
  insecureSkipVerify?: boolean | undefined;
  timeoutMs?: number | undefined;
}

export interface ProviderResponse {
  status: number;
  text: string;
}

export async function readCa(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new ProviderError(
      `cannot read CA file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
}

/** What went wrong on the wire, without the request's headers. */
export function transportMessage(error: unknown, timeoutMs: number): string {
  if (error instanceof ProviderError) return error.message;
  const name = (error as { name?: string }).name;
  if (name === 'TimeoutError' || name === 'AbortError') return `timed out after ${String(timeoutMs)} ms`;
  const cause = (error as { cause?: { code?: string } }).cause;
  const code = (error as { code?: string }).code ?? cause?.code;
  const message = error instanceof Error ? error.message : String(error);
  return code !== undefined && !message.includes(code) ? `${message} (${code})` : message;
}

/** One undici Agent per provider instance, honouring `caFile` and `insecureSkipVerify`. */
export function tlsDispatcher(options: TransportOptions): () => Promise<Dispatcher> {
  let dispatcher: Promise<Dispatcher> | undefined;
  return () => {
    dispatcher ??= (async () => {
      const ca = options.caFile === undefined ? undefined : await readCa(options.caFile);
      return new Agent({
        connect: {
          ...(ca !== undefined ? { ca } : {}),
          rejectUnauthorized: options.insecureSkipVerify !== true,
        },
      });
    })();
    return dispatcher;
  };
}

/** A provider's HTTP client: GET or POST with headers, returning the status and the text body. */
export class ProviderHttp {
  private readonly dispatcher: () => Promise<Dispatcher>;
  private readonly timeoutMs: number;

  constructor(
    private readonly provider: string,
    options: TransportOptions,
  ) {
    this.dispatcher = tlsDispatcher(options);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_PROVIDER_TIMEOUT_MS;
  }

  async send(
    url: URL,
    init: { method?: 'GET' | 'POST'; headers: Record<string, string>; body?: string },
  ): Promise<ProviderResponse> {
    const shown = redactUrl(url.toString());
    try {
      const response = await request(url, {
        method: init.method ?? 'GET',
        headers: init.headers,
        ...(init.body !== undefined ? { body: init.body } : {}),
        dispatcher: await this.dispatcher(),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const declared = Number(response.headers['content-length'] ?? 0);
      if (declared > MAX_BODY_BYTES) {
        await response.body.dump();
        throw new ProviderError(
          `answered with ${String(declared)} bytes; at most ${String(MAX_BODY_BYTES)} are read`,
        );
      }
      const text = await response.body.text();
      if (Buffer.byteLength(text) > MAX_BODY_BYTES) {
        throw new ProviderError(`answered with more than ${String(MAX_BODY_BYTES)} bytes`);
      }
      return { status: response.statusCode, text };
    } catch (error) {
      throw new ProviderError(
        `${this.provider} query to ${shown} failed: ${transportMessage(error, this.timeoutMs)}`,
      );
    }
  }

  /** The JSON body of a 2xx answer, or an error naming the status and an excerpt of the body. */
  async json(url: URL, init: Parameters<ProviderHttp['send']>[1]): Promise<unknown> {
    const { status, text } = await this.send(url, init);
    const shown = redactUrl(url.toString());
    if (status < 200 || status >= 300) {
      throw new ProviderError(
        `${this.provider} at ${shown} answered HTTP ${String(status)}: ${excerpt(text, 200)}`,
      );
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new ProviderError(
        `${this.provider} at ${shown} answered a body that is not JSON: "${excerpt(text, 120)}"`,
      );
    }
  }

  async close(): Promise<void> {
    await (await this.dispatcher().catch(() => undefined))?.close();
  }
}

/** The provider's base URL: `address`, else its documented default; an error names a bad one. */
export function providerAddress(provider: string, address: string | undefined, fallback?: string): URL {
  const raw = address === undefined || address === '' ? fallback : address;
  if (raw === undefined) throw new ProviderError(`provider.address: ${provider} needs the API address`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ProviderError(`provider.address: "${redactUrl(raw)}" is not an absolute URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ProviderError(`provider.address: "${redactUrl(raw)}" must be http or https`);
  }
  return url;
}

/** `base` with `path` appended to its own path (an address may carry a path prefix). */
export function endpoint(base: URL, path: string, query: Record<string, string> = {}): URL {
  const url = new URL(base.toString());
  url.pathname = `${url.pathname.replace(/\/$/, '')}${path}`;
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
  return url;
}

/** A credential the provider needs from its Secret; the error names the key, never a value. */
export function requiredCredential(
  provider: string,
  credentials: Readonly<Record<string, string>> | undefined,
  key: string,
): string {
  const value = credentials?.[key];
  if (value === undefined || value === '') {
    throw new ProviderError(`provider.secretRef: the ${provider} Secret must contain the key ${key}`);
  }
  return value;
}
