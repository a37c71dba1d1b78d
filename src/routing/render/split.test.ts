import { describe, expect, it } from 'vitest';
import { VirtualService as IstioVirtualService } from '@kubernetes-models/istio/networking.istio.io/v1beta1/VirtualService';
import { DestinationRule as IstioDestinationRule } from '@kubernetes-models/istio/networking.istio.io/v1beta1/DestinationRule';
import { parseMatchFlag, renderSplit } from './split.js';
import { planForPhase } from './plan.js';
import { makeCanary } from './test-support.js';
import { compileVirtualService } from '../match.js';

describe('parseMatchFlag', () => {
  it.each([
    ['header:user-agent~.*Chrome.*=v2', { headers: { 'user-agent': { regex: '.*Chrome.*' } } }, 'v2'],
    ['header:End-User=jason=v2', { headers: { 'end-user': { exact: 'jason' } } }, 'v2'],
    ['uri^/api=canary', { uri: { prefix: '/api' } }, 'canary'],
    ['uri=/login=v1', { uri: { exact: '/login' } }, 'v1'],
    ['query:beta=1=v2', { queryParams: { beta: { exact: '1' } } }, 'v2'],
    ['header:x~a=b=v3', { headers: { x: { regex: 'a=b' } } }, 'v3'],
  ])('%s', (flag, match, subset) => {
    expect(parseMatchFlag(flag)).toEqual({ match, subset });
  });

  it('cookie conditions become a whole-value cookie regex that matches among other cookies', () => {
    const { match } = parseMatchFlag('cookie:user=test=v2');
    const vs = compileVirtualService({
      hosts: ['a'],
      http: [{ match: [match], route: [{ destination: { host: 'a' } }] }],
    });
    const req = (cookie: string) => ({
      authority: 'a',
      path: '/',
      method: 'GET',
      scheme: 'http' as const,
      headers: { cookie },
    });
    expect(vs.select(req('user=test'))).toBeDefined();
    expect(vs.select(req('a=1; user=test; b=2'))).toBeDefined();
    expect(vs.select(req('user=tester'))).toBeUndefined();
    expect(vs.select(req('xuser=test'))).toBeUndefined();
  });

  it.each(['header:x~y', 'nothing=v2', 'cookie:a~b=v2', 'header:=v=v2'])('rejects %s', (flag) => {
    expect(() => parseMatchFlag(flag)).toThrow(/--match/);
  });
});

describe('renderSplit', () => {
  it('renders valid objects; a lone subset gets weight 100', () => {
    const [dr, vs] = renderSplit({
      service: 'my-app',
      subsets: [{ name: 'v2', weight: 100 }],
      port: 80,
      gateways: ['gw'],
      hosts: ['*'],
    });
    new IstioDestinationRule(dr as never).validate();
    new IstioVirtualService(vs as never).validate();
    expect(vs.spec).toEqual({
      hosts: ['*'],
      gateways: ['gw'],
      http: [
        { route: [{ destination: { host: 'my-app', subset: 'v2', port: { number: 80 } }, weight: 100 }] },
      ],
    });
  });

  it('keeps mesh when the Service name is a host of a gateway-bound split', () => {
    const [, vs] = renderSplit({
      service: 'my-app',
      subsets: [
        { name: 'v1', weight: 50 },
        { name: 'v2', weight: 50 },
      ],
      gateways: ['gw'],
    });
    expect(vs.spec.gateways).toEqual(['gw', 'mesh']);
  });

  it.each([
    [{ subsets: [] }, 'at least one'],
    [{ subsets: [{ name: 'V1', weight: 100 }] }, 'DNS label'],
    [
      {
        subsets: [
          { name: 'v1', weight: 50 },
          { name: 'v1', weight: 50 },
        ],
      },
      'twice',
    ],
    [
      {
        subsets: [
          { name: 'v1', weight: 99.5 },
          { name: 'v2', weight: 0.5 },
        ],
      },
      'whole-number',
    ],
    [{ subsets: [{ name: 'v1', weight: 100 }], matches: [{ match: {}, subset: 'v9' }] }, 'not one of'],
  ])('rejects %j', (bad, message) => {
    expect(() => renderSplit({ service: 'a', ...bad })).toThrow(message);
  });
});

describe('planForPhase', () => {
  it('gives the weights each phase shows', () => {
    const canary = makeCanary();
    expect(planForPhase(canary, 'Initialized')).toEqual({
      primaryWeight: 100,
      canaryWeight: 0,
      mirrored: false,
    });
    expect(planForPhase(canary, 'Progressing')).toEqual({
      primaryWeight: 90,
      canaryWeight: 10,
      mirrored: false,
    });
    expect(planForPhase(canary, 'Progressing', 35)).toEqual({
      primaryWeight: 65,
      canaryWeight: 35,
      mirrored: false,
    });
    const ab = makeCanary({}, { interval: '1m', iterations: 5, match: [{ headers: { x: { exact: '1' } } }] });
    expect(planForPhase(ab, 'Progressing')).toEqual({ primaryWeight: 0, canaryWeight: 100, mirrored: false });
    const bg = makeCanary({}, { interval: '1m', iterations: 5, mirror: true });
    expect(planForPhase(bg, 'Progressing')).toEqual({ primaryWeight: 100, canaryWeight: 0, mirrored: true });
    expect(planForPhase(bg, 'Promoting')).toEqual({ primaryWeight: 0, canaryWeight: 100, mirrored: false });
  });
});
