import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { writeFileAtomicSync } from './state/atomic-file.js';

/** A token and who it belongs to: actions taken with it are recorded as that owner. */
export interface TokenFile {
  token: string;
  owner: string;
}

const OWNER_LINE = /^#\s*owner:\s*(.+?)\s*$/;

/** The OS user running this process: the owner of a token this process creates. */
export function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    // No passwd entry (some containers): the environment is the next best witness.
    return process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
}

/**
 * Reads a token file: the token on its first line, and optionally `# owner: NAME` on a later one
 * (a token handed to someone else names them). A file without an owner line belongs to the OS
 * user who runs the instance: only they can read a file created with mode 0600. Undefined when the file holds no token of at least 16 characters.
 */
export function parseTokenFile(text: string, fallbackOwner: string): TokenFile | undefined {
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  const token = lines.find((l) => l !== '' && !l.startsWith('#'));
  if (token === undefined || token.length < 16 || /\s/.test(token)) return undefined;
  const owner = lines.map((l) => OWNER_LINE.exec(l)?.[1]).find((o) => o !== undefined);
  return { token, owner: owner ?? fallbackOwner };
}

/** Reads the token file a running instance names in its run.json (what the CLI steers with). */
export function readTokenFile(file: string): TokenFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`token file ${file}: ${(error as Error).message}`, { cause: error });
  }
  const parsed = parseTokenFile(text, osUser());
  if (!parsed) throw new Error(`token file ${file}: expected a token of at least 16 characters`);
  return parsed;
}

/**
 * The bearer token that guards the local API's actions. A given file must exist and hold a token;
 * otherwise the default file is reused or created with a fresh random token, readable by its owner
 * only. The token itself is never printed or logged: only the file path is.
 */
export function loadOrCreateToken(options: { tokenFile?: string | undefined; defaultFile: string }): {
  token: string;
  owner: string;
  file: string;
  created: boolean;
} {
  if (options.tokenFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(options.tokenFile, 'utf8');
    } catch (error) {
      throw new Error(`--token-file ${options.tokenFile}: ${(error as Error).message}`, { cause: error });
    }
    const parsed = parseTokenFile(text, osUser());
    if (!parsed)
      throw new Error(`--token-file ${options.tokenFile}: expected a token of at least 16 characters`);
    return { ...parsed, file: options.tokenFile, created: false };
  }
  const file = options.defaultFile;
  if (existsSync(file)) {
    const parsed = parseTokenFile(readFileSync(file, 'utf8'), osUser());
    if (parsed) {
      // Tighten a file someone loosened; the token grants control of rollouts.
      if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
      return { ...parsed, file, created: false };
    }
  }
  // The created file holds the token alone, so `$(cat .serin/token)` stays a valid header value;
  // its owner is the OS user who runs the instance, the one who could read the file.
  const token = randomBytes(24).toString('base64url');
  writeFileAtomicSync(file, `${token}\n`, 0o600);
  chmodSync(file, 0o600);
  return { token, owner: osUser(), file, created: true };
}
