/**
 * Label syntax as kube-apiserver's `ValidateLabels` checks it on every write: a key is an optional
 * DNS-subdomain prefix and a `/`, then a name of at most 63 characters; a value is empty or at most
 * 63 characters of the same alphabet. Serin builds label values from Canary names, which may be
 * up to 253 characters long, so a server that skipped this would hide invalid objects.
 */
import { isObject, type JsonObject } from './json.js';

const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const NAME_MAX = 63;
const PREFIX_MAX = 253;

export interface MetadataCause {
  reason: 'FieldValueInvalid';
  field: string;
  message: string;
}

function keyProblem(key: string): string | undefined {
  const slash = key.indexOf('/');
  const prefix = slash === -1 ? undefined : key.slice(0, slash);
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (prefix !== undefined && (prefix.length > PREFIX_MAX || !DNS_SUBDOMAIN.test(prefix))) {
    return "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'";
  }
  if (name.length > NAME_MAX) return `name part must be no more than ${String(NAME_MAX)} characters`;
  if (!LABEL_NAME.test(name)) {
    return "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
  }
  return undefined;
}

function valueProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'must be a string';
  if (value === '') return undefined;
  if (value.length > NAME_MAX) return `must be no more than ${String(NAME_MAX)} characters`;
  if (!LABEL_NAME.test(value)) {
    return "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
  }
  return undefined;
}

/** One cause per invalid label key or value, with kube-apiserver's field path and wording. */
export function labelCauses(metadata: JsonObject): MetadataCause[] {
  const labels = metadata.labels;
  if (!isObject(labels)) return [];
  const causes: MetadataCause[] = [];
  for (const [key, value] of Object.entries(labels)) {
    const badKey = keyProblem(key);
    if (badKey !== undefined) {
      causes.push({
        reason: 'FieldValueInvalid',
        field: 'metadata.labels',
        message: `Invalid value: "${key}": ${badKey}`,
      });
    }
    const badValue = valueProblem(value);
    if (badValue !== undefined) {
      const shown = typeof value === 'string' ? value : JSON.stringify(value);
      causes.push({
        reason: 'FieldValueInvalid',
        field: 'metadata.labels',
        message: `Invalid value: "${shown}": ${badValue}`,
      });
    }
  }
  return causes;
}

/** kube-apiserver's limit on the total size of an object's annotations (keys and values). */
const ANNOTATIONS_MAX_BYTES = 256 * 1024;

/**
 * Annotation syntax as ValidateAnnotations checks it on every write: each key is a qualified name
 * (checked lower-cased, so an upper-case prefix passes), and keys and values together hold at
 * most 256 KiB.
 */
export function annotationCauses(metadata: JsonObject): MetadataCause[] {
  const annotations = metadata.annotations;
  if (!isObject(annotations)) return [];
  const causes: MetadataCause[] = [];
  let bytes = 0;
  for (const [key, value] of Object.entries(annotations)) {
    bytes += Buffer.byteLength(key) + (typeof value === 'string' ? Buffer.byteLength(value) : 0);
    const problem = keyProblem(key.toLowerCase());
    if (problem !== undefined)
      causes.push({
        reason: 'FieldValueInvalid',
        field: 'metadata.annotations',
        message: `Invalid value: "${key}": ${problem}`,
      });
  }
  if (bytes > ANNOTATIONS_MAX_BYTES)
    causes.push({
      reason: 'FieldValueInvalid',
      field: 'metadata.annotations',
      message: `Too long: must have at most ${String(ANNOTATIONS_MAX_BYTES)} bytes`,
    });
  return causes;
}
