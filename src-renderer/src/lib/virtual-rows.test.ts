import { describe, expect, it } from 'vitest';
import { rowWindow } from './virtual-rows';

describe('rowWindow (the Library panel virtual list)', () => {
  it('renders only the rows in view plus overscan, the rest as spacer height', () => {
    const w = rowWindow(10_000, 44, 320, 44 * 5000, 6);
    expect(w.first).toBe(5000 - 6);
    expect(w.last).toBe(5000 + Math.ceil(320 / 44) + 6);
    expect(w.before).toBe(w.first * 44);
    expect(w.before + (w.last - w.first) * 44 + w.after).toBe(10_000 * 44);
  });

  it('clamps at both ends and for short lists', () => {
    expect(rowWindow(10_000, 44, 320, 0)).toMatchObject({ first: 0, before: 0 });
    const end = rowWindow(10_000, 44, 320, 44 * 10_000);
    expect(end.last).toBe(10_000);
    expect(end.after).toBe(0);
    expect(rowWindow(3, 44, 320, 0)).toEqual({ first: 0, last: 3, before: 0, after: 0 });
    expect(rowWindow(0, 44, 320, 100)).toEqual({ first: 0, last: 0, before: 0, after: 0 });
  });
});
