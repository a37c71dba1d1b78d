import { expect, it } from 'vitest';
import { quantityValue } from './quantity.js';

it('reads the quantity forms Kubernetes writes', () => {
  const cases: [string, number][] = [
    ['42', 42],
    ['1500m', 1.5],
    ['-250m', -0.25],
    ['2k', 2000],
    ['1.5M', 1_500_000],
    ['1Ki', 1024],
    ['3Mi', 3 * 1024 * 1024],
    ['1e3', 1000],
    ['25E-2', 0.25],
    ['500u', 0.0005],
    ['7n', 7e-9],
    ['.5', 0.5],
  ];
  for (const [text, value] of cases) expect(quantityValue(text, 'value')).toBeCloseTo(value, 12);
});

it('refuses what is not a quantity, naming where it was', () => {
  for (const text of ['', 'abc', '1.5.2', '1K', '1kb', '1 k', 'NaN', '0x10']) {
    expect(() => quantityValue(text, 'items[0].value')).toThrow(
      /items\[0\]\.value: .* is not a Kubernetes quantity/,
    );
  }
});
