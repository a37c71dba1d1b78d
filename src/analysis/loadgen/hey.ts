/**
 * Reads the `hey` command lines Flagger's load tester runs (`hey -z 1m -q 10 -c 2 http://x/`) into
 * load-generator options. Nothing is executed: the line is parsed, and every flag Serin does not
 * implement is an error that names it.
 */
import { parseDuration } from '../../api/common.js';
import { CommandLineError, quoteWord, splitWords } from './words.js';

export interface LoadOptions {
  url: string;
  method: string;
  headers: [string, string][];
  body?: string | undefined;
  /** Workers sending requests at once (hey -c, default 50). */
  concurrency: number;
  /** Requests per second per worker (hey -q); undefined = as fast as possible. */
  ratePerWorker?: number | undefined;
  /** Run for this long (hey -z); takes precedence over `requests`. */
  durationMs?: number | undefined;
  /** Total requests (hey -n, default 200) when there is no duration. */
  requests?: number | undefined;
  /** Per-request timeout (hey -t seconds, default 20; 0 = none). */
  timeoutMs: number;
}

const UNSUPPORTED: Record<string, string> = {
  D: 'body from a file',
  a: 'basic auth',
  A: 'Accept header (use -H "Accept: ...")',
  x: 'HTTP proxy',
  o: 'output format',
  h2: 'HTTP/2',
  cpus: 'CPU count',
  'disable-compression': 'compression switch',
  'disable-keepalive': 'keep-alive switch',
  'disable-redirects': 'redirect switch',
  host: 'Host header override (use -H "Host: ...")',
};

function positiveInt(flag: string, value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new CommandLineError(`-${flag}: expected a whole number of 1 or more, got "${value}"`);
  return Number(value);
}

function nonNegativeNumber(flag: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0)
    throw new CommandLineError(`-${flag}: expected a number of 0 or more, got "${value}"`);
  return n;
}

function header(value: string): [string, string] {
  const at = value.indexOf(':');
  if (at <= 0) throw new CommandLineError(`-H: expected "Name: value", got "${value}"`);
  return [value.slice(0, at).trim(), value.slice(at + 1).trim()];
}

function duration(value: string): number {
  try {
    const ms = parseDuration(value);
    if (ms <= 0) throw new Error('zero');
    return ms;
  } catch {
    throw new CommandLineError(`-z: expected a duration such as 30s, 1m or 1m30s, got "${value}"`);
  }
}

interface Draft {
  options: LoadOptions;
  contentType?: string;
}

function apply(draft: Draft, flag: string, value: string): void {
  const o = draft.options;
  switch (flag) {
    case 'z':
      o.durationMs = duration(value);
      return;
    case 'n':
      o.requests = positiveInt(flag, value);
      return;
    case 'c':
      o.concurrency = positiveInt(flag, value);
      return;
    case 'q': {
      const q = nonNegativeNumber(flag, value);
      o.ratePerWorker = q === 0 ? undefined : q;
      return;
    }
    case 'm':
      if (!/^[A-Za-z]+$/.test(value))
        throw new CommandLineError(`-m: expected an HTTP method, got "${value}"`);
      o.method = value.toUpperCase();
      return;
    case 'H':
      o.headers.push(header(value));
      return;
    case 'd':
      o.body = value;
      return;
    case 'T':
      draft.contentType = value;
      return;
    case 't':
      o.timeoutMs = nonNegativeNumber(flag, value) * 1000;
      return;
    default:
      throw new CommandLineError(`unknown hey flag -${flag}`);
  }
}

function finish(draft: Draft, url: string | undefined): LoadOptions {
  const o = draft.options;
  if (url === undefined) throw new CommandLineError('expected the URL to load as the last argument');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CommandLineError(`expected an absolute http(s) URL, got "${url}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new CommandLineError(`expected an http(s) URL, got "${url}"`);
  o.url = url;
  if (draft.contentType !== undefined && !o.headers.some(([n]) => n.toLowerCase() === 'content-type')) {
    o.headers.push(['Content-Type', draft.contentType]);
  }
  if (o.durationMs !== undefined) delete o.requests;
  else {
    o.requests ??= 200;
    if (o.requests < o.concurrency)
      throw new CommandLineError(`-n cannot be less than -c (${o.requests} < ${o.concurrency})`);
  }
  return o;
}

const VALUE_FLAGS = new Set(['z', 'n', 'c', 'q', 'm', 'H', 'd', 'T', 't']);

/** Parses one `hey` command line. */
export function parseHey(command: string): LoadOptions {
  const words = splitWords(command);
  const program = words.shift();
  if (program === undefined) throw new CommandLineError('empty command');
  if (program !== 'hey' && !program.endsWith('/hey')) {
    throw new CommandLineError(
      `only "hey" command lines are supported, got "${program}": Serin generates the load itself and runs no programs`,
    );
  }
  const draft: Draft = {
    options: { url: '', method: 'GET', headers: [], concurrency: 50, timeoutMs: 20_000 },
  };
  let url: string | undefined;
  for (let i = 0; i < words.length; i++) {
    const word = words[i] ?? '';
    if (!word.startsWith('-') || word === '-') {
      if (url !== undefined) throw new CommandLineError(`unexpected argument "${word}" after the URL`);
      url = word;
      continue;
    }
    if (url !== undefined)
      throw new CommandLineError(`flag ${word} after the URL: hey reads flags before the URL only`);
    const body = word.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const flag = eq === -1 ? body : body.slice(0, eq);
    if (UNSUPPORTED[flag] !== undefined)
      throw new CommandLineError(`hey flag -${flag} (${UNSUPPORTED[flag]}) is not supported`);
    if (!VALUE_FLAGS.has(flag)) throw new CommandLineError(`unknown hey flag -${flag}`);
    let value: string | undefined = eq === -1 ? undefined : body.slice(eq + 1);
    if (value === undefined) {
      value = words[i + 1];
      i += 1;
    }
    if (value === undefined) throw new CommandLineError(`flag -${flag} needs a value`);
    apply(draft, flag, value);
  }
  return finish(draft, url);
}

/** Writes options back as a `hey` command line (the inverse of {@link parseHey}). */
export function formatHey(o: LoadOptions): string {
  const parts = ['hey'];
  if (o.durationMs !== undefined) parts.push('-z', `${o.durationMs}ms`);
  else if (o.requests !== undefined) parts.push('-n', String(o.requests));
  parts.push('-c', String(o.concurrency));
  if (o.ratePerWorker !== undefined) parts.push('-q', String(o.ratePerWorker));
  if (o.method !== 'GET') parts.push('-m', o.method);
  for (const [name, value] of o.headers) parts.push('-H', quoteWord(`${name}: ${value}`));
  if (o.body !== undefined) parts.push('-d', quoteWord(o.body));
  parts.push('-t', String(o.timeoutMs / 1000));
  parts.push(quoteWord(o.url));
  return parts.join(' ');
}
