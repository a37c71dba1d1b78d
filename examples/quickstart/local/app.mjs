// The service of the local quick start: any program that listens on $PORT will do.
import { createServer } from 'node:http';
import process from 'node:process';

const version = process.env.VERSION ?? 'v1';
// A faulty build: this share of requests fails with HTTP 500.
const errorRate = Number(process.env.ERROR_RATE ?? '0');

createServer((req, res) => {
  if (req.url === '/healthz') {
    res.end('ok\n');
    return;
  }
  const failed = Math.random() < errorRate;
  res.writeHead(failed ? 500 : 200, { 'content-type': 'text/plain', 'x-version': version });
  res.end(failed ? `${version}: internal error\n` : `hello from ${version}\n`);
}).listen(Number(process.env.PORT), '127.0.0.1');
