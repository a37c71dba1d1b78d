import { describe, expect, it } from 'vitest';
import { containsSubset } from './client.js';
import { microTime } from './lease.js';

describe('containsSubset (write only when the live object differs)', () => {
  it('ignores fields the server added, but not changed ones', () => {
    const live = {
      spec: {
        selector: { app: 'a' },
        clusterIP: '10.0.0.1',
        ports: [{ port: 80, protocol: 'TCP', nodePort: 3 }],
      },
    };
    expect(containsSubset(live, { spec: { selector: { app: 'a' }, ports: [{ port: 80 }] } })).toBe(true);
    expect(containsSubset(live, { spec: { selector: { app: 'b' } } })).toBe(false);
    expect(containsSubset(live, { spec: { ports: [{ port: 80 }, { port: 81 }] } })).toBe(false);
  });

  it('treats empty maps and lists as matching absent ones', () => {
    expect(containsSubset({ metadata: {} }, { metadata: { labels: {}, finalizers: [] } })).toBe(true);
  });
});

describe('microTime', () => {
  it('writes six fractional digits as the Lease API requires', () => {
    expect(microTime(new Date('2026-01-02T03:04:05.678Z'))).toBe('2026-01-02T03:04:05.678000Z');
  });
});
