/**
 * Credentials in a URL's userinfo (`http://user:pass@host/`), sent the way Go's net/http client
 * (and so Flagger) sends them: as a Basic Authorization header, unless the request already has
 * one, and never as part of the request target.
 */
export interface UrlWithCredentials {
  /** The URL without its userinfo. */
  url: string;
  /** `Basic base64(user:password)` when the URL had userinfo. */
  authorization?: string;
}

export function splitCredentials(raw: string): UrlWithCredentials {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { url: raw };
  }
  if (url.username === '' && url.password === '') return { url: raw };
  // Userinfo is percent-encoded in the URL; Go decodes it before encoding it as Basic auth.
  const decode = (part: string) => {
    try {
      return decodeURIComponent(part);
    } catch {
      return part;
    }
  };
  const pair = `${decode(url.username)}:${decode(url.password)}`;
  url.username = '';
  url.password = '';
  return { url: url.toString(), authorization: `Basic ${Buffer.from(pair, 'utf8').toString('base64')}` };
}
