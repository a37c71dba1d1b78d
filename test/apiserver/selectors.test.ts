import { describe, expect, it } from 'vitest';

import { fieldsMatch, labelsMatch, parseFieldSelector, parseLabelSelector } from './selectors.js';

const object = (labels: Record<string, string>) => ({ metadata: { name: 'n', namespace: 'ns', labels } });

describe('label selectors', () => {
  it.each([
    ['app=web', { app: 'web' }, true],
    ['app==web', { app: 'api' }, false],
    ['app!=web', {}, true],
    ['app!=web', { app: 'web' }, false],
    ['env in (prod, stage)', { env: 'stage' }, true],
    ['env in (prod)', {}, false],
    ['env notin (prod)', {}, true],
    ['env notin (prod)', { env: 'prod' }, false],
    ['app', { app: '' }, true],
    ['!app', { app: 'x' }, false],
    ['app=web,env in (a,b),!legacy', { app: 'web', env: 'b' }, true],
    ['example.com/role=x', { 'example.com/role': 'x' }, true],
    ['', { anything: 'x' }, true],
  ])('%s on %j is %s', (selector, labels, expected) => {
    expect(labelsMatch(parseLabelSelector(selector), object(labels))).toBe(expected);
  });

  it.each(['a in (b', 'a=b=c', '=b', 'a b'])('rejects %s', (selector) => {
    expect(() => parseLabelSelector(selector)).toThrow(/unable to parse requirement|invalid/);
  });
});

describe('field selectors', () => {
  const supported = ['metadata.name', 'metadata.namespace'];

  it('matches equality and inequality', () => {
    expect(
      fieldsMatch(parseFieldSelector('metadata.name=n,metadata.namespace!=x', supported), object({})),
    ).toBe(true);
    expect(fieldsMatch(parseFieldSelector('metadata.name==m', supported), object({}))).toBe(false);
  });

  it('rejects unsupported fields and malformed terms', () => {
    expect(() => parseFieldSelector('spec.x=1', supported)).toThrow('field label not supported: spec.x');
    expect(() => parseFieldSelector('metadata.name', supported)).toThrow(/not of the form field=value/);
  });
});
