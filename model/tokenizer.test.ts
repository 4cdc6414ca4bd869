import { describe, expect, it } from 'vitest';
import { basicTokenize, stripAccents, WordPieceTokenizer, MAX_CHARS_PER_WORD } from './tokenizer.js';
import { buildVocab, vocabText } from './vocab.js';

// The vocabulary of Hugging Face's own BertTokenizer tests (tests/models/bert/test_tokenization_bert.py),
// whose expected outputs are hand-checked there and here.
const HF_TEST_VOCAB = ['[UNK]', '[CLS]', '[SEP]', '[PAD]', '[MASK]', 'want', '##want', '##ed', 'wa', 'un', 'runn', '##ing', ',', 'low', 'lowest'];

describe('basicTokenize', () => {
  it('lower-cases and strips accents', () => {
    expect(basicTokenize('Café Déjà-vu')).toEqual(['cafe', 'deja', '-', 'vu']);
    expect(basicTokenize('naïve RÉSUMÉ Über')).toEqual(['naive', 'resume', 'uber']);
    expect(stripAccents('e\u0301')).toBe('e'); // already decomposed input
    expect(basicTokenize('  \tHeLLo!how  \n Are \n\n you?  ')).toEqual(['hello', '!', 'how', 'are', 'you', '?']);
  });
  it('splits every punctuation character, ASCII and Unicode', () => {
    expect(basicTokenize("He's 3.5m tall...")).toEqual(['he', "'", 's', '3', '.', '5m', 'tall', '.', '.', '.']);
    expect(basicTokenize('wait…what «quote»')).toEqual(['wait', '…', 'what', '«', 'quote', '»']);
    // '$', '^', '`' and '~' are ASCII symbols (not Unicode P*), BERT still treats them as punctuation.
    expect(basicTokenize('a$b^c`d~e')).toEqual(['a', '$', 'b', '^', 'c', '`', 'd', '~', 'e']);
  });
  it('cleans control characters, maps Unicode spaces, spaces out CJK', () => {
    expect(basicTokenize('a\u0000b\u200bc\ufffdd e')).toEqual(['abcd', 'e']);
    expect(basicTokenize('left\u00a0arm\u3000up')).toEqual(['left', 'arm', 'up']);
    expect(basicTokenize('我爱ok')).toEqual(['我', '爱', 'ok']);
    // Hangul is not spaced out, but accent stripping leaves it NFD-decomposed into jamo (as BERT does).
    expect(basicTokenize('한국어')).toEqual(['한국어'.normalize('NFD')]);
    expect(basicTokenize('한국어', { lowerCase: false })).toEqual(['한국어']);
  });
  it('keeps case when asked', () => {
    expect(basicTokenize('HeLLo Café', { lowerCase: false })).toEqual(['HeLLo', 'Café']);
  });
});

