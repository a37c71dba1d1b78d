import { describe, expect, it } from 'vitest';

import { jsonPatch, mergePatch, strategicMergePatch } from './patch.js';

describe('merge patch (RFC 7386)', () => {
  it('merges objects, deletes on null and replaces lists', () => {
    expect(mergePatch({ a: { b: 1, c: 2 }, l: [1, 2] }, { a: { c: null, d: 3 }, l: [3] })).toEqual({
      a: { b: 1, d: 3 },
      l: [3],
    });
  });
});

describe('JSON patch (RFC 6902)', () => {
  it('applies operations without touching the input', () => {
    const input = { a: [1] };
    expect(jsonPatch(input, [{ op: 'add', path: '/a/-', value: 2 }])).toEqual({ a: [1, 2] });
    expect(input).toEqual({ a: [1] });
  });
});

describe('strategic merge patch', () => {
  const pod = {
    spec: {
      containers: [
        { name: 'a', image: 'a:1', env: [{ name: 'X', value: '1' }], ports: [{ containerPort: 80 }] },
        { name: 'b', image: 'b:1' },
      ],
      volumes: [{ name: 'v1' }],
      tolerations: [{ key: 't1' }],
    },
    metadata: { finalizers: ['f1'] },
  };

  it('merges keyed lists item by item and replaces unkeyed lists', () => {
    const result = strategicMergePatch(pod, {
      spec: {
        containers: [
          { name: 'a', env: [{ name: 'Y', value: '2' }] },
          { name: 'c', image: 'c:1' },
        ],
        tolerations: [{ key: 't2' }],
      },
      metadata: { finalizers: ['f2'] },
    });
    expect(result).toMatchObject({
      spec: {
        containers: [
          {
            name: 'a',
            image: 'a:1',
            env: [
              { name: 'X', value: '1' },
              { name: 'Y', value: '2' },
            ],
          },
          { name: 'b' },
          { name: 'c' },
        ],
        tolerations: [{ key: 't2' }],
      },
      metadata: { finalizers: ['f1', 'f2'] },
    });
  });

  it('honours $patch delete/replace, $setElementOrder, $retainKeys and $deleteFromPrimitiveList', () => {
    const result = strategicMergePatch(pod, {
      spec: {
        containers: [{ name: 'a', $patch: 'delete' }],
        volumes: [{ $patch: 'replace' }, { name: 'v2' }],
      },
      metadata: { '$deleteFromPrimitiveList/finalizers': ['f1'] },
    });
    expect(result).toEqual({
      spec: {
        containers: [{ name: 'b', image: 'b:1' }],
        volumes: [{ name: 'v2' }],
        tolerations: [{ key: 't1' }],
      },
      metadata: { finalizers: [] },
    });
    const ordered = strategicMergePatch(pod, {
      spec: {
        '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }],
        strategy: { $retainKeys: ['type'], type: 'Recreate' },
      },
    });
    expect(
      (ordered as { spec: { containers: { name: string }[] } }).spec.containers.map((c) => c.name),
    ).toEqual(['b', 'a']);
    expect(
      strategicMergePatch(
        { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } },
        { strategy: { $retainKeys: ['type'], type: 'Recreate' } },
      ),
    ).toEqual({
      strategy: { type: 'Recreate' },
    });
  });
});
