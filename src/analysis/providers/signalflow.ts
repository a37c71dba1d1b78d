/**
 * SignalFlow's WebSocket messages (Splunk Observability's streaming API), as far as a one-shot
 * computation needs them: JSON text messages (`authenticated`, `control-message`, `metadata`,
 * `error`) and binary data messages. A binary message starts with a 20-byte header (version,
 * message type, flags, reserved, 16-byte channel name); flag 0x01 means the rest is gzip
 * compressed and 0x02 that it is JSON. A data message (type 5) carries a timestamp (int64 ms),
 * a count (uint32) and that many 17-byte points: value type (1 long, 2 double, 3 int), the
 * time series id (8 bytes) and the value (8 bytes), all big-endian.
 */
import { gunzipSync } from 'node:zlib';
import { ProviderError } from './http.js';

const HEADER_BYTES = 20;
const DATA_MESSAGE = 5;
const COMPRESSED = 0x01;
const JSON_ENCODED = 0x02;
const POINT_BYTES = 17;

export interface DataPoint {
  tsId: string;
  value: number;
}

export type BinaryMessage =
  | { kind: 'data'; channel: string; timestamp: number; points: DataPoint[] }
  | { kind: 'json'; message: unknown }
  | { kind: 'other'; type: number };

function pointValue(type: number, bytes: Buffer, at: number): number | undefined {
  if (type === 1) return Number(bytes.readBigInt64BE(at));
  if (type === 2) return bytes.readDoubleBE(at);
  if (type === 3) return bytes.readInt32BE(at + 4);
  return undefined;
}

export function parseBinaryMessage(data: Buffer): BinaryMessage {
  if (data.length < HEADER_BYTES)
    throw new ProviderError(
      `splunk sent a binary message of ${String(data.length)} bytes, shorter than its 20-byte header`,
    );
  const type = data.readUInt8(1);
  const flags = data.readUInt8(2);
  const channel = data.subarray(4, HEADER_BYTES).toString('utf8').replace(/\0+$/, '');
  let body = data.subarray(HEADER_BYTES);
  if ((flags & COMPRESSED) !== 0) body = gunzipSync(body);
  if ((flags & JSON_ENCODED) !== 0)
    return { kind: 'json', message: JSON.parse(body.toString('utf8')) as unknown };
  if (type !== DATA_MESSAGE) return { kind: 'other', type };
  if (body.length < 12) throw new ProviderError('splunk sent a data message without its timestamp and count');
  const timestamp = Number(body.readBigInt64BE(0));
  const count = body.readUInt32BE(8);
  if (body.length < 12 + count * POINT_BYTES)
    throw new ProviderError(
      `splunk sent a data message announcing ${String(count)} points in ${String(body.length - 12)} bytes`,
    );
  const points: DataPoint[] = [];
  for (let i = 0; i < count; i++) {
    const at = 12 + i * POINT_BYTES;
    const value = pointValue(body.readUInt8(at), body, at + 9);
    if (value !== undefined) points.push({ tsId: body.subarray(at + 1, at + 9).toString('hex'), value });
  }
  return { kind: 'data', channel, timestamp, points };
}
