import { expect, it } from 'vitest';
import type { HistoryPoint } from './api.js';
import { seriesByRun, valuesOf } from './series.js';

const point = (time: string, run: string, canaryWeight: number): HistoryPoint => ({
  time,
  run,
  canaryWeight,
  phase: 'Progressing',
  canary: {},
  primary: {},
});

it('puts a gap between two runs, so no line joins them', () => {
  const data = seriesByRun([
    point('2026-01-01T00:00:00Z', 'a', 10),
    point('2026-01-01T00:00:10Z', 'a', 20),
    point('2026-01-01T00:01:00Z', 'b', 10),
  ]);
  expect(valuesOf(data, (p) => p.canaryWeight)).toEqual([10, 20, null, 10]);
  const start = Date.parse('2026-01-01T00:00:00Z') / 1000;
  expect(data.times).toEqual([start, start + 10, start + 35, start + 60]);
});

it('leaves one run as it is', () => {
  const data = seriesByRun([point('2026-01-01T00:00:00Z', 'a', 10), point('2026-01-01T00:00:10Z', 'a', 20)]);
  expect(valuesOf(data, (p) => p.canaryWeight)).toEqual([10, 20]);
});
