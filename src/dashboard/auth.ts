/** Who may act: a bearer token compared in constant time, and the identity recorded for it. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HttpError } from './http.js';

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/** The name recorded for actions taken with a token: never the token itself. */
export function tokenIdentity(token: string): string {
  return `token:${sha256(token).toString('hex').slice(0, 4)}`;
}

export interface Authorizer {
  readOnly: boolean;
  /** Returns who is acting, or throws 401/403 with a message saying what is missing. */
  authorize(req: IncomingMessage): string;
}

export function createAuthorizer(options: {
  token?: string;
  tokenName?: string;
  readOnly?: boolean;
}): Authorizer {
  const token = options.token;
  const readOnly = options.readOnly ?? token === undefined;
  if (!readOnly && token === undefined) {
    throw new Error('the dashboard needs a token to accept actions');
  }
  // Comparing digests keeps the comparison constant-time whatever the presented length.
  const expected = token === undefined ? undefined : sha256(token);
  const identity = token === undefined ? '' : (options.tokenName ?? tokenIdentity(token));
  return {
    readOnly,
    authorize(req) {
      if (readOnly || expected === undefined) {
        throw new HttpError(
          403,
          'the dashboard is read-only: start it with a token (--token-file) to allow actions',
          { readOnly: true },
        );
      }
      const header = req.headers.authorization ?? '';
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      const challenge = { 'WWW-Authenticate': 'Bearer realm="serin-dashboard"' };
      if (!match?.[1]) {
        throw new HttpError(
          401,
          'this action needs a token: send Authorization: Bearer <token>',
          {},
          challenge,
        );
      }
      if (!timingSafeEqual(sha256(match[1]), expected)) {
        throw new HttpError(401, 'the token was not accepted', {}, challenge);
      }
      return identity;
    },
  };
}
