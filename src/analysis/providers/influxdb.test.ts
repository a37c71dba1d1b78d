import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createInfluxDbProvider } from './influxdb.js';
import { NoDataError } from './types.js';

let server: Server;
let address: string;
let reply = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/csv; charset=utf-8' });
      res.end(reply);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  address = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function table(type: string, value: string): string {
  return [
    `#datatype,string,long,${type}`,
    '#group,false,false,false',
    '#default,_result,,',
    ',result,table,_value',
    `,,0,${value}`,
    '',
  ].join('\r\n');
}

async function value(body: string): Promise<number> {
  reply = body;
  const provider = createInfluxDbProvider({ spec: { type: 'influxdb', address }, credentials: undefined });
  try {
    return await provider.queryValue('from(bucket: "b") |> range(start: -1m) |> count()');
  } finally {
    await provider.close();
  }
}

it('reads long (count()), unsignedLong and double values', async () => {
  await expect(value(table('long', '17'))).resolves.toBe(17);
  await expect(value(table('unsignedLong', '18'))).resolves.toBe(18);
  await expect(value(table('double', '0.25'))).resolves.toBe(0.25);
});

it('refuses a _value that is not a number, naming its type', async () => {
  await expect(value(table('string', 'ok'))).rejects.toThrow(
    /_value of type string; expected double, long or unsignedLong/,
  );
  await expect(value(table('boolean', 'true'))).rejects.toThrow(/type boolean/);
});

it('reports NaN as no data and a streamed error as an error', async () => {
  await expect(value(table('double', 'NaN'))).rejects.toBeInstanceOf(NoDataError);
  await expect(
    value('#datatype,string,string\r\n#group,true,true\r\n#default,,\r\n,error,reference\r\n,boom,\r\n'),
  ).rejects.toThrow(/influxdb query failed: boom/);
});

it('needs an address, and both token and org when a Secret is referenced', () => {
  expect(() => createInfluxDbProvider({ spec: { type: 'influxdb' }, credentials: undefined })).toThrow(
    /provider\.address/,
  );
  expect(() =>
    createInfluxDbProvider({
      spec: { type: 'influxdb', address, secretRef: { name: 'x' } },
      credentials: { token: 't' },
    }),
  ).toThrow(/must contain the key org/);
});
