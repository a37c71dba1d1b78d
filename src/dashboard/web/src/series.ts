/**
 * Chart data from history points: one line per run. uPlot joins consecutive points, so between
 * two runs a point with every value null is inserted (and gaps are never spanned): the old run's
 * line ends where it ended and the new run's starts on its own.
 */
import type { HistoryPoint } from './api.js';

export interface ChartData {
  /** Seconds since the epoch. */
  times: number[];
  /** One row per time; `undefined` is the gap between runs. */
  points: (HistoryPoint | undefined)[];
}

export function seriesByRun(history: readonly HistoryPoint[]): ChartData {
  const times: number[] = [];
  const points: (HistoryPoint | undefined)[] = [];
  let previous: HistoryPoint | undefined;
  for (const point of history) {
    const t = Date.parse(point.time) / 1000;
    if (previous !== undefined && previous.run !== point.run) {
      // The gap sits between the two runs' points, so neither line reaches into the other.
      times.push((Date.parse(previous.time) / 1000 + t) / 2);
      points.push(undefined);
    }
    times.push(t);
    points.push(point);
    previous = point;
  }
  return { times, points };
}

/** A series' values: the picked value, or null where it was not measured or between runs. */
export function valuesOf(
  data: ChartData,
  pick: (point: HistoryPoint) => number | undefined,
): (number | null)[] {
  return data.points.map((p) => (p === undefined ? null : (pick(p) ?? null)));
}
