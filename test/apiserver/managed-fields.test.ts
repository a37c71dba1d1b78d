import { describe, expect, it } from 'vitest';

import {
  fieldSetOf,
  fromFieldsV1,
  readManagers,
  recordUpdate,
  serverSideApply,
  toFieldsV1,
} from './managed-fields.js';
import { builtinListTypes } from './list-types.js';

const mainScope = {
  listTypes: builtinListTypes('apps/deployments'),
  subresource: '' as const,
  omitEmptyMaps: true,
};
const context = (manager: string) => ({
  manager,
  apiVersion: 'apps/v1',
  scope: mainScope,
  now: '2026-01-01T00:00:00Z',
});

describe('field sets', () => {
  it('round-trips through FieldsV1, with keyed list items and set members', () => {
    const object = {
      metadata: { name: 'x', labels: { a: 'b' }, finalizers: ['f'] },
      spec: { replicas: 1, template: { spec: { containers: [{ name: 'app', image: 'i' }] } } },
      status: { ready: 1 },
    };
    const fields = fieldSetOf(object, mainScope);
    expect(fromFieldsV1(toFieldsV1(fields))).toEqual(fields);
    expect(toFieldsV1(fields)).toMatchObject({
      'f:metadata': { 'f:labels': { 'f:a': {} }, 'f:finalizers': { 'v:"f"': {} } },
      'f:spec': {
        'f:template': {
          'f:spec': { 'f:containers': { 'k:{"name":"app"}': { '.': {}, 'f:image': {}, 'f:name': {} } } },
        },
      },
    });
    expect([...fields].some((path) => path.includes('status'))).toBe(false);
  });
});

describe('server-side apply', () => {
  it('shares fields applied with equal values and conflicts on different ones', () => {
    const first = serverSideApply({
      existing: {},
      applied: { spec: { a: 1, b: 2 } },
      force: false,
      context: context('one'),
      kind: 'K',
      name: 'n',
    });
    const shared = serverSideApply({
      existing: first,
      applied: { spec: { a: 1 } },
      force: false,
      context: context('two'),
      kind: 'K',
      name: 'n',
    });
    expect(readManagers(shared).map((entry) => entry.manager)).toEqual(['one', 'two']);
    expect(() =>
      serverSideApply({
        existing: shared,
        applied: { spec: { b: 3 } },
        force: false,
        context: context('two'),
        kind: 'K',
        name: 'n',
      }),
    ).toThrow('Apply failed with 1 conflict: conflict with "one": .spec.b');
  });

  it('an Update takes ownership of changed fields from the applier', () => {
    const applied = serverSideApply({
      existing: {},
      applied: { spec: { a: 1 } },
      force: false,
      context: context('serin'),
      kind: 'K',
      name: 'n',
    });
    const edited = { ...applied, spec: { a: 2 } };
    recordUpdate(applied, edited, context('kubectl-edit'));
    const owners = readManagers(edited).map((entry) => [entry.manager, entry.operation, [...entry.fields]]);
    expect(owners).toEqual([['kubectl-edit', 'Update', ['f:spec\nf:a']]]);
  });
});
