import { describe, expect, it } from 'vitest';
import { squadDevPath } from '../testing/paths';
import { loadSquad, type SquadDataset } from './squad-data';
import { evaluate, exactMatchScore, f1Score, maxOverGolds, normalizeAnswer } from './squad-metric';

/** A one-question dataset with these gold answers. */
function oneQuestion(golds: string[]): SquadDataset {
  return {
    version: 'test',
    paragraphs: [{ id: '0-0', title: 't', context: golds.join(' '), questions: [{ id: 'q', question: '?', answers: golds.map((text) => ({ text, answerStart: 0 })) }] }],
  };
}

describe('normalizeAnswer', () => {
  it('lower-cases', () => {
    expect(normalizeAnswer('Denver BRONCOS')).toBe('denver broncos');
  });

  it('drops ASCII punctuation, also inside words, and keeps non-ASCII punctuation', () => {
    expect(normalizeAnswer("Saint-Denis's (1,000) \"rock\"!?")).toBe('saintdeniss 1000 rock');
    expect(normalizeAnswer('a_b c~d')).toBe('ab cd');
    expect(normalizeAnswer('“quoted” – dash')).toBe('“quoted” – dash');
  });

  it('drops a/an/the only as whole words', () => {
    expect(normalizeAnswer('The theory of an anthem and a bat')).toBe('theory of anthem and bat');
    expect(normalizeAnswer('theatre, another, area')).toBe('theatre another area');
    // Punctuation goes first, so "the-end" becomes "theend" and keeps its "the".
    expect(normalizeAnswer('the-end the.')).toBe('theend');
    // Unicode letters are word characters: no boundary between "é" and "the".
    expect(normalizeAnswer('éthe the')).toBe('éthe');
  });

  it('collapses runs of white space, Python-style', () => {
    expect(normalizeAnswer('  a\t\tb \n\n c\u00a0\u2003d\x1fe  ')).toBe('b c d e');
    // U+FEFF is white space to JavaScript's \s but not to Python's str.split().
    expect(normalizeAnswer('x\ufeffy')).toBe('x\ufeffy');
  });
});

describe('exact match and F1', () => {
  it('scores exact match after normalisation', () => {
    expect(exactMatchScore('The Broncos.', 'broncos')).toBe(1);
    expect(exactMatchScore('Broncos team', 'broncos')).toBe(0);
  });

  it('computes token F1 by hand', () => {
    // pred: [denver, broncos, won] gold: [broncos, won, super, bowl]: shared 2, P 2/3, R 2/4 → F1 4/7.
    expect(f1Score('Denver Broncos won', 'the Broncos won Super Bowl')).toBeCloseTo(4 / 7, 12);
  });

  it('counts shared tokens as a multiset', () => {
    // pred [a1, a1, a1] vs gold [a1, b]: shared min(3,1) = 1, P 1/3, R 1/2 → 0.4.
    expect(f1Score('x x x', 'x y')).toBeCloseTo(0.4, 12);
    // two on each side: shared 2, P 2/3, R 2/2 → 0.8
    expect(f1Score('x x z', 'x x')).toBeCloseTo(0.8, 12);
  });

  it('gives 0 for an empty prediction and for no overlap', () => {
    expect(f1Score('', 'Denver')).toBe(0);
    expect(exactMatchScore('', 'Denver')).toBe(0);
    expect(f1Score('Paris', 'Denver')).toBe(0);
    // Only articles and punctuation: both sides normalise to "", EM 1, F1 0 (nothing shared), as in the script.
    expect(exactMatchScore('the', 'a.')).toBe(1);
    expect(f1Score('the', 'a.')).toBe(0);
  });

  it('takes the best over the gold answers', () => {
    expect(maxOverGolds(f1Score, 'Denver Broncos', ['Carolina Panthers', 'Broncos', 'Denver Broncos team'])).toBeCloseTo(0.8, 12);
    const scores = evaluate(oneQuestion(['Carolina', 'Denver Broncos']), { q: 'denver broncos' });
    expect(scores).toEqual({ exactMatch: 100, f1: 100, total: 1 });
  });

  it('scores a missing prediction 0 but counts the question', () => {
    const ds = oneQuestion(['Denver']);
    ds.paragraphs[0].questions.push({ id: 'q2', question: '?', answers: [{ text: 'Paris', answerStart: 0 }] });
    const scores = evaluate(ds, { q: 'Denver' });
    expect(scores.total).toBe(2);
    expect(scores.exactMatch).toBe(50);
    expect(scores.f1).toBe(50);
  });
});

describe('evaluate on the real dev set', () => {
  const dataset = loadSquad(squadDevPath);

  it('gives 100/100 for the first gold answer of each question', () => {
    const predictions: Record<string, string> = {};
    for (const p of dataset.paragraphs) for (const q of p.questions) predictions[q.id] = q.answers[0].text;
    expect(evaluate(dataset, predictions)).toEqual({ exactMatch: 100, f1: 100, total: 10570 });
  });

  it('gives 0/0 with no predictions, and less than 100 for a wrong answer to every question', () => {
    expect(evaluate(dataset, {})).toEqual({ exactMatch: 0, f1: 0, total: 10570 });
    const predictions: Record<string, string> = {};
    for (const p of dataset.paragraphs) for (const q of p.questions) predictions[q.id] = p.title;
    const scores = evaluate(dataset, predictions);
    expect(scores.exactMatch).toBeLessThan(5);
    expect(scores.f1).toBeGreaterThan(0);
  });
});
