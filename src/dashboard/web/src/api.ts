/** The dashboard's JSON API, as the browser calls it. */
import type { CanaryDetail, CanarySummary, DashboardAction, HistoryPoint, Platform } from '../../backend.js';

export type { CanaryDetail, CanarySummary, DashboardAction, HistoryPoint, Platform };

export interface Info {
  platform: Platform;
  readOnly: boolean;
}

async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(path, { headers: { Accept: 'application/json' } });
  if (!res.ok) throw new Error(await errorMessage(res));
  return (await res.json()) as T;
}

async function errorMessage(res: Response): Promise<string> {
  try {
    const body = (await res.json()) as { error?: unknown; message?: unknown };
    const text = typeof body.error === 'string' ? body.error : body.message;
    if (typeof text === 'string') return text;
  } catch {
    // Not JSON: fall back to the status line.
  }
  return `${res.status} ${res.statusText}`;
}

const canaryPath = (namespace: string, name: string): string =>
  `/api/canaries/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;

export const api = {
  info: () => getJson<Info>('/api/info'),
  list: async () => (await getJson<{ items: CanarySummary[] }>('/api/canaries')).items,
  detail: (namespace: string, name: string) => getJson<CanaryDetail>(canaryPath(namespace, name)),
  history: async (namespace: string, name: string) =>
    (await getJson<{ items: HistoryPoint[] }>(`${canaryPath(namespace, name)}/history`)).items,
};

export interface ActionOutcome {
  accepted: boolean;
  /** HTTP status: 401 means the token was missing or wrong. */
  status: number;
  message: string;
}

export async function sendAction(
  namespace: string,
  name: string,
  action: DashboardAction,
  token: string,
): Promise<ActionOutcome> {
  const res = await fetch(`${canaryPath(namespace, name)}/actions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: JSON.stringify({ action }),
  });
  if (res.status === 202) {
    const body = (await res.json()) as { message: string };
    return { accepted: true, status: res.status, message: body.message };
  }
  return { accepted: false, status: res.status, message: await errorMessage(res) };
}
