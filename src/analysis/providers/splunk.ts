/**
 * Splunk Observability (SignalFx) through SignalFlow, as Flagger queries it: a WebSocket to the
 * stream endpoint (`address` + `/v2/signalflow/connect`, `http`→`ws` and `api`→`stream` as Flagger
 * rewrites it), authenticated with the Secret's `sf_token_key`, one `execute` of the program over
 * ten metric intervals ending now with `immediate: true`, until the channel ends. The value is the
 * last data point; none is no data; points of more than one time series are an error (aggregate
 * the program). Messages are read as `signalflow.ts` describes them.
 */
import { WebSocket } from 'undici';
import { ProviderError, requiredCredential } from './http.js';
import { parseBinaryMessage, type DataPoint } from './signalflow.js';
import { redactUrl } from '../redact.js';
import { NoDataError, type MetricProvider, type ProviderFactory } from './types.js';
import { DEFAULT_PROVIDER_TIMEOUT_MS } from './http.js';
import { intervalMs, timeoutMs } from './window.js';

const WINDOW_INTERVALS = 10;
const CHANNEL = 'serin-1';

/** Flagger's rewrite of the API address into the stream address. */
export function signalFlowUrl(address: string): URL {
  const rewritten = `${address.replace(/\/$/, '')}/v2/signalflow`
    .replace('http', 'ws')
    .replace('api', 'stream');
  let url: URL;
  try {
    url = new URL(`${rewritten}/connect`);
  } catch {
    throw new ProviderError(`provider.address: "${redactUrl(address)}" is not an absolute URL`);
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:')
    throw new ProviderError(`provider.address: "${redactUrl(address)}" must be http(s) or ws(s)`);
  return url;
}

interface TextMessage {
  type?: string;
  event?: string;
  channel?: string;
  message?: string;
  error?: unknown;
  abortInfo?: { sf_job_abortReason?: string; sf_job_abortState?: string };
}

/** What one text message means for the computation: go on, done, or an error. */
function textOutcome(message: TextMessage): 'continue' | 'done' | Error {
  if (message.type === 'error')
    return new ProviderError(
      `splunk refused the computation: ${message.message ?? JSON.stringify(message.error ?? '')}`,
    );
  if (message.type !== 'control-message') return 'continue';
  if (message.event === 'END_OF_CHANNEL') return 'done';
  if (message.event === 'CHANNEL_ABORT' || message.event === 'JOB_FAILED')
    return new ProviderError(
      `splunk aborted the computation: ${message.abortInfo?.sf_job_abortReason ?? message.event}`,
    );
  return 'continue';
}

function valueOf(points: DataPoint[], query: string): number {
  const last = points.at(-1);
  if (last === undefined) throw new NoDataError(`no values found for program "${query}"`);
  const series = new Set(points.map((p) => p.tsId));
  if (series.size > 1)
    throw new ProviderError(
      `program "${query}" returned ${String(series.size)} time series; expected one: aggregate it, e.g. with sum()`,
    );
  return last.value;
}

function runComputation(
  url: URL,
  token: string,
  execute: Record<string, unknown>,
  limitMs: number,
): Promise<DataPoint[]> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.binaryType = 'arraybuffer';
    const points: DataPoint[] = [];
    let settled = false;
    const finish = (error?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.close();
      if (error) reject(error);
      else resolve(points);
    };
    const timer = setTimeout(() => {
      finish(
        new ProviderError(
          `splunk computation at ${redactUrl(url.toString())} timed out after ${String(limitMs)} ms`,
        ),
      );
    }, limitMs);
    const onText = (message: TextMessage): void => {
      if (message.type === 'authenticated') {
        socket.send(JSON.stringify(execute));
        return;
      }
      const outcome = textOutcome(message);
      if (outcome === 'done') finish();
      else if (outcome instanceof Error) finish(outcome);
    };
    socket.addEventListener('open', () => {
      socket.send(JSON.stringify({ type: 'authenticate', token }));
    });
    socket.addEventListener('message', (event) => {
      try {
        if (typeof event.data === 'string') {
          onText(JSON.parse(event.data) as TextMessage);
          return;
        }
        const parsed = parseBinaryMessage(Buffer.from(event.data as ArrayBuffer));
        if (parsed.kind === 'data') points.push(...parsed.points);
        else if (parsed.kind === 'json') onText(parsed.message as TextMessage);
      } catch (error) {
        finish(
          error instanceof ProviderError
            ? error
            : new ProviderError(`splunk sent a message that is not SignalFlow: ${(error as Error).message}`),
        );
      }
    });
    socket.addEventListener('error', () => {
      finish(new ProviderError(`splunk stream at ${redactUrl(url.toString())} failed to connect or broke`));
    });
    socket.addEventListener('close', (event) => {
      finish(
        new ProviderError(
          `splunk closed the stream before the computation ended (code ${String(event.code)}${event.reason === '' ? '' : `: ${event.reason}`})`,
        ),
      );
    });
  });
}

export const createSplunkProvider: ProviderFactory = ({ spec, credentials, interval }) => {
  if (spec.address === undefined || spec.address === '')
    throw new ProviderError(
      'provider.address: splunk needs the API address, e.g. https://api.us1.signalfx.com',
    );
  const url = signalFlowUrl(spec.address);
  const token = requiredCredential('splunk', credentials, 'sf_token_key');
  const windowMs = WINDOW_INTERVALS * intervalMs('splunk', interval);
  const limitMs = timeoutMs(spec.timeout) ?? DEFAULT_PROVIDER_TIMEOUT_MS;
  const provider: MetricProvider = {
    type: 'splunk',
    async queryValue(query, time) {
      const stop = (time ?? new Date()).getTime();
      const execute = {
        type: 'execute',
        channel: CHANNEL,
        program: query,
        start: stop - windowMs,
        stop,
        immediate: true,
      };
      return valueOf(await runComputation(url, token, execute, limitMs), query);
    },
    close: () => Promise.resolve(),
  };
  return provider;
};
