/** The one reading of a URL flag (`--api`, `--prometheus`, ...) every command shares. */
import { UsageError } from './program.js';

/** The flag's value without trailing slashes, or a usage error naming the flag; absent stays absent. */
export function parseUrl(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${flag}: expected an http(s) URL such as http://127.0.0.1:9090, got "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError(`${flag}: expected an http(s) URL, got "${value}"`);
  return value.replace(/\/+$/, '');
}
