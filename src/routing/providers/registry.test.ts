import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FLAGGER_PROVIDERS, SERIN_GATEWAY_API, SUPPORTED_PROVIDERS } from '../../api/capabilities.js';
import { ROUTING_PROVIDER_IDS } from './ids.js';
import { providerNamed, ROUTING_PROVIDERS } from './registry.js';

describe('routing provider registry', () => {
  it('lists exactly the ids command flags offer', () => {
    expect(ROUTING_PROVIDERS.map((p) => p.id).sort()).toEqual([...ROUTING_PROVIDER_IDS].sort());
  });

  it("answers only to Flagger's spellings (and Serin's gateway-api), each name once", () => {
    const names = ROUTING_PROVIDERS.flatMap((p) => p.names);
    expect(new Set(names).size).toBe(names.length);
    const known: readonly string[] = [...FLAGGER_PROVIDERS, SERIN_GATEWAY_API];
    for (const name of names) expect(known).toContain(name);
    expect(Object.keys(SUPPORTED_PROVIDERS).sort()).toEqual([...names].sort());
  });

  it('falls back to the default when spec.provider is unset, and to nothing for unknown names', () => {
    expect(providerNamed(undefined)?.id).toBe('istio');
    expect(providerNamed('', 'gateway-api')?.id).toBe('gateway-api');
    expect(providerNamed('istoi')).toBeUndefined();
  });

  it('every provider runs the contract suite in its own test file', () => {
    for (const provider of ROUTING_PROVIDERS) {
      const file = new URL(`./${provider.id}.test.ts`, import.meta.url);
      expect(existsSync(file), `${provider.id}.test.ts exists`).toBe(true);
      expect(readFileSync(file, 'utf8')).toContain(`describeProviderContract(`);
    }
  });
});
