// Regenerates the golden tokenizations in this directory with Hugging Face's own `tokenizers`
// library (npm package `tokenizers`, native build). Not run by the tests. Usage:
//   mkdir -p /tmp/tokgold && cd /tmp/tokgold && npm install tokenizers@0.23.2
//   NODE_PATH=/tmp/tokgold/node_modules node generate.js CORPUS_TXT
// run from this directory; CORPUS_TXT is the tiny-shakespeare text (data/corpus/shakespeare.txt).
// Writes: golden-*.json (ids per test string) and tiny-bytelevel*.tokenizer.json (two small
// byte-level BPE tokenizers whose merges this script learns from the first 60,000 characters of
// the corpus, then saves through the library so that the files are in the library's own format).
'use strict';
const fs = require('fs');
const path = require('path');
const tk = require('tokenizers');

const corpusPath = process.argv[2];
if (!corpusPath) {
  console.error('usage: node generate.js CORPUS_TXT');
  process.exit(2);
}
const corpus = fs.readFileSync(corpusPath, 'utf8');
const here = __dirname;
const mixtralPath = path.join(here, '..', 'tokenizers', 'mixtral-8x7b', 'tokenizer.json');

const CASES = [
  '',
  ' ',
  'Hello world',
  'Hello, world! How are you doing today?',
  ' leading space',
  'trailing space ',
  '  two leading spaces',
  'multiple   spaces\tand\ttabs\n\nnewlines\r\nend',
  'def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n',
  'for (int i = 0; i < 10; i++) { sum += a[i]; }  // C-style loop',
  'Ça va très bien, merci. Zürich Straße naïve café',
  '日本語のテキストと中文文本',
  'Привет, мир! Γειά σου Κόσμε',
  'I love 🦙 and 🤖! 👩‍👩‍👧‍👦 family',
  'control\u0001chars\u007f and rare 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ⟁ ꙮ',
  'a\u00a0b\u3000c    d\n\n\n   e',
  'Pi is 3.14159265358979 and 1,000,000 is 1e6; 2024-12-11',
  "I'm sure they'll say it's what we've done, isn't it? DON'T",
  '<s>Hello</s> world <unk> tail',
  'Hello <s> world',
  '</s></s>',
  '<|endoftext|>next doc<|im_start|>user\nhi',
  corpus.slice(0, 1500),
];

async function golden(tokenizer, name, source) {
  const cases = [];
  for (const text of CASES) {
    const withSpecial = await tokenizer.encode(text, null, { addSpecialTokens: true });
    const plain = await tokenizer.encode(text, null, { addSpecialTokens: false });
    const decoded = await tokenizer.decode(plain.getIds(), false);
    cases.push({ text, ids: withSpecial.getIds(), ids_no_special: plain.getIds(), decoded });
  }
  const out = {
    generator: 'generate.js with npm tokenizers ' + require('tokenizers/package.json').version,
    tokenizer: source,
    cases,
  };
  fs.writeFileSync(path.join(here, 'golden-' + name + '.json'), JSON.stringify(out, null, 1) + '\n');
}

// Learns `count` merges on byte-level pre-tokenized words (classic BPE: most frequent pair,
// ties broken by the pair's string order so that the result is deterministic).
function learnMerges(text, count) {
  const pre = tk.byteLevelPreTokenizer(false, true);
  const words = new Map();
  for (const [piece] of pre.preTokenizeString(text)) {
    words.set(piece, (words.get(piece) || 0) + 1);
  }
  let seqs = [...words.entries()].map(([w, f]) => [Array.from(w), f]);
  const merges = [];
  for (let m = 0; m < count; m++) {
    const pairs = new Map();
    for (const [s, f] of seqs) {
      for (let i = 0; i + 1 < s.length; i++) {
        const key = s[i] + '\u0000' + s[i + 1];
        pairs.set(key, (pairs.get(key) || 0) + f);
      }
    }
    let best = null;
    let bestCount = 0;
    for (const [key, c] of pairs) {
      if (c > bestCount || (c === bestCount && key < best)) {
        best = key;
        bestCount = c;
      }
    }
    if (best === null || bestCount < 2) break;
    const [a, b] = best.split('\u0000');
    merges.push([a, b]);
    seqs = seqs.map(([s, f]) => {
      const r = [];
      for (let i = 0; i < s.length; i++) {
        if (i + 1 < s.length && s[i] === a && s[i + 1] === b) {
          r.push(a + b);
          i++;
        } else {
          r.push(s[i]);
        }
      }
      return [r, f];
    });
  }
  return merges;
}

const QWEN2_SPLIT = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

function byteLevelJson(merges, preTokenizer) {
  const vocab = {};
  for (const ch of tk.byteLevelAlphabet().sort()) vocab[ch] = Object.keys(vocab).length;
  for (const [a, b] of merges) {
    if (!(a + b in vocab)) vocab[a + b] = Object.keys(vocab).length;
  }
  const n = Object.keys(vocab).length;
  const special = (id, content) =>
    ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [special(n, '<|endoftext|>'), special(n + 1, '<|im_start|>'), special(n + 2, '<|im_end|>')],
    normalizer: null,
    pre_tokenizer: preTokenizer,
    post_processor: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
    decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
    model: {
      type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null,
      fuse_unk: false, byte_fallback: false, ignore_merges: false,
      vocab, merges,
    },
  };
}

async function main() {
  const mixtralJson = fs.readFileSync(mixtralPath, 'utf8');
  await golden(tk.Tokenizer.fromString(mixtralJson), 'mixtral', 'tokenizers/mixtral-8x7b/tokenizer.json');

  // The same vocabulary in the newer Metaspace form (no normalizer; prepend "▁" to the first
  // section only, no split), as later Llama/Mistral tokenizer.json files have it.
  const meta = JSON.parse(mixtralJson);
  meta.normalizer = null;
  meta.pre_tokenizer = { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'first', split: false };
  meta.decoder = { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'first', split: false };
  await golden(tk.Tokenizer.fromString(JSON.stringify(meta)), 'mixtral-metaspace',
    'tokenizers/mixtral-8x7b/tokenizer.json with normalizer null and a Metaspace(prepend_scheme first, split false) pre-tokenizer and decoder');

  const merges = learnMerges(corpus.slice(0, 60000), 400);
  const variants = {
    'tiny-bytelevel': { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    'tiny-bytelevel-split': {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: QWEN2_SPLIT }, behavior: 'Isolated', invert: false },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
      ],
    },
  };
  for (const [name, pre] of Object.entries(variants)) {
    const file = path.join(here, name + '.tokenizer.json');
    tk.Tokenizer.fromString(JSON.stringify(byteLevelJson(merges, pre))).save(file, true);
    await golden(tk.Tokenizer.fromFile(file), name, 'tokenizer-golden/' + name + '.tokenizer.json');
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
