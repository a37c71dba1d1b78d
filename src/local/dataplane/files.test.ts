import { join } from 'node:path';
import { expect, it } from 'vitest';
import { checkStateDirForSocket, dataplaneSocket } from './files.js';

it('refuses, naming --state-dir, a state directory too long for the control socket', () => {
  const base = '/tmp/serin-state';
  const room = 107 - Buffer.byteLength(dataplaneSocket(join(base, 'x')));
  expect(() => {
    checkStateDirForSocket(join(base, 'x'.repeat(1 + room)));
  }).not.toThrow();
  expect(() => {
    checkStateDirForSocket(join(base, 'x'.repeat(2 + room)));
  }).toThrow(
    /^--state-dir: \/tmp\/serin-state\/x+ is too long for the data plane's control socket \(.* is 108 bytes/,
  );
});
