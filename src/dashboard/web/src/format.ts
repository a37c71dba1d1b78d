/** Formatting shared by the pages. */

export function age(since: string | undefined, now: number = Date.now()): string {
  if (!since) return '—';
  const seconds = Math.max(0, Math.floor((now - Date.parse(since)) / 1000));
  if (Number.isNaN(seconds)) return '—';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 120) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h`;
  return `${Math.floor(hours / 24)}d`;
}

export function time(iso: string | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleTimeString([], { hour12: false });
}

export function num(value: number | undefined, digits = 2): string {
  if (value === undefined || !Number.isFinite(value)) return '—';
  return Number.isInteger(value) ? String(value) : value.toFixed(digits);
}

export function bounds(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return `${num(min)} – ${num(max)}`;
  if (min !== undefined) return `≥ ${num(min)}`;
  if (max !== undefined) return `≤ ${num(max)}`;
  return '—';
}

export const shortRevision = (revision: string | undefined): string =>
  revision === undefined ? '—' : revision.slice(0, 10);

/** Four significant digits, no trailing zeros: for statistics whose scale varies. */
export function sig(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '—';
  return String(Number(value.toPrecision(4)));
}
