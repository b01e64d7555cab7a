import { describe, expect, it } from 'vitest';
import { analyze, matchRanges, maxTermLength, pairTerms, sStem, termSpans } from './terms';

const plain = { stem: 'none', stopWords: false } as const;

describe('analyze', () => {
  it('splits on anything but letters and numbers, and folds case', () => {
    expect(analyze('Super Bowl 50, (Levi\'s) STADIUM—2016!', plain)).toEqual(['super', 'bowl', '50', 'levi', 's', 'stadium', '2016']);
  });

  it('applies NFKC: ligatures, full-width forms and fractions', () => {
    expect(analyze('ﬁnance ＡＢＣ１２ ½', plain)).toEqual(['finance', 'abc12', '1', '2']);
  });

  it('folds accents in Latin, Greek and Cyrillic, and ß and final sigma', () => {
    expect(analyze('Beyoncé Ångström naïve Straße', plain)).toEqual(['beyonce', 'angstrom', 'naive', 'strasse']);
    expect(analyze('Ἀθῆναι ΛΌΓΟΣ λόγος йод', plain)).toEqual(['αθηναι', 'λογοσ', 'λογοσ', 'иод']);
    // Decomposed input folds like precomposed.
    expect(analyze('Beyonce\u0301', plain)).toEqual(['beyonce']);
  });

  it('keeps the marks of other scripts: they are vowels, not accents', () => {
    expect(analyze('हिन्दी', plain)).toEqual(['हिन्दी']);
  });

  it('makes CJK characters single terms plus adjacent pairs', () => {
    expect(analyze('東京タワー', plain)).toEqual(['東', '東京', '京', '京タ', 'タ', 'タワ', 'ワ', 'ワー', 'ー']);
    expect(analyze('在北京abc', plain)).toEqual(['在', '在北', '北', '北京', '京', 'abc']);
  });

  it('drops stop words and stems English by default', () => {
    expect(analyze('What were the running costs of the stadiums?')).toEqual(['run', 'cost', 'stadium']);
  });

  it('drops absurdly long words', () => {
    expect(analyze(`${'x'.repeat(maxTermLength + 1)} ok`, plain)).toEqual(['ok']);
  });

  it('offers the S-stemmer as a lighter alternative', () => {
    expect(['queries', 'abilities', 'horses', 'shoes', 'corpus', 'glass', 'cats'].map(sStem)).toEqual([
      'query', 'ability', 'horse', 'shoe', 'corpus', 'glass', 'cat',
    ]);
    expect(analyze('queries horses', { stem: 's', stopWords: true })).toEqual(['query', 'horse']);
  });
});

describe('termSpans and matchRanges', () => {
  it('maps every term to the span of its word in the original text', () => {
    const text = 'Ångström naïve ﬁne';
    const spans = termSpans(text, plain);
    expect(spans.map((s) => text.slice(s.start, s.end))).toEqual(['Ångström', 'naïve', 'ﬁne']);
  });

  it('finds query terms in a passage through stemming, accents and case', () => {
    const text = 'The Café was RUNNING; cafés run late.';
    const ranges = matchRanges(text, 'cafe runs');
    expect(ranges.map(([s, e]) => text.slice(s, e))).toEqual(['Café', 'RUNNING', 'cafés', 'run']);
  });

  it('merges overlapping CJK matches into one range', () => {
    const text = '我住在北京市';
    expect(matchRanges(text, '北京')).toEqual([[3, 5]]);
  });

  it('returns nothing for a query of stop words only', () => {
    expect(matchRanges('the cat sat', 'the of and')).toEqual([]);
  });
});

describe('pairTerms', () => {
  it('pairs adjacent terms, but not CJK terms', () => {
    expect(pairTerms(['super', 'bowl', '50'])).toEqual(['super bowl', 'bowl 50']);
    expect(pairTerms(['北', '北京', 'abc', 'def'])).toEqual(['abc def']);
  });
});
