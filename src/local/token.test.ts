import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadOrCreateToken, osUser, parseTokenFile, readTokenFile } from './token.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'serin-token-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('token files', () => {
  it('creates a token alone on its line, owned by the OS user who runs the instance', () => {
    const file = join(tempDir(), 'token');
    const created = loadOrCreateToken({ defaultFile: file });
    expect(created.created).toBe(true);
    expect(created.owner).toBe(osUser());
    // `$(cat token)` must stay a valid Authorization header value.
    expect(readFileSync(file, 'utf8')).toBe(`${created.token}\n`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadOrCreateToken({ defaultFile: file })).toMatchObject({ token: created.token, created: false });
  });

  it('names the owner written in the file', () => {
    const file = join(tempDir(), 'shared');
    writeFileSync(file, 'abcdefghijklmnopqrstuvwx\n# owner: alice@example.com\n');
    expect(readTokenFile(file)).toEqual({ token: 'abcdefghijklmnopqrstuvwx', owner: 'alice@example.com' });
    expect(loadOrCreateToken({ tokenFile: file, defaultFile: join(tempDir(), 'x') })).toMatchObject({
      token: 'abcdefghijklmnopqrstuvwx',
      owner: 'alice@example.com',
    });
  });

  it('refuses a file without a token of at least 16 characters', () => {
    expect(parseTokenFile('# owner: bob\nshort\n', 'x')).toBeUndefined();
    expect(parseTokenFile('two words that are long enough\n', 'x')).toBeUndefined();
    const file = join(tempDir(), 'bad');
    writeFileSync(file, 'short\n');
    expect(() => readTokenFile(file)).toThrow(/expected a token of at least 16 characters/);
  });
});
