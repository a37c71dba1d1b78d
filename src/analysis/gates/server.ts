/**
 * The gate server: Flagger load tester's gate API (`/gate/check`, `/gate/open`, `/gate/close`,
 * `/gate/approve`, `/gate/halt`, `/rollback/check|open|close`) with gates persisted in a
 * {@link GateStore}, plus the load tester's task endpoint (`POST /` with a `hey` command) backed by
 * Serin's own load generator. Opening and closing need the bearer token when one is configured;
 * checks and load tasks do not, because webhooks cannot send one.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { z } from 'zod';
import { CommandLineError } from '../loadgen/words.js';
import { LoadRefused } from '../loadgen/limits.js';
import type { LoadTasks } from '../loadgen/tasks.js';
import type { GateKind, GateStore } from './store.js';

export interface GateServerOptions {
  store: GateStore;
  /** Bearer token required by the endpoints that open or close gates. */
  token?: string | undefined;
  /** Recorded as who opened or closed a gate with the token; without it, the caller's address. */
  tokenOwner?: string | undefined;
  /** Runs `hey` load tasks for `POST /`; without it that endpoint answers 404. */
  loadTasks?: LoadTasks | undefined;
  /** Receives one line per state change and per error (never the token). */
  log?: (line: string) => void;
}

const MAX_BODY_BYTES = 1 << 20;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const GateTarget = z.object({
  name: z
    .string({ error: 'expected "name": the Canary name' })
    .min(1, { error: 'expected "name": the Canary name' }),
  namespace: z.string({ error: 'expected "namespace"' }).min(1, { error: 'expected "namespace"' }),
});

const TaskPayload = GateTarget.extend({
  metadata: z.record(z.string(), z.string(), { error: 'metadata not found in payload' }),
});

async function readJson(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'request body larger than 1 MiB');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `invalid JSON body: ${(error as Error).message}`);
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const at = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    throw new HttpError(400, `${at}${issue?.message ?? 'invalid body'}`);
  }
  return result.data;
}

function authorised(req: IncomingMessage, token: string | undefined): boolean {
  if (token === undefined) return true;
  const header = req.headers.authorization ?? '';
  const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function reply(res: ServerResponse, status: number, body: string | object): void {
  const json = typeof body !== 'string';
  res.writeHead(status, { 'content-type': json ? 'application/json' : 'text/plain; charset=utf-8' });
  res.end(json ? `${JSON.stringify(body)}\n` : `${body}\n`);
}

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export function createGateServer(options: GateServerOptions): RequestListener {
  const { store } = options;
  const log = options.log ?? (() => undefined);

  const check =
    (kind: GateKind): Handler =>
    async (req, res) => {
      const { name, namespace } = parse(GateTarget, await readJson(req));
      const open = await store.isOpen(kind, namespace, name);
      if (open) reply(res, 200, 'Approved');
      else reply(res, 403, `Forbidden: ${kind} for ${name}.${namespace} is closed`);
    };

  const change =
    (kind: GateKind, open: boolean): Handler =>
    async (req, res) => {
      if (!authorised(req, options.token)) {
        res.setHeader('www-authenticate', 'Bearer');
        reply(res, 401, 'Unauthorized: a bearer token is required to open or close gates');
        return;
      }
      const { name, namespace } = parse(GateTarget, await readJson(req));
      const state = await store.set(
        kind,
        namespace,
        name,
        open,
        options.tokenOwner ?? req.socket.remoteAddress,
      );
      log(`${kind} ${name}.${namespace} ${open ? 'opened' : 'closed'}`);
      reply(res, 202, state);
    };

  const task: Handler = async (req, res) => {
    if (options.loadTasks === undefined)
      throw new HttpError(404, 'load generation is not enabled on this server');
    const payload = parse(TaskPayload, await readJson(req));
    const type = payload.metadata.type ?? 'cmd';
    if (type !== 'cmd') {
      throw new HttpError(
        400,
        `task type "${type}" is not supported: Serin runs no shell or programs, only "cmd" with a hey command line`,
      );
    }
    const command = payload.metadata.cmd;
    if (command === undefined) throw new HttpError(400, 'metadata.cmd: expected a hey command line');
    try {
      const {
        task: started,
        started: isNew,
        elsewhere,
      } = await options.loadTasks.start(
        {
          canary: `${payload.name}.${payload.namespace}`,
          namespace: payload.namespace,
          // A caller with the token may load any target; a webhook (no token) only allowed ones.
          authorised: options.token !== undefined && authorised(req, options.token),
        },
        command,
      );
      if (isNew) log(`load task ${started.id} started for ${started.canary}`);
      const status = isNew
        ? 'started'
        : elsewhere === true
          ? 'already running on another replica'
          : 'already running';
      reply(res, 202, { id: started.id, status });
    } catch (error) {
      if (error instanceof CommandLineError) throw new HttpError(400, `metadata.cmd: ${error.message}`);
      if (error instanceof LoadRefused) throw new HttpError(error.status, `metadata.cmd: ${error.message}`);
      throw error;
    }
  };

  const routes: Record<string, Handler> = {
    '/gate/check': check('gate'),
    '/gate/open': change('gate', true),
    '/gate/close': change('gate', false),
    '/rollback/check': check('rollback'),
    '/rollback/open': change('rollback', true),
    '/rollback/close': change('rollback', false),
    '/gate/approve': (_req, res) => {
      reply(res, 200, 'Approved');
      return Promise.resolve();
    },
    '/gate/halt': (_req, res) => {
      reply(res, 403, 'Forbidden');
      return Promise.resolve();
    },
    '/': task,
  };

  return (req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    void (async () => {
      if (req.method === 'GET' && path === '/healthz') {
        reply(res, 200, 'OK');
        return;
      }
      if (req.method === 'GET' && path === '/gates') {
        reply(res, 200, { gates: await store.list() });
        return;
      }
      if (req.method === 'GET' && path === '/tasks' && options.loadTasks) {
        reply(res, 200, options.loadTasks.list());
        return;
      }
      const handler = routes[path];
      if (handler === undefined) throw new HttpError(404, `no such endpoint ${path}`);
      if (req.method !== 'POST') throw new HttpError(405, `${path} expects POST`);
      await handler(req, res);
    })().catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 500;
      const message = error instanceof Error ? error.message : String(error);
      if (status === 500) log(`error on ${path}: ${message}`);
      if (!res.headersSent) reply(res, status, message);
      else res.end();
    });
  };
}
