import type { IncomingMessage } from 'node:http';
import { PassThrough, Writable, type Readable } from 'node:stream';
import type { MirrorTarget } from './config.js';
import type { HeaderMap } from './headers.js';
import { chance } from './policies.js';
import type { RouterTelemetry, SourceIdentity } from './telemetry.js';

/** Bytes of request body a mirror may lag behind the main request before it is dropped. */
const MIRROR_BODY_BUDGET = 1 << 20;
/** A mirror that has not answered within this time is abandoned. */
const MIRROR_TIMEOUT_MS = 30_000;

/** Envoy appends `-shadow` to the host of mirrored requests (before the port). */
export function shadowAuthority(authority: string): string {
  const m = /^(.*?)(:\d+)?$/.exec(authority);
  return `${m?.[1] ?? authority}-shadow${m?.[2] ?? ''}`;
}

export interface MirrorRequest {
  method: string;
  path: string;
  headers: HeaderMap;
  authority: string;
  /** The caller, for the mirror's destination telemetry. */
  source: SourceIdentity;
}

/**
 * Splits a request body between the main request and mirrors. The main request keeps normal
 * backpressure; mirrors get copies without backpressure up to a budget, so a slow mirror can
 * never slow or fail the main request (it is cut off instead).
 */
function teeBody(req: IncomingMessage, mirrors: number): { main: Readable; copies: PassThrough[] } {
  const main = new PassThrough();
  const copies = Array.from(
    { length: mirrors },
    () => new PassThrough({ highWaterMark: MIRROR_BODY_BUDGET }),
  );
  req.on('data', (chunk: Buffer) => {
    for (const copy of copies) {
      if (copy.destroyed) continue;
      if (copy.writableLength > MIRROR_BODY_BUDGET) copy.destroy(new Error('mirror fell behind'));
      else copy.write(chunk);
    }
    if (!main.write(chunk)) req.pause();
  });
  main.on('drain', () => req.resume());
  req.on('end', () => {
    main.end();
    for (const copy of copies) if (!copy.destroyed) copy.end();
  });
  req.on('error', (error) => {
    main.destroy(error);
    for (const copy of copies) copy.destroy();
  });
  return { main, copies };
}

/**
 * Starts fire-and-forget copies of a request to the route's mirrors (each with its own
 * percentage) and returns the body stream the main request must use instead of `req`.
 * Responses are discarded; mirror outcomes appear only in destination telemetry.
 */
export function startMirrors(
  mirrors: readonly MirrorTarget[],
  req: IncomingMessage,
  request: MirrorRequest,
  body: Readable | null,
  deps: { telemetry: RouterTelemetry; random: () => number },
): Readable | null {
  const chosen = mirrors.filter((m) => m.cluster !== undefined && chance(m.percent, deps.random));
  if (chosen.length === 0) return body;
  const tee = body === null ? undefined : teeBody(req, chosen.length);
  chosen.forEach((mirror, i) => {
    const target = mirror.cluster?.pick(request.headers);
    if (target === undefined) {
      tee?.copies[i]?.destroy();
      return;
    }
    const startedAt = performance.now();
    let status = 0;
    const headers = { ...request.headers, host: shadowAuthority(request.authority) };
    target.pool
      .stream(
        {
          method: request.method,
          path: request.path,
          headers,
          body: tee?.copies[i] ?? null,
          signal: AbortSignal.timeout(MIRROR_TIMEOUT_MS),
        },
        ({ statusCode }) => {
          status = statusCode;
          return new Writable({
            write(_chunk, _encoding, callback) {
              callback();
            },
          });
        },
      )
      .then(
        () => {
          deps.telemetry.record({
            reporter: 'destination',
            source: request.source,
            destination: target.identity,
            responseCode: status,
            responseFlags: '-',
            durationMs: performance.now() - startedAt,
          });
        },
        () => undefined,
      );
  });
  return tee?.main ?? body;
}
