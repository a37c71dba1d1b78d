import { readFile } from 'node:fs/promises';

/** Key/value data of a Kubernetes Secret (already base64-decoded), or of a secret file in local mode. */
export type SecretData = Record<string, string>;

/** Finds a Secret by namespace and name; `undefined` when it does not exist. */
export type SecretLookup = (namespace: string, name: string) => Promise<SecretData | undefined>;

function isStringRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const KEY_VALUE_LINE = /^[A-Za-z_][\w.-]*\s*=/;

/**
 * Reads secret data from text: a JSON object of strings, `key=value` lines (`#` comments), or, when
 * `wholeKey` is given and the text is neither, the whole trimmed text as that key (a file that
 * holds just a webhook URL or a token).
 */
export function parseSecretText(text: string, source: string, wholeKey?: string): SecretData {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (error) {
      throw new Error(`${source}: invalid JSON: ${(error as Error).message}`, { cause: error });
    }
    if (!isStringRecord(parsed)) throw new Error(`${source}: expected a JSON object of strings`);
    const data: SecretData = {};
    for (const [key, value] of Object.entries(parsed)) {
      if (typeof value !== 'string') throw new Error(`${source}: key "${key}": expected a string value`);
      data[key] = value;
    }
    return data;
  }
  const lines = trimmed.split(/\r?\n/).filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
  if (lines.length > 0 && lines.every((l) => KEY_VALUE_LINE.test(l.trim()))) {
    const data: SecretData = {};
    for (const line of lines) {
      const at = line.indexOf('=');
      data[line.slice(0, at).trim()] = line.slice(at + 1).trim();
    }
    return data;
  }
  if (wholeKey !== undefined && lines.length === 1) return { [wholeKey]: trimmed };
  throw new Error(`${source}: expected a JSON object or key=value lines`);
}

export async function readSecretFile(path: string, wholeKey?: string): Promise<SecretData> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read secret file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, {
      cause: error,
    });
  }
  return parseSecretText(text, path, wholeKey);
}

/**
 * The secret data a resource refers to: `secretFile` (local mode) wins over `secretRef`, which is
 * looked up in the resource's namespace unless the reference names one.
 */
export async function resolveSecret(
  ref: {
    secretRef?: { name: string; namespace?: string | undefined } | undefined;
    secretFile?: string | undefined;
  },
  defaultNamespace: string,
  lookup: SecretLookup | undefined,
  wholeKey?: string,
): Promise<SecretData | undefined> {
  if (ref.secretFile !== undefined) return readSecretFile(ref.secretFile, wholeKey);
  if (ref.secretRef === undefined) return undefined;
  const namespace = ref.secretRef.namespace ?? defaultNamespace;
  if (lookup === undefined) {
    throw new Error(`secret ${namespace}/${ref.secretRef.name} cannot be read: no secret store configured`);
  }
  const data = await lookup(namespace, ref.secretRef.name);
  if (data === undefined) throw new Error(`secret ${namespace}/${ref.secretRef.name} not found`);
  return data;
}
