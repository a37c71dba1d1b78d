/**
 * Choosing among weighted alternatives. Envoy draws each request independently
 * (`random % total_weight` over cumulative intervals), so splits are binomial; the smooth weighted
 * round-robin variant (nginx/haproxy's algorithm) gives exact, evenly interleaved splits instead.
 */
export interface WeightedPicker<T> {
  pick(): T;
}

export function randomPicker<T>(
  items: readonly T[],
  weights: readonly number[],
  random: () => number,
): WeightedPicker<T> {
  const total = weights.reduce((a, b) => a + b, 0);
  const cumulative: number[] = [];
  let running = 0;
  for (const w of weights) {
    running += w;
    cumulative.push(running);
  }
  const last = items[items.length - 1];
  if (last === undefined || total <= 0) throw new Error('weighted choice needs at least one positive weight');
  return {
    pick(): T {
      const point = random() * total;
      for (let i = 0; i < cumulative.length; i++) {
        if (point < (cumulative[i] ?? 0)) return items[i] ?? last;
      }
      return last;
    },
  };
}

export function smoothRoundRobinPicker<T>(
  items: readonly T[],
  weights: readonly number[],
): WeightedPicker<T> {
  const total = weights.reduce((a, b) => a + b, 0);
  if (items.length === 0 || total <= 0) throw new Error('weighted choice needs at least one positive weight');
  const current = weights.map(() => 0);
  return {
    pick(): T {
      let best = 0;
      for (let i = 0; i < weights.length; i++) {
        current[i] = (current[i] ?? 0) + (weights[i] ?? 0);
        if ((current[i] ?? 0) > (current[best] ?? 0)) best = i;
      }
      current[best] = (current[best] ?? 0) - total;
      return items[best] as T;
    },
  };
}

/** Round-robin over equal alternatives (endpoints of one subset), starting at a random offset. */
export function roundRobinPicker<T>(items: readonly T[], random: () => number): WeightedPicker<T> {
  let next = Math.floor(random() * items.length);
  return {
    pick(): T {
      const item = items[next % items.length] as T;
      next = (next + 1) % items.length;
      return item;
    },
  };
}
