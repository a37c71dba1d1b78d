/**
 * Content negotiation on the response, as kube-apiserver does it: the Accept header lists media
 * ranges in order of preference, and the first one the server can produce wins. This server writes
 * JSON only (as kube-apiserver does for custom resources, which have no protobuf form), so
 * `application/vnd.kubernetes.protobuf` alone gets 406 Not Acceptable, while kubectl's
 * `application/vnd.kubernetes.protobuf,application/json` falls back to JSON.
 */

/** The media types this server can write; the message lists them as kube-apiserver lists its own. */
const PRODUCED = ['application/json'];

/** Whether one media range (`type/subtype;params`) can be answered with JSON. */
function acceptsJson(range: string): boolean {
  // Parameters (`as=Table;g=meta.k8s.io;v=v1`, `stream=watch`) are the endpoints' to read.
  const media = (range.split(';')[0] ?? '').trim().toLowerCase();
  return media === '*/*' || media === 'application/*' || media === 'application/json';
}

/**
 * The message of the 406 for an Accept header no JSON answer satisfies, or undefined when JSON
 * satisfies it (no header, an empty one, or one listing JSON or a wildcard among its ranges).
 */
export function notAcceptable(accept: string | undefined): string | undefined {
  if (accept === undefined || accept.trim() === '') return undefined;
  const ranges = accept.split(',').filter((r) => r.trim() !== '');
  if (ranges.length === 0 || ranges.some(acceptsJson)) return undefined;
  return `only the following media types are accepted: ${PRODUCED.join(', ')}`;
}
