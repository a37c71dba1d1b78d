import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, statSync } from 'node:fs';
import { writeFileAtomicSync } from './state/atomic-file.js';

/**
 * The bearer token that guards the local API's actions. A given file must exist and hold a token;
 * otherwise the default file is reused or created with a fresh random token, readable by its owner
 * only. The token itself is never printed or logged: only the file path is.
 */
export function loadOrCreateToken(options: { tokenFile?: string | undefined; defaultFile: string }): {
  token: string;
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
    const token = text.trim();
    if (token.length < 16)
      throw new Error(`--token-file ${options.tokenFile}: expected a token of at least 16 characters`);
    return { token, file: options.tokenFile, created: false };
  }
  const file = options.defaultFile;
  if (existsSync(file)) {
    const token = readFileSync(file, 'utf8').trim();
    if (token.length >= 16) {
      // Tighten a file someone loosened; the token grants control of rollouts.
      if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
      return { token, file, created: false };
    }
  }
  const token = randomBytes(24).toString('base64url');
  writeFileAtomicSync(file, `${token}\n`, 0o600);
  chmodSync(file, 0o600);
  return { token, file, created: true };
}
