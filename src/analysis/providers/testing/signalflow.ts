/**
 * SignalFlow's WebSocket API as the Splunk suite needs it: `/v2/signalflow/connect`, an
 * `authenticate` message checked against the org's token, then one `execute` answered with the
 * documented sequence (STREAM_START, JOB_START, metadata, binary data messages, END_OF_CHANNEL).
 */
import { gzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface SignalFlowPoint {
  tsId: string;
  type: 1 | 2 | 3;
  value: number;
}

export interface Execution {
  program: string;
  start: number;
  stop: number;
  immediate: boolean;
  channel: string;
}

/** What the service answers to one execute: data batches, an abort, an error, or silence. */
export type Reply =
  | { batches: SignalFlowPoint[][]; compressed?: boolean }
  | { abort: string }
  | { error: string }
  | { silent: true };

/** A data message as the service writes it (used by tests to speak the protocol). */
function encodeDataMessage(channel: string, timestamp: number, points: SignalFlowPoint[]): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt8(1, 0);
  header.writeUInt8(DATA_MESSAGE, 1);
  header.write(channel.slice(0, 16), 4, 'utf8');
  const body = Buffer.alloc(12 + points.length * POINT_BYTES);
  body.writeBigInt64BE(BigInt(timestamp), 0);
  body.writeUInt32BE(points.length, 8);
  points.forEach((point, i) => {
    const at = 12 + i * POINT_BYTES;
    body.writeUInt8(point.type, at);
    Buffer.from(point.tsId.padStart(16, '0'), 'hex').copy(body, at + 1);
    if (point.type === 1) body.writeBigInt64BE(BigInt(point.value), at + 9);
    else if (point.type === 2) body.writeDoubleBE(point.value, at + 9);
    else body.writeInt32BE(point.value, at + 13);
  });
  return Buffer.concat([header, body]);
}

const HEADER_BYTES = 20;
const DATA_MESSAGE = 5;
const POINT_BYTES = 17;

function compress(message: Buffer): Buffer {
  const header = Buffer.from(message.subarray(0, HEADER_BYTES));
  header.writeUInt8(header.readUInt8(2) | 0x01, 2);
  return Buffer.concat([header, gzipSync(message.subarray(HEADER_BYTES))]);
}

export class SignalFlowServer {
  readonly executions: Execution[] = [];
  private server: WebSocketServer | undefined;

  constructor(
    private readonly token: string,
    private readonly reply: (program: string) => Reply,
  ) {}

  async start(): Promise<string> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/v2/signalflow/connect' });
    await new Promise<void>((resolve) => server.once('listening', resolve));
    server.on('connection', (socket) => {
      this.serve(socket);
    });
    this.server = server;
    return `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  }

  async stop(): Promise<void> {
    for (const client of this.server?.clients ?? []) client.terminate();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  private serve(socket: WebSocket): void {
    let authenticated = false;
    socket.on('message', (data, isBinary) => {
      if (isBinary) return;
      const text = Array.isArray(data)
        ? Buffer.concat(data)
        : data instanceof ArrayBuffer
          ? Buffer.from(data)
          : data;
      const message = JSON.parse(text.toString('utf8')) as Record<string, unknown>;
      if (message.type === 'authenticate') {
        if (message.token !== this.token) {
          socket.send(JSON.stringify({ type: 'error', error: 401, message: 'Authentication failed' }));
          socket.close(4401, 'Unauthorized');
          return;
        }
        authenticated = true;
        socket.send(JSON.stringify({ type: 'authenticated', orgId: 'ORG', userId: 'USER' }));
      } else if (message.type === 'execute' && authenticated) {
        this.execute(socket, message);
      }
    });
  }

  private execute(socket: WebSocket, message: Record<string, unknown>): void {
    const channel = String(message.channel);
    const execution: Execution = {
      program: String(message.program),
      start: Number(message.start),
      stop: Number(message.stop),
      immediate: message.immediate === true,
      channel,
    };
    this.executions.push(execution);
    const reply = this.reply(execution.program);
    if ('silent' in reply) return;
    const control = (event: string, extra: Record<string, unknown> = {}): void => {
      socket.send(
        JSON.stringify({ type: 'control-message', channel, event, timestampMs: execution.stop, ...extra }),
      );
    };
    control('STREAM_START');
    control('JOB_START', { handle: 'HANDLE' });
    if ('error' in reply) {
      socket.send(JSON.stringify({ type: 'error', channel, error: 400, message: reply.error }));
      return;
    }
    if ('abort' in reply) {
      control('CHANNEL_ABORT', {
        abortInfo: { sf_job_abortState: 'FAILED', sf_job_abortReason: reply.abort },
      });
      return;
    }
    for (const tsId of new Set(reply.batches.flat().map((p) => p.tsId)))
      socket.send(JSON.stringify({ type: 'metadata', channel, tsId, properties: { sf_metric: 'demo' } }));
    reply.batches.forEach((points, i) => {
      const encoded = encodeDataMessage(channel, execution.start + i * 60_000, points);
      socket.send(reply.compressed === true ? compress(encoded) : encoded);
    });
    control('END_OF_CHANNEL');
  }
}
