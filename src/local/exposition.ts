/**
 * Sums samples that share a metric name and label set in a Prometheus text exposition. Prometheus
 * rejects a scrape that repeats a series, and the router may report one series in several pieces
 * (one per configuration it compiled); summing keeps counters and histogram buckets cumulative
 * and correct. Comments and the order of first appearance are kept.
 */
export function mergeDuplicateSeries(text: string): string {
  const order: string[] = [];
  const sums = new Map<string, number>();
  const seenComments = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      if (!seenComments.has(line)) {
        seenComments.add(line);
        order.push(line);
      }
      continue;
    }
    const cut = line.lastIndexOf(' ');
    const series = line.slice(0, cut);
    const value = Number(line.slice(cut + 1));
    if (cut <= 0 || Number.isNaN(value)) {
      order.push(line);
      continue;
    }
    if (!sums.has(series)) order.push(`\u0000${series}`);
    sums.set(series, (sums.get(series) ?? 0) + value);
  }
  const out = order.map((entry) => {
    if (!entry.startsWith('\u0000')) return entry;
    const series = entry.slice(1);
    return `${series} ${sums.get(series) ?? 0}`;
  });
  return `${out.join('\n')}\n`;
}
