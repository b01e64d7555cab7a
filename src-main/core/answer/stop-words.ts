/**
 * English function words dropped from queries and the term index. They carry almost no BM25 weight
 * anyway; dropping them mostly shrinks the index (they have the longest posting lists) and removes
 * the question words ("what", "which") that match every passage. Measured on SQuAD in retrieval-bench.
 */
export const englishStopWords: ReadonlySet<string> = new Set(
  (
    'a an and are as at be been being but by did do does doing for from had has have having he her hers him his ' +
    'how i if in into is it its itself me my no nor not of on or our ours she so such than that the their theirs ' +
    'them then there these they this those to too us was we were what when where which while who whom whose why ' +
    'will with would you your yours s t'
  ).split(' '),
);
