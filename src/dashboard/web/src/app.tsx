/** The page frame: header with the live indicator, and the page the hash route names. */
import { useEffect, useState } from 'preact/hooks';
import { api, type Info } from './api.js';
import { Detail } from './detail.js';
import { useConnected } from './live.js';
import { Overview } from './overview.js';
import { useRoute } from './router.js';

export function App() {
  const route = useRoute();
  const connected = useConnected();
  const [info, setInfo] = useState<Info | undefined>(undefined);
  useEffect(() => {
    api.info().then(setInfo, () => undefined);
  }, []);
  useEffect(() => {
    document.title = route.page === 'canary' ? `${route.name} · Serin dashboard` : 'Serin dashboard';
    document.getElementById('main')?.focus();
  }, [route.page === 'canary' ? `${route.namespace}/${route.name}` : '']);
  const readOnly = info?.readOnly ?? true;
  return (
    <>
      <a
        class="skip"
        href="#main"
        onClick={(e) => {
          e.preventDefault();
          document.getElementById('main')?.focus();
        }}
      >
        Skip to content
      </a>
      <header class="top">
        <a href="#/" class="brand">
          Serin
        </a>
        <span class="platform">{info ? `${info.platform}${readOnly ? ' · read-only' : ''}` : ''}</span>
        <span class={connected ? 'live on' : 'live off'} role="status">
          {connected ? 'Live' : 'Reconnecting…'}
        </span>
      </header>
      <main id="main" tabIndex={-1}>
        {route.page === 'canary' ? (
          <Detail
            key={`${route.namespace}/${route.name}`}
            namespace={route.namespace}
            name={route.name}
            readOnly={readOnly}
          />
        ) : (
          <Overview />
        )}
      </main>
    </>
  );
}
