/**
 * docs/troubleshooting.md lists every reason Serin emits: decisions (`ctx.decide('Reason', …)`),
 * Events and event lines (`reason: 'Reason'`, `note('Reason', …)`, `event('Reason', …)`), and
 * condition reasons (the phases, which are the `Promoted` condition's reasons). The reasons are
 * collected from the source, so a new one fails this test until the page explains it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PHASES } from '../../src/api/canary.js';

const root = resolve(import.meta.dirname, '..', '..');
const page = readFileSync(join(root, 'docs', 'troubleshooting.md'), 'utf8');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    // Test doubles and the web UI emit nothing of their own.
    if (statSync(path).isDirectory()) return entry === 'testing' || entry === 'web' ? [] : sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.test.ts') ? [path] : [];
  });
}

/** Severities and words that are not reasons, though they sit on `reason:` lines. */
const NOT_REASONS = new Set(['Normal', 'Warning', 'Pending']);

function emittedReasons(): Map<string, string> {
  const found = new Map<string, string>();
  const add = (reason: string, file: string) => {
    if (!NOT_REASONS.has(reason) && !found.has(reason)) found.set(reason, file);
  };
  for (const file of sourceFiles(join(root, 'src'))) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/\bdecide\(\s*'([A-Za-z]+)'/g)) add(m[1] ?? '', file);
    for (const m of text.matchAll(/\b(?:note|event)\(\s*'([A-Z][A-Za-z]+)'/g)) add(m[1] ?? '', file);
    for (const line of text.matchAll(/\breason: [^\n]*/g))
      for (const m of line[0].matchAll(/'([A-Z][A-Za-z]+)'/g)) add(m[1] ?? '', file);
  }
  return found;
}

describe('docs/troubleshooting.md', () => {
  it('explains every decision, Event and condition reason the source emits', () => {
    const reasons = emittedReasons();
    // The scan must find the reasons it exists for; an empty or tiny set means it broke.
    for (const known of ['Halt', 'Rollback', 'CommandRejected', 'UnsupportedCanary', 'ActionRefused'])
      expect(reasons.has(known), `the scan did not find ${known}`).toBe(true);
    const missing = [...reasons]
      .filter(([reason]) => !page.includes(`\`${reason}\``))
      .map(([reason, file]) => `${reason} (${file.slice(root.length + 1)})`);
    const missingPhases = PHASES.filter((phase) => !page.includes(`\`${phase}\``));
    expect(missing, 'reasons emitted but not explained').toEqual([]);
    expect(missingPhases, 'phases (Promoted condition reasons) not explained').toEqual([]);
  });
});
