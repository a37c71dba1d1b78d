/** Live updates: one EventSource for the page, and hooks that refetch when their Canary changes. */
import { useEffect, useRef, useState } from 'preact/hooks';

type Listener = (change: { namespace: string; name: string }) => void;
type ConnectionListener = (connected: boolean) => void;

const listeners = new Set<Listener>();
const connectionListeners = new Set<ConnectionListener>();
let source: EventSource | undefined;
let connected = false;

function setConnected(value: boolean): void {
  connected = value;
  for (const l of connectionListeners) l(value);
}

function ensureSource(): void {
  if (source) return;
  source = new EventSource('/api/events');
  source.addEventListener('ready', () => {
    setConnected(true);
    // Anything may have changed while disconnected: everyone refetches.
    for (const l of listeners) l({ namespace: '', name: '' });
  });
  source.addEventListener('error', () => {
    setConnected(false);
  });
  source.addEventListener('change', (event: MessageEvent<string>) => {
    const change = JSON.parse(event.data) as { namespace: string; name: string };
    for (const l of listeners) l(change);
  });
}

export function useConnected(): boolean {
  const [value, setValue] = useState(connected);
  useEffect(() => {
    ensureSource();
    connectionListeners.add(setValue);
    return () => connectionListeners.delete(setValue);
  }, []);
  return value;
}

export interface Loaded<T> {
  data: T | undefined;
  error: string | undefined;
  reload: () => void;
}

/**
 * Loads with `load`, and loads again whenever a change event matches `matches`. Changes that
 * arrive while a load is in flight collapse into one more load afterwards.
 */
export function useLive<T>(
  load: () => Promise<T>,
  matches: (change: { namespace: string; name: string }) => boolean,
  key: string,
): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const state = useRef({ running: false, again: false, alive: true });
  const loadRef = useRef(load);
  loadRef.current = load;

  const run = (): void => {
    const s = state.current;
    if (s.running) {
      s.again = true;
      return;
    }
    s.running = true;
    loadRef
      .current()
      .then((value) => {
        if (s.alive) {
          setData(value);
          setError(undefined);
        }
      })
      .catch((e: unknown) => {
        if (s.alive) setError(e instanceof Error ? e.message : String(e));
      })
      .finally(() => {
        s.running = false;
        if (s.again && s.alive) {
          s.again = false;
          run();
        }
      });
  };

  useEffect(() => {
    state.current = { running: false, again: false, alive: true };
    setData(undefined);
    ensureSource();
    const listener: Listener = (change) => {
      if (change.name === '' || matches(change)) run();
    };
    listeners.add(listener);
    run();
    return () => {
      state.current.alive = false;
      listeners.delete(listener);
    };
    // `key` identifies what is loaded; `load` and `matches` change identity every render.
  }, [key]);

  return { data, error, reload: run };
}
