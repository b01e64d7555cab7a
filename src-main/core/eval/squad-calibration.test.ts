import { describe, expect, it } from 'vitest';
import { calibrate } from './squad-calibration';
import type { SquadDataset } from './squad-data';

const q = (id: string, gold: string) => ({ id, question: `q${id}`, answers: [{ text: gold, answerStart: 0 }] });
const dataset: SquadDataset = {
  version: '1.1',
  paragraphs: [{ id: '0-0', title: 't', context: 'c', questions: [q('a', 'March'), q('b', 'the Fresnel lens'), q('c', 'acacia leaves'), q('d', 'wax')] }],
};

describe('calibrate', () => {
  it('puts each question in its probability band with its own EM and F1', () => {
    const predictions = { a: 'March', b: 'Fresnel lens', c: 'acacia', d: 'honey' };
    const probabilities = { a: 0.95, b: 0.91, c: 0.45, d: 0.05 };
    const c = calibrate(dataset, predictions, probabilities);
    expect(c.deciles[9]).toMatchObject({ questions: 2, exactMatch: 100, f1: 100 }); // "the" is dropped by the metric
    expect(c.deciles[4]).toMatchObject({ questions: 1, exactMatch: 0 });
    expect(c.deciles[4].f1).toBeCloseTo((100 * 2) / 3, 5); // "acacia" vs "acacia leaves"
    expect(c.deciles[0]).toMatchObject({ questions: 1, exactMatch: 0, f1: 0 });
    expect(c.words.confident.questions).toBe(2);
    expect(c.words.none.questions).toBe(1);
    expect(c.deciles.reduce((n, b) => n + b.questions, 0)).toBe(4);
  });

  it('leaves out questions with no probability (search-only answers)', () => {
    const c = calibrate(dataset, { a: 'March' }, { a: 1 });
    expect(c.deciles.reduce((n, b) => n + b.questions, 0)).toBe(1);
    expect(c.deciles[9].questions).toBe(1); // p = 1 is in the last band
  });
});
