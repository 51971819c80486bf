// Measures core/policy/token_count's approximate counter against real BPE tokenizers
// (o200k_base, cl100k_base from gpt-tokenizer) on the shipped corpora; never edits the corpora.
// Run: (cd bench/tokenizer && npm install) && node bench/token_count_error.js build-prompt/bench/xinyu-token-count
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const here = __dirname;
const req = (m) => require(path.join(here, 'tokenizer', 'node_modules', m));
const encodings = {
  o200k_base: req('gpt-tokenizer/cjs/encoding/o200k_base'),
  cl100k_base: req('gpt-tokenizer/cjs/encoding/cl100k_base'),
};

const tool = process.argv[2];
if (!tool) {
  console.error('usage: node bench/token_count_error.js PATH/TO/xinyu-token-count');
  process.exit(2);
}

// every text column of tests/data/**/*.tsv (the last field; '#' lines are comments)
function tsvFiles(dir) {
  let out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out = out.concat(tsvFiles(p));
    else if (e.name.endsWith('.tsv')) out.push(p);
  }
  return out.sort();
}
const texts = new Set();
for (const f of tsvFiles(path.join(here, '..', 'tests', 'data'))) {
  for (const line of fs.readFileSync(f, 'utf8').split('\n')) {
    if (!line || line.startsWith('#')) continue;
    for (const field of line.split('\t').slice(1)) // labels first, texts after
      if (field.trim().length > 0) texts.add(field.replace(/\r/g, ''));
  }
}
const list = [...texts];
const approx = execFileSync(tool, { input: list.join('\n') + '\n', maxBuffer: 1 << 28 })
  .toString().trim().split('\n').map(Number);
if (approx.length !== list.length) throw new Error('tool answered ' + approx.length + ' lines');

const cjk = /[\u3400-\u4dbf\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]/g;
function language(t) {
  const n = (t.match(cjk) || []).length;
  const letters = (t.match(/[A-Za-z]/g) || []).length;
  return n > 0 && n * 2 >= letters ? 'zh' : 'en'; // mixed lines go by their main script
}
function pct(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
}

console.log('approximate counter vs real tokenizers on tests/data/**/*.tsv (' + list.length +
            ' distinct texts)');
console.log('relative error = (approx - real) / real; bias = mean signed error; ' +
            '|err| = mean absolute; p95 = 95th percentile of |err|; total = sum approx / sum real - 1');
console.log('| encoding | language | texts | bias | mean abs err | p95 abs err | total |');
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: |');
for (const [name, enc] of Object.entries(encodings)) {
  for (const lang of ['zh', 'en']) {
    const errs = [];
    let sumA = 0, sumR = 0;
    list.forEach((t, i) => {
      if (language(t) !== lang) return;
      const real = enc.encode(t).length;
      if (real === 0) return;
      errs.push((approx[i] - real) / real);
      sumA += approx[i];
      sumR += real;
    });
    const mean = errs.reduce((a, b) => a + b, 0) / errs.length;
    const abs = errs.map(Math.abs);
    const mabs = abs.reduce((a, b) => a + b, 0) / abs.length;
    const f = (x) => (x >= 0 ? '+' : '') + (100 * x).toFixed(1) + ' %';
    console.log(`| ${name} | ${lang} | ${errs.length} | ${f(mean)} | ${(100 * mabs).toFixed(1)} % | ` +
                `${(100 * pct(abs, 0.95)).toFixed(1)} % | ${f(sumA / sumR - 1)} |`);
  }
}
