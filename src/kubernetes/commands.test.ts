import { describe, expect, it } from 'vitest';
import { buildCommand, CommandError, decodeCommand, encodeCommand } from './commands.js';

describe('control command annotation', () => {
  it('round-trips every action', () => {
    for (const action of ['promote', 'abort', 'pause', 'resume', 'retry'] as const) {
      const c = buildCommand(action, { by: 'alice', reason: 'why' });
      expect(decodeCommand(encodeCommand(c))).toEqual(c);
    }
    const w = buildCommand('set-weight', { weight: 30 });
    expect(decodeCommand(encodeCommand(w))?.action).toEqual({ type: 'set-weight', weight: 30 });
  });

  it('gives each command its own id', () => {
    expect(buildCommand('promote').id).not.toBe(buildCommand('promote').id);
  });

  it('rejects malformed annotations with the field named', () => {
    expect(() => decodeCommand('not json')).toThrow(CommandError);
    expect(() => decodeCommand('{"action":"promote"}')).toThrow(/\.id/);
    expect(() => decodeCommand('{"id":"1","action":"explode"}')).toThrow(/\.action: expected one of/);
    expect(() => decodeCommand('{"id":"1","action":"set-weight","weight":101}')).toThrow(/between 0 and 100/);
    expect(decodeCommand(undefined)).toBeUndefined();
  });
});