describe('WordPieceTokenizer', () => {
  const tok = new WordPieceTokenizer(HF_TEST_VOCAB);
  it('matches the Hugging Face test cases', () => {
    expect(tok.tokenize('UNwant\u00E9d,running')).toEqual(['un', '##want', '##ed', ',', 'runn', '##ing']);
    expect(tok.tokenIds('UNwant\u00E9d,running')).toEqual([9, 6, 7, 12, 10, 11]);
    expect(tok.wordPiece('')).toEqual([]);
    expect(tok.tokenize('unwanted running')).toEqual(['un', '##want', '##ed', 'runn', '##ing']);
    // One piece without a cover makes the whole word [UNK], not just its tail.
    expect(tok.tokenize('unwantedX running')).toEqual(['[UNK]', 'runn', '##ing']);
    expect(tok.tokenize('lowest low lower')).toEqual(['lowest', 'low', '[UNK]']);
  });
  it('keeps special tokens written in the text', () => {
    expect(tok.tokenize('[CLS] want [SEP]')).toEqual(['[CLS]', 'want', '[SEP]']);
  });
  it('turns words over 100 characters into one [UNK]', () => {
    const t = new WordPieceTokenizer(['[PAD]', '[UNK]', '[CLS]', '[SEP]', 'a', '##a']);
    expect(t.tokenize('a'.repeat(MAX_CHARS_PER_WORD))).toHaveLength(MAX_CHARS_PER_WORD);
    expect(t.tokenize('a'.repeat(MAX_CHARS_PER_WORD + 1) + ' a')).toEqual(['[UNK]', 'a']);
  });
  it('encodes with [CLS]/[SEP], truncation and padding', () => {
    const { ids, mask, n, length } = tok.encode(['want running', 'UNwant\u00E9d,running low lowest', ''], 6);
    expect([n, length]).toEqual([3, 6]);
    // [CLS]=1 [SEP]=2 [PAD]=3
    expect(Array.from(ids)).toEqual([
      1, 5, 10, 11, 2, 3, // want runn ##ing, one pad
      1, 9, 6, 7, 12, 2, // truncated to 4 body tokens, [SEP] kept
      1, 2, 3, 3, 3, 3, // empty text
    ]);
    expect(Array.from(mask)).toEqual([1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0]);
    expect(() => tok.encode(['x'], 1)).toThrow(/contextLength must be an integer >= 2/);
  });
  it('encodes long texts exactly as tokenising them whole would', () => {
    // Fragments that stress where a prefix may be cut: punctuation glued to words, accents and
    // combining marks (also right after a space), CJK, Unicode and repeated spaces, newlines,
    // control characters, special tokens, a word over 100 characters, and no space for a long run.
    const fragments = ['want', 'running', 'UNwant\u00E9d,running', 'low.', 'lowest,', ' ', '  ', '\n', '\t', '\u00A0', '\u3000',
      '\u6F22\u5B57', 'e\u0301', ' \u0301', '[MASK]', '[CLS]', '\u0007', 'wa'.repeat(60), 'un', ',', '...', 'x'];
    let seed = 12345;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
    const vocab = [...HF_TEST_VOCAB, '\u6F22', '\u5B57', 'e', '.', 'x', '##a', 'a'];
    const t = new WordPieceTokenizer(vocab);
    for (let trial = 0; trial < 400; trial++) {
      // Long one-token words in some trials thin the tokens out, so that the context's last token
      // falls near the end of a tokenised prefix, where a wrong cut would show.
      const longWords = trial % 2 ? 0.3 + (trial % 7) / 10 : 0;
      const parts: string[] = [];
      const n = 1 + rand(400);
      for (let i = 0; i < n; i++) {
        const f = rand(1000) < longWords * 1000 ? 'wa'.repeat(1 + rand(60)) : fragments[rand(fragments.length)];
        parts.push(f + (rand(3) ? ' ' : ''));
      }
      const text = parts.join('');
      const L = [2, 3, 7, 18, 48, 131][trial % 6];
      const whole = t.tokenIds(text).slice(0, L - 2);
      const expected = [t.clsId, ...whole, t.sepId];
      const got = t.encode([text], L);
      expect(Array.from(got.ids.subarray(0, expected.length)), `trial ${trial}, L ${L}`).toEqual(expected);
      expect(Array.from(got.ids.subarray(expected.length)).every((id) => id === t.padId)).toBe(true);
      expect(t.leadingTokenIds(text, L - 2)).toEqual(whole);
    }
  });
  it('reads vocab.txt text and names missing specials', () => {
    const t = WordPieceTokenizer.fromVocabText(HF_TEST_VOCAB.join('\r\n') + '\r\n');
    expect(t.vocabSize).toBe(HF_TEST_VOCAB.length);
    expect(t.tokenIds('low')).toEqual([13]);
    expect(() => WordPieceTokenizer.fromVocabText('[PAD]\n[UNK]\nhello\n')).toThrow(/missing special token\(s\) \[CLS\], \[SEP\]/);
  });
  it('decodes back to words', () => {
    expect(tok.decode(tok.encode(['UNwant\u00E9d,running'], 10).ids)).toBe('unwanted , running');
  });
});

describe('buildVocab', () => {
  const corpus = [
    'The person is standing with the left arm raised above the head.',
    'Two people are dancing; the person in the centre bends the right knee.',
    'The person is sitting, legs crossed, and the torso leans forward.',
    'A person is running. The left leg is bent at the knee.',
  ];
  it('puts BERT specials first and encodes every corpus word without [UNK]', () => {
    const tokens = buildVocab(corpus, { maxSize: 120, minWordCount: 2 });
    expect(tokens.slice(0, 5)).toEqual(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
    expect(tokens.length).toBeLessThanOrEqual(120);
    expect(new Set(tokens).size).toBe(tokens.length);
    expect(tokens).toContain('person'); // frequent whole word
    expect(tokens).toContain('##s'); // continuation character
    const tok = WordPieceTokenizer.fromVocabText(vocabText(tokens));
    for (const line of corpus) {
      const pieces = tok.tokenize(line);
      expect(pieces).not.toContain('[UNK]');
      expect(tok.decode(tok.tokenIds(line))).toBe(tok.tokenize(line).join(' ').replace(/ ##/g, ''));
    }
    // Frequent words are single tokens; rare ones fall back to sub-words.
    expect(tok.tokenize('the person')).toEqual(['the', 'person']);
    expect(tok.tokenize('dancing').length).toBeGreaterThan(1);
  });
  it('is deterministic and refuses a budget below the alphabet', () => {
    expect(buildVocab(corpus, { maxSize: 80 })).toEqual(buildVocab([...corpus], { maxSize: 80 }));
    expect(() => buildVocab(corpus, { maxSize: 10 })).toThrow(/raise maxSize/);
    expect(() => vocabText(['a', 'b\nc'])).toThrow(/one per line/);
  });
});
