/** Hash routes: `#/` is the overview, `#/canary/<namespace>/<name>` a Canary's page. */
import { useEffect, useState } from 'preact/hooks';

export type Route = { page: 'overview' } | { page: 'canary'; namespace: string; name: string };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  if (parts[0] === 'canary' && parts[1] && parts[2])
    return { page: 'canary', namespace: parts[1], name: parts[2] };
  return { page: 'overview' };
}

export const canaryHref = (namespace: string, name: string): string =>
  `#/canary/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = (): void => {
      setRoute(parseRoute(location.hash));
    };
    addEventListener('hashchange', onChange);
    return () => {
      removeEventListener('hashchange', onChange);
    };
  }, []);
  return route;
}
