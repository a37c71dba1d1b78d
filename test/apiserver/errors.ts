import type { JsonObject } from './json.js';

/** An error the server answers with a `metav1.Status` body, exactly as kube-apiserver would. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: JsonObject,
  ) {
    super(message);
  }

  toStatus(): JsonObject {
    return statusBody(this.code, this.reason, this.message, this.details);
  }
}

export function statusBody(code: number, reason: string, message: string, details?: JsonObject): JsonObject {
  const body: JsonObject = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
  };
  if (details !== undefined) body.details = details;
  return body;
}

/** `deployments.apps "web"`: how the apiserver names an object in messages. */
export function qualifiedName(plural: string, group: string, name: string): string {
  return `${group === '' ? plural : `${plural}.${group}`} "${name}"`;
}

function detailsFor(plural: string, group: string, name: string): JsonObject {
  const details: JsonObject = { name, kind: plural };
  if (group !== '') details.group = group;
  return details;
}

export function notFound(plural: string, group: string, name: string): ApiError {
  return new ApiError(
    404,
    'NotFound',
    `${qualifiedName(plural, group, name)} not found`,
    detailsFor(plural, group, name),
  );
}

export function alreadyExists(plural: string, group: string, name: string): ApiError {
  return new ApiError(
    409,
    'AlreadyExists',
    `${qualifiedName(plural, group, name)} already exists`,
    detailsFor(plural, group, name),
  );
}

export function conflict(plural: string, group: string, name: string, why?: string): ApiError {
  const message =
    why ?? 'the object has been modified; please apply your changes to the latest version and try again';
  return new ApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedName(plural, group, name)}: ${message}`,
    detailsFor(plural, group, name),
  );
}

export function badRequest(message: string): ApiError {
  return new ApiError(400, 'BadRequest', message);
}

export function invalid(kind: string, group: string, name: string, field: string, message: string): ApiError {
  const qualifiedKind = group === '' ? kind : `${kind}.${group}`;
  return new ApiError(422, 'Invalid', `${qualifiedKind} "${name}" is invalid: ${field}: ${message}`, {
    name,
    group,
    kind,
    causes: [{ reason: 'FieldValueInvalid', message, field }],
  });
}

export function methodNotAllowed(message: string): ApiError {
  return new ApiError(405, 'MethodNotAllowed', message);
}

/** 422 Invalid with one cause per field error, worded as kube-apiserver's `NewInvalid`. */
export function invalidFields(
  kind: string,
  group: string,
  name: string,
  causes: { reason: string; field: string; message: string }[],
): ApiError {
  const qualifiedKind = group === '' ? kind : `${kind}.${group}`;
  const listed = causes.map((cause) => `${cause.field}: ${cause.message}`);
  const summary = listed.length === 1 ? (listed[0] ?? '') : `[${listed.join(', ')}]`;
  return new ApiError(422, 'Invalid', `${qualifiedKind} "${name}" is invalid: ${summary}`, {
    name,
    group,
    kind,
    causes: causes.map((cause) => ({ reason: cause.reason, message: cause.message, field: cause.field })),
  });
}
