import { describe, expect, it } from 'vitest';
import { decodeGroups, encodeGroups, groupBytesPerToken, type GroupCodec } from './group-codec';
import { bytesPerToken, decodeStates, encodeStates } from './quantize';

/** Unit-RMS pseudo-random states with a few outlier channels, as BERT's lower layers have. */
function states(tokens: number, hidden: number, seed = 3): Float32Array {
  let s = seed;
  const next = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const data = new Float32Array(tokens * hidden);
  for (let i = 0; i < data.length; i++) data[i] = (next() - 0.5) * 3.4 * (i % hidden === 5 ? 12 : 1);
  return data;
}

describe('group codecs', () => {
  it.each<GroupCodec>([
    { bits: 4, group: 32 },
    { bits: 3, group: 32 },
    { bits: 4, group: 64 },
  ])('%o: every value within half a step of its group scale, and the packed size as documented', (codec) => {
    const tokens = 7;
    const hidden = 200; // not a multiple of 32 or 8·bits: a partial last group and padded rows
    const data = states(tokens, hidden);
    const body = new Uint8Array(tokens * groupBytesPerToken(codec, hidden));
    encodeGroups(data, tokens, hidden, codec, body);
    const out = decodeGroups(body, tokens, hidden, codec);
    const levels = (1 << (codec.bits - 1)) - 0.5;
    for (let t = 0; t < tokens; t++) {
      for (let g = 0; g * codec.group < hidden; g++) {
        const idx = Array.from({ length: Math.min(codec.group, hidden - g * codec.group) }, (_, j) => t * hidden + g * codec.group + j);
        const maxAbs = Math.max(...idx.map((i) => Math.abs(data[i])));
        const step = maxAbs / levels;
        // fp16 rounding of the scale moves a level by ≤ 2^-11 relative.
        for (const i of idx) expect(Math.abs(out[i] - data[i])).toBeLessThanOrEqual(step / 2 + maxAbs * 2 ** -10);
      }
    }
  });

  it('an all-zero token decodes to (near) zero, and a reused buffer holds nothing of the previous record', () => {
    const data = states(4, 64);
    data.fill(0, 64, 128);
    const a = encodeStates({ data, tokens: 4, hidden: 64 }, 'int4');
    const back = decodeStates(a, 'p');
    expect(back.precision).toBe('int4');
    for (let h = 64; h < 128; h++) expect(back.data[h]).toBe(0);
  });

  it('int4 and int3 cost what bytesPerToken says, below fp16 by 3.6x and 4.6x at hidden 384', () => {
    expect(bytesPerToken('int4', 384)).toBe(192 + 24);
    expect(bytesPerToken('int3', 384)).toBe(144 + 24);
    const data = states(5, 384);
    expect(encodeStates({ data, tokens: 5, hidden: 384 }, 'int3').length).toBe(12 + 5 * 168);
  });

  it('rejects states that are not finite', () => {
    const data = states(2, 32);
    data[40] = Number.NaN;
    expect(() => encodeStates({ data, tokens: 2, hidden: 32 }, 'int4')).toThrow(/not finite/);
  });
});
