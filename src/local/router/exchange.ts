import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { CompiledConfig } from './config.js';
import { formatFlags, type ResponseFlag } from './flags.js';
import type { Cluster, EndpointTarget } from './services.js';
import {
  UNKNOWN_DESTINATION,
  type DestinationIdentity,
  type RouterTelemetry,
  type SourceIdentity,
} from './telemetry.js';

/** Header that carries Envoy response flags on responses the router generates itself. */
export const RESPONSE_FLAGS_HEADER = 'x-serin-response-flags';

/**
 * The state of one downstream request from arrival to the last byte of its response: the
 * configuration it captured, the response flags gathered on the way, and the cancellation that a
 * client disconnect or the route timeout triggers.
 */
export class Exchange {
  readonly flags = new Set<ResponseFlag>();
  readonly startedAt = performance.now();
  /** Set once the exchange is cancelled (client gone, route timeout); never cleared. */
  cancelled = false;
  cluster: Cluster | undefined;
  target: EndpointTarget | undefined;
  clientGone = false;
  routeTimedOut = false;
  /** The caller, for `source_*` telemetry; set once the request is read. */
  source: SourceIdentity;
  private cutByRouter = false;
  private recorded = false;
  /**
   * What cancelling stops right now (the upstream attempt or the fault delay in progress). A
   * plain callback rather than an AbortController: this runs on every request, and an
   * AbortSignal with its EventTarget and listeners was a measurable share of the request cost.
   */
  private onCancel: (() => void) | undefined;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly config: CompiledConfig,
    private readonly telemetry: RouterTelemetry,
  ) {
    this.source = config.callers.default.identity;
    res.once('close', () => {
      if (!res.writableFinished) {
        // Cut short: by the route timeout, by the router after an upstream failure, or by the client.
        if (this.routeTimedOut) this.flags.add('UT');
        // undici destroys the response with the upstream's error when the upstream dies mid-body.
        else if (this.cutByRouter || res.errored !== null) this.flags.add('UC');
        else {
          this.clientGone = true;
          this.flags.add('DC');
        }
        this.cancel();
      }
      this.recordSource();
    });
  }

  /** Cancels the exchange: whatever {@link whileCancellable} registered is stopped now. */
  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    const stop = this.onCancel;
    this.onCancel = undefined;
    stop?.();
  }

  /**
   * Registers what a cancellation must stop while one step runs (one at a time: the exchange
   * does one thing at a time); `undefined` clears it. Called on an exchange already cancelled,
   * `stop` runs at once.
   */
  whileCancellable(stop: (() => void) | undefined): void {
    if (stop !== undefined && this.cancelled) {
      stop();
      return;
    }
    this.onCancel = stop;
  }

  get finished(): boolean {
    return this.clientGone || this.res.headersSent;
  }

  /** Answers locally (no upstream response), as Envoy's local replies do. */
  reply(
    status: number,
    body: string,
    flags: readonly ResponseFlag[] = [],
    headers: OutgoingHttpHeaders = {},
  ): void {
    for (const f of flags) this.flags.add(f);
    // Drain an unread request body so the client connection can be reused.
    this.req.resume();
    if (this.res.headersSent) {
      this.cut();
      return;
    }
    if (this.clientGone) return;
    const payload = body === '' ? '' : `${body}\n`;
    this.res.writeHead(status, {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': Buffer.byteLength(payload),
      [RESPONSE_FLAGS_HEADER]: formatFlags(this.flags),
      ...headers,
    });
    this.res.end(payload);
  }

  /** Ends a response that has already started, after the upstream failed mid-body. */
  cut(): void {
    this.cutByRouter = true;
    this.res.destroy();
  }

  private destination(): DestinationIdentity {
    if (this.target !== undefined) return this.target.identity;
    const service = this.cluster?.service;
    if (service === undefined) return UNKNOWN_DESTINATION;
    return {
      ...UNKNOWN_DESTINATION,
      serviceName: service.name,
      serviceNamespace: service.namespace,
      workloadNamespace: service.namespace,
    };
  }

  private recordSource(): void {
    if (this.recorded) return;
    this.recorded = true;
    this.telemetry.record({
      reporter: 'source',
      source: this.source,
      destination: this.destination(),
      responseCode: this.res.headersSent ? this.res.statusCode : 0,
      responseFlags: formatFlags(this.flags),
      durationMs: performance.now() - this.startedAt,
    });
  }
}
