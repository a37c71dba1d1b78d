import { describe, expect, it } from 'vitest';
import { didYouMean } from './did-you-mean.js';

describe('didYouMean', () => {
  const fields = ['headers', 'uri', 'queryParams', 'withoutHeaders', 'mirrorPercentage', 'mirrors'];

  it('finds the field a typo meant', () => {
    expect(didYouMean('header', fields)).toBe('headers');
    expect(didYouMean('Headers', fields)).toBe('headers');
    expect(didYouMean('mirrorPercentge', fields)).toBe('mirrorPercentage');
    expect(didYouMean('queryParam', fields)).toBe('queryParams');
    expect(didYouMean('url', fields)).toBe('uri');
  });

  it('suggests nothing when no field is close', () => {
    expect(didYouMean('timeout', fields)).toBeUndefined();
    expect(didYouMean('x', [])).toBeUndefined();
  });
});
