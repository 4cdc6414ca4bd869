// A WordPiece vocabulary built from a caption corpus, for training the text encoder from scratch
// (bert-base-uncased's 30522 tokens would make the tiny model's embedding table dominate it).
// Layout: BERT's specials first ([PAD]=0, [UNK], [CLS], [SEP], [MASK]), then every character seen,
// both word-initial and as a '##' continuation (so every word of the corpus stays encodable without
// [UNK]), then whole words by frequency, then the most useful '##' suffixes of the words that did
// not make it (plural s, -ing, -ed ...), until the size budget is met.

import { basicTokenize, SPECIAL_TOKENS } from './tokenizer.js';

export interface VocabOptions {
  /** Upper bound on the number of tokens (specials and characters always fit first). */
  maxSize?: number;
  /** Whole words need at least this many occurrences. */
  minWordCount?: number;
  /** Longest '##' suffix considered, in characters. */
  maxSuffix?: number;
}

/** Tokens in id order; write them with `vocabText()` as vocab.txt. */
export function buildVocab(corpus: Iterable<string>, opts: VocabOptions = {}): string[] {
  const maxSize = opts.maxSize ?? 4096;
  const minWordCount = opts.minWordCount ?? 2;
  const maxSuffix = opts.maxSuffix ?? 5;
  const words = new Map<string, number>();
  for (const text of corpus) for (const w of basicTokenize(text)) words.set(w, (words.get(w) ?? 0) + 1);

  const tokens: string[] = [...SPECIAL_TOKENS];
  const have = new Set<string>(tokens);
  const add = (t: string) => {
    if (!have.has(t)) {
      have.add(t);
      tokens.push(t);
    }
  };

  // Characters by frequency: the fallback that makes every corpus word encodable.
  const initial = new Map<string, number>();
  const inner = new Map<string, number>();
  for (const [w, n] of words) {
    const cs = Array.from(w);
    initial.set(cs[0], (initial.get(cs[0]) ?? 0) + n);
    for (const c of cs.slice(1)) inner.set(c, (inner.get(c) ?? 0) + n);
  }
  for (const c of byCount(initial)) add(c);
  for (const c of byCount(inner)) add('##' + c);
  if (tokens.length > maxSize) {
    throw new Error(`buildVocab: the corpus has ${tokens.length} specials + distinct characters, more than maxSize ${maxSize}; raise maxSize.`);
  }

  // Whole words, most frequent first; ties by the word itself so the vocabulary is deterministic.
  const wholeWords = byCount(words).filter((w) => words.get(w)! >= minWordCount && Array.from(w).length > 1);
  const wordBudget = Math.max(0, Math.floor((maxSize - tokens.length) * 0.85));
  let taken = 0;
  for (const w of wholeWords) {
    if (taken >= wordBudget) break;
    if (!have.has(w)) {
      add(w);
      taken++;
    }
  }

  // Suffixes of the remaining words, weighted by how many characters they save.
  const suffixes = new Map<string, number>();
  for (const [w, n] of words) {
    if (have.has(w)) continue;
    const cs = Array.from(w);
    for (let len = 2; len <= Math.min(maxSuffix, cs.length - 1); len++) {
      const s = '##' + cs.slice(cs.length - len).join('');
      suffixes.set(s, (suffixes.get(s) ?? 0) + n * (len - 1));
    }
  }
  for (const s of byCount(suffixes)) {
    if (tokens.length >= maxSize) break;
    add(s);
  }
  for (const w of wholeWords) {
    if (tokens.length >= maxSize) break;
    add(w);
  }
  return tokens;
}

/** vocab.txt contents: one token per line. */
export function vocabText(tokens: readonly string[]): string {
  for (const t of tokens) {
    if (/[\r\n]/.test(t) || t === '') throw new Error(`vocab: token ${JSON.stringify(t)} cannot be written one per line.`);
  }
  return tokens.join('\n') + '\n';
}

function byCount(m: Map<string, number>): string[] {
  return [...m.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([k]) => k);
}
