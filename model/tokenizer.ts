// BERT's uncased WordPiece tokenizer, behaving like Hugging Face's BertTokenizer (BasicTokenizer +
// WordpieceTokenizer) so a standard `vocab.txt` (bert-base-uncased's) gives the same ids as Python.
// Browser-safe: the vocabulary comes in as text; reading the file is the caller's business.

export const PAD = '[PAD]';
export const UNK = '[UNK]';
export const CLS = '[CLS]';
export const SEP = '[SEP]';
export const MASK = '[MASK]';
/** BERT's special tokens in the order BERT's vocab lists them. */
export const SPECIAL_TOKENS = [PAD, UNK, CLS, SEP, MASK] as const;

/** HF's default: longer "words" are noise (URLs, hashes) and become one [UNK]. */
export const MAX_CHARS_PER_WORD = 100;

export interface Encoded {
  /** [N, L] token ids, row-major. */
  ids: Int32Array;
  /** [N, L] 1 for real tokens (incl. [CLS]/[SEP]), 0 for padding. */
  mask: Float32Array;
  n: number;
  length: number;
}

// Unicode classes as BERT defines them (tokenization.py): whitespace is space/tab/newline/CR or
// category Zs; control is category C* except tab/newline/CR; punctuation is every ASCII
// non-alphanumeric printable plus category P*.
const isWhitespace = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r' || /\p{Zs}/u.test(c);
const isControl = (c: string) => c !== '\t' && c !== '\n' && c !== '\r' && /\p{C}/u.test(c);
function isPunctuation(c: string): boolean {
  const cp = c.codePointAt(0)!;
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) return true;
  return /\p{P}/u.test(c);
}
/** The CJK Unified Ideograph blocks BERT spaces out (not Hangul or kana: those are written with spaces). */
function isCjk(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

/** BERT's BasicTokenizer (uncased): clean, space out CJK, lower-case, strip accents, split punctuation. */
export function basicTokenize(text: string, opts: { lowerCase?: boolean; neverSplit?: ReadonlySet<string> } = {}): string[] {
  const lower = opts.lowerCase ?? true;
  let cleaned = '';
  // Iterate code points (not UTF-16 units) as Python does.
  for (const c of text.normalize('NFC')) {
    const cp = c.codePointAt(0)!;
    if (cp === 0 || cp === 0xfffd || isControl(c)) continue;
    if (isWhitespace(c)) cleaned += ' ';
    else if (isCjk(cp)) cleaned += ` ${c} `;
    else cleaned += c;
  }
  const out: string[] = [];
  for (let word of cleaned.split(' ')) {
    if (!word) continue;
    if (opts.neverSplit?.has(word)) {
      out.push(word);
      continue;
    }
    if (lower) word = stripAccents(word.toLowerCase());
    let cur = '';
    for (const c of word) {
      if (isPunctuation(c)) {
        if (cur) out.push(cur);
        out.push(c);
        cur = '';
      } else cur += c;
    }
    if (cur) out.push(cur);
  }
  return out;
}

/** NFD, then drop combining marks (category Mn): "déjà" -> "deja". */
export function stripAccents(s: string): string {
  return s.normalize('NFD').replace(/\p{Mn}/gu, '');
}

export class WordPieceTokenizer {
  readonly vocab: Map<string, number>;
  readonly tokens: string[];
  readonly padId: number;
  readonly unkId: number;
  readonly clsId: number;
  readonly sepId: number;
  /** [MASK]'s id ([UNK]'s in a vocabulary without one). */
  readonly maskId: number;
  private readonly lowerCase: boolean;
  private readonly neverSplit: Set<string>;

  /** tokens[i] is the token with id i (as vocab.txt lists them, one per line). */
  constructor(tokens: readonly string[], opts: { lowerCase?: boolean } = {}) {
    this.tokens = [...tokens];
    this.vocab = new Map();
    // HF's load_vocab lets a repeated line win with its later id; do the same so ids agree.
    this.tokens.forEach((t, i) => this.vocab.set(t, i));
    const missing = [PAD, UNK, CLS, SEP].filter((t) => !this.vocab.has(t));
    if (missing.length) throw new Error(`vocab: missing special token(s) ${missing.join(', ')}; a BERT vocab.txt lists them (build one with buildVocab()).`);
    this.padId = this.vocab.get(PAD)!;
    this.unkId = this.vocab.get(UNK)!;
    this.clsId = this.vocab.get(CLS)!;
    this.sepId = this.vocab.get(SEP)!;
    this.maskId = this.vocab.get(MASK) ?? this.unkId;
    this.lowerCase = opts.lowerCase ?? true;
    this.neverSplit = new Set(SPECIAL_TOKENS.filter((t) => this.vocab.has(t)));
  }

  /** Parse vocab.txt text: one token per line, id = line number (a trailing newline is not a token). */
  static fromVocabText(text: string, opts: { lowerCase?: boolean } = {}): WordPieceTokenizer {
    const lines = text.split(/\r?\n/);
    if (lines.length && lines[lines.length - 1] === '') lines.pop();
    return new WordPieceTokenizer(lines, opts);
  }

  get vocabSize(): number {
    return this.tokens.length;
  }

  /** Greedy longest-match-first sub-words of one basic token; a word with no full cover is [UNK]. */
  wordPiece(word: string): string[] {
    const chars = Array.from(word);
    if (chars.length > MAX_CHARS_PER_WORD) return [UNK];
    const pieces: string[] = [];
    let start = 0;
    while (start < chars.length) {
      let end = chars.length;
      let found: string | undefined;
      while (start < end) {
        let sub = chars.slice(start, end).join('');
        if (start > 0) sub = '##' + sub;
        if (this.vocab.has(sub)) {
          found = sub;
          break;
        }
        end--;
      }
      if (!found) return [UNK];
      pieces.push(found);
      start = end;
    }
    return pieces;
  }

  tokenize(text: string): string[] {
    const out: string[] = [];
    for (const w of basicTokenize(text, { lowerCase: this.lowerCase, neverSplit: this.neverSplit })) {
      if (this.neverSplit.has(w)) out.push(w);
      else out.push(...this.wordPiece(w));
    }
    return out;
  }

  /** Token ids of one text, without [CLS]/[SEP]. */
  tokenIds(text: string): number[] {
    return this.tokenize(text).map((t) => this.vocab.get(t) ?? this.unkId);
  }

  /**
   * The first `max` token ids of a text. A training caption is several times longer than the
   * context, so this tokenises a prefix that ends before a space (a space always ends a token, so
   * the prefix's tokens are the text's first tokens) and grows it until it yields enough.
   */
  leadingTokenIds(text: string, max: number): number[] {
    let tried = 0;
    for (let end = Math.max(64, max * 8); end < text.length; end *= 2) {
      const cut = text.lastIndexOf(' ', end);
      if (cut <= tried) continue; // no space, or no new one since the last, shorter prefix
      tried = cut;
      const ids = this.tokenIds(text.slice(0, cut));
      if (ids.length >= max) return ids.slice(0, max);
    }
    return this.tokenIds(text).slice(0, max);
  }

  decode(ids: ArrayLike<number>): string {
    const words: string[] = [];
    for (const id of Array.from(ids)) {
      if (id === this.padId || id === this.clsId || id === this.sepId) continue;
      const t = this.tokens[id] ?? UNK;
      if (t.startsWith('##') && words.length) words[words.length - 1] += t.slice(2);
      else words.push(t);
    }
    return words.join(' ');
  }

  /**
   * [CLS] tokens [SEP], truncated to `contextLength` (the [SEP] is kept, as HF's truncation does)
   * and right-padded with [PAD].
   */
  encode(texts: readonly string[], contextLength: number): Encoded {
    if (!Number.isInteger(contextLength) || contextLength < 2) {
      throw new Error(`encode: contextLength must be an integer >= 2 (room for [CLS] and [SEP]), got ${contextLength}.`);
    }
    const n = texts.length;
    const ids = new Int32Array(n * contextLength).fill(this.padId);
    const mask = new Float32Array(n * contextLength);
    texts.forEach((text, r) => {
      const body = this.leadingTokenIds(text, contextLength - 2);
      const row = [this.clsId, ...body, this.sepId];
      ids.set(row, r * contextLength);
      mask.fill(1, r * contextLength, r * contextLength + row.length);
    });
    return { ids, mask, n, length: contextLength };
  }
}
