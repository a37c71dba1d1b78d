/**
 * A small Prometheus HTTP API client (instant queries) on undici: GET or form POST, basic or bearer
 * auth, custom CA or insecure TLS, a timeout, custom headers. Every failure is an error whose
 * message names what went wrong and where (the URL with its secrets redacted).
 */
import { request, type Dispatcher } from 'undici';
import { ProviderError, tlsDispatcher, transportMessage } from '../providers/http.js';
import { excerpt, redactUrl } from '../redact.js';
import { splitCredentials } from '../url-credentials.js';
import { parseSampleValue, QueryResponse } from './response.js';

export type PrometheusAuth =
  { type: 'bearer'; token: string } | { type: 'basic'; username: string; password: string };

export interface PrometheusClientOptions {
  /** Base URL, e.g. `http://prometheus.istio-system:9090`. */
  address: string;
  auth?: PrometheusAuth | undefined;
  headers?: Record<string, string | string[]> | undefined;
  caFile?: string | undefined;
  insecureSkipVerify?: boolean | undefined;
  /** Default 5000 ms, as in Flagger. */
  timeoutMs?: number | undefined;
  /** GET (default, as Flagger) or form-encoded POST for long queries. */
  method?: 'GET' | 'POST' | undefined;
}

export interface Sample {
  labels: Record<string, string>;
  value: number;
  /** Unix seconds. */
  time: number;
}

export type InstantResult =
  | { type: 'vector'; samples: Sample[] }
  | { type: 'scalar'; value: number; time: number }
  | { type: 'string'; value: string; time: number };

/** An error from the server or the transport, with a message safe to show and log. */
export class PrometheusError extends ProviderError {}

export const DEFAULT_PROMETHEUS_TIMEOUT_MS = 5000;

export class PrometheusClient {
  private readonly dispatcher: () => Promise<Dispatcher>;
  private used = false;
  readonly endpoint: string;
  /** Basic auth from the address's userinfo, sent as Go's client would when no auth is configured. */
  private readonly userinfoAuth: string | undefined;

  constructor(private readonly options: PrometheusClientOptions) {
    this.dispatcher = tlsDispatcher(options);
    let base: URL;
    try {
      base = new URL(options.address);
    } catch {
      throw new PrometheusError(
        `invalid Prometheus address "${redactUrl(options.address)}": expected an absolute http(s) URL`,
      );
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') {
      throw new PrometheusError(
        `invalid Prometheus address "${redactUrl(options.address)}": expected http or https`,
      );
    }
    const { url: withoutUserinfo, authorization } = splitCredentials(base.toString());
    this.userinfoAuth = authorization;
    const bare = new URL(withoutUserinfo);
    // The address's own query string (a tenant, a proxy's key) stays, as Flagger keeps it.
    const endpoint = new URL(`${bare.pathname.replace(/\/$/, '')}/api/v1/query`, bare);
    endpoint.search = bare.search;
    this.endpoint = endpoint.toString();
  }

  /** Evaluates `query` at `time` (default: the server's now). */
  async query(query: string, time?: Date): Promise<InstantResult> {
    const params = new URLSearchParams({ query });
    if (time !== undefined) params.set('time', (time.getTime() / 1000).toFixed(3));
    const post = this.options.method === 'POST';
    const target = new URL(this.endpoint);
    if (!post) for (const [key, value] of params) target.searchParams.set(key, value);
    const url = target.toString();
    const headers = this.headers(post);
    const timeoutMs = this.options.timeoutMs ?? DEFAULT_PROMETHEUS_TIMEOUT_MS;
    const shown = redactUrl(this.endpoint);
    let status: number;
    let text: string;
    try {
      const response = await request(url, {
        method: post ? 'POST' : 'GET',
        headers,
        ...(post ? { body: params.toString() } : {}),
        dispatcher: await this.getDispatcher(),
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = response.statusCode;
      text = await response.body.text();
    } catch (error) {
      throw new PrometheusError(`query to ${shown} failed: ${transportMessage(error, timeoutMs)}`);
    }
    return interpret(text, status, shown);
  }

  private headers(post: boolean): Record<string, string | string[]> {
    const headers: Record<string, string | string[]> = { accept: 'application/json' };
    for (const [name, value] of Object.entries(this.options.headers ?? {}))
      headers[name.toLowerCase()] = value;
    if (post) headers['content-type'] = 'application/x-www-form-urlencoded';
    const auth = this.options.auth;
    if (auth === undefined && this.userinfoAuth !== undefined && headers.authorization === undefined)
      headers.authorization = this.userinfoAuth;
    if (auth?.type === 'bearer') headers.authorization = `Bearer ${auth.token}`;
    if (auth?.type === 'basic') {
      headers.authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
    }
    return headers;
  }

  private getDispatcher(): Promise<Dispatcher> {
    this.used = true;
    return this.dispatcher();
  }

  async close(): Promise<void> {
    if (this.used) await (await this.getDispatcher().catch(() => undefined))?.close();
  }
}

function interpret(text: string, status: number, shown: string): InstantResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new PrometheusError(
      `${shown} answered HTTP ${status} with a body that is not JSON: "${excerpt(text, 120)}" (is this a Prometheus API address?)`,
    );
  }
  const parsed = QueryResponse.safeParse(json);
  if (!parsed.success) {
    if (status >= 400) throw new PrometheusError(`${shown} answered HTTP ${status}: ${excerpt(text, 200)}`);
    const issue = parsed.error.issues[0];
    throw new PrometheusError(
      `${shown} answered JSON that is not a Prometheus query response (at ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'})`,
    );
  }
  const body = parsed.data;
  if (body.status === 'error') {
    throw new PrometheusError(
      `Prometheus error (HTTP ${status}, ${body.errorType ?? 'error'}): ${body.error ?? 'no message'}`,
    );
  }
  if (status >= 400) throw new PrometheusError(`${shown} answered HTTP ${status}`);
  const data = body.data;
  switch (data.resultType) {
    case 'vector':
      return {
        type: 'vector',
        samples: data.result.map((s) => ({
          labels: s.metric,
          time: s.value[0],
          value: parseValue(s.value[1], shown),
        })),
      };
    case 'scalar':
      return { type: 'scalar', time: data.result[0], value: parseValue(data.result[1], shown) };
    case 'string':
      return { type: 'string', time: data.result[0], value: data.result[1] };
    case 'matrix':
      throw new PrometheusError(
        'the query returned a range vector (matrix); expected an instant vector or a scalar: remove the trailing [range] or wrap it in a function such as rate()',
      );
  }
}

function parseValue(text: string, shown: string): number {
  try {
    return parseSampleValue(text);
  } catch (error) {
    throw new PrometheusError(`${shown}: sample value: ${(error as Error).message}`);
  }
}
