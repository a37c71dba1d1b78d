import { describe, expect, it } from 'vitest';
import { compileRe2, isValidRe2, re2Error } from './re2.js';

describe('RE2 validation', () => {
  it.each([
    '.*Chrome.*',
    '^/api/v[0-9]+/.*$',
    '(?i).*chrome.*',
    '(?P<version>v\\d+)',
    '\\Aabc\\z',
    '[[:alpha:]]+',
    '\\Qa.b\\E',
    '/api/(?:v1|v2)/.*',
    '$*',
    '\\pL+',
    '\\p{Greek}',
    'a{2,5}',
    'a{,', // a literal brace in RE2
    '\\-\\/\\.',
    '.*flagger-cookie.*AbCdEfGhIj.*',
    'x*?y+?z??',
  ])('accepts %s', (p) => {
    expect(re2Error(p)).toBeUndefined();
  });

  it.each([
    ['foo(?=bar)', 'invalid or unsupported Perl syntax'],
    ['(?<!foo)bar', 'invalid named capture'],
    ['(a)\\1', 'invalid escape sequence'],
    ['(?>abc)', 'invalid or unsupported Perl syntax'],
    ['\\C', 'invalid escape sequence'],
    ['a**', 'nested repetition'],
    ['a++', 'nested repetition'],
    ['a{1001}', 'repeat count'],
    ['*abc', 'missing argument'],
    ['(abc', 'missing closing )'],
    ['[abc', 'missing closing ]'],
    ['\\e', 'invalid escape'],
    ['x'.repeat(1025), 'longer than 1024'],
  ])('rejects %s (%s)', (p, reason) => {
    expect(isValidRe2(p)).toBe(false);
    expect(re2Error(p)).toContain(reason);
  });

  it('matches the whole value only, as Istio documents for "\\d+$"', () => {
    const re = compileRe2('\\d+$');
    expect(re.test('123')).toBe(true);
    expect(re.test('a123')).toBe(false);
    expect(re.test('123a')).toBe(false);
  });

  it('keeps alternation inside the anchors', () => {
    const re = compileRe2('a|b');
    expect(re.test('a')).toBe(true);
    expect(re.test('ab')).toBe(false);
  });

  it('translates RE2-only syntax to equivalent JavaScript', () => {
    expect(compileRe2('(?i)CHROME').test('chrome')).toBe(true);
    expect(compileRe2('[[:digit:]]{3}').test('123')).toBe(true);
    expect(compileRe2('[[:digit:]]{3}').test('12a')).toBe(false);
    expect(compileRe2('\\Qa.b\\E').test('a.b')).toBe(true);
    expect(compileRe2('\\Qa.b\\E').test('axb')).toBe(false);
    expect(compileRe2('(?P<v>v\\d)').test('v1')).toBe(true);
    expect(compileRe2('a{,').test('a{,')).toBe(true);
    expect(compileRe2('\\x41\\x{42}').test('AB')).toBe(true);
  });

  it('anchors the whole value even when (?m) or an unterminated \\Q is in the pattern', () => {
    expect(compileRe2('(?m)^a$').test('a\nb')).toBe(false);
    expect(compileRe2('(?m)^a$').test('a')).toBe(true);
    expect(compileRe2('\\Qa)b').test('a)b')).toBe(true);
  });

  it('rewrites every match with RE2 group references, keeping $ literal', () => {
    const re = compileRe2('/v(\\d)/');
    expect(re.replaceAll('/v1/x/v2/', '/w\\1/')).toBe('/w1/x/w2/');
    expect(compileRe2('a').replaceAll('banana', '$')).toBe('b$n$n$');
    expect(compileRe2('a').replaceAll('banana', '\\\\')).toBe('b\\n\\n\\');
  });
});
