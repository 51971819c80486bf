// The web page's pure logic (the <script id="xinyu-core"> block of web/index.html) in node without a browser or packages: markdown escaping and link safety, the crisis referral card split, phone links, reconnect backoff, token dedupe, error wording.
// It must never need a network, a DOM or an npm package, and must fail whenever one of these behaviours breaks (tests/browser covers the page in Chromium).
"use strict";
const fs = require("fs");
const path = require("path");
const assert = require("assert");

const html = fs.readFileSync(path.join(__dirname, "../../web/index.html"), "utf8");
const m = html.match(/<script id="xinyu-core">([\s\S]*?)<\/script>/);
assert.ok(m, "web/index.html has no <script id=\"xinyu-core\"> block");
assert.doesNotMatch(m[1], /\bdocument\b|\bwindow\b|innerHTML/, "the core script must stay free of the DOM");
const C = new Function(m[1] + "\nreturn XinyuCore;")();

let cases = 0;
function check(name, fn) {
  fn();
  cases++;
  console.log("ok   " + name);
}
// every string a parse tree holds, flattened, and every node type it uses
function walk(nodes, out = { texts: [], types: new Set(), hrefs: [] }) {
  for (const n of nodes) {
    out.types.add(n.t);
    if (typeof n.v === "string") out.texts.push(n.v);
    if (n.href) out.hrefs.push(n.href);
    if (n.c) walk(n.c, out);
    if (n.items) for (const i of n.items) walk(i, out);
  }
  return out;
}

check("the page's own markup: no external resources, an inline favicon, no innerHTML", () => {
  const has = (re, what) => assert.ok(re.test(html), what);
  has(/^(?![\s\S]*<(script|link|img|iframe)[^>]+(src|href)=["']?(https?:)?\/\/)/i, "an external resource");
  has(/<link rel="icon" href="data:image\/svg\+xml,/, "an inline favicon");
  has(/^(?![\s\S]*(\.innerHTML\s*=|insertAdjacentHTML|outerHTML\s*=|document\.write))/, "HTML built from strings");
  has(/"PingFang SC",\s*"Hiragino Sans GB",\s*"Microsoft YaHei",\s*"Noto Sans CJK SC",\s*"WenQuanYi Micro Hei",\s*sans-serif/, "the CJK font stack");
  has(/prefers-color-scheme: dark/, "dark mode");
});

check("markdown: raw HTML from the model stays text", () => {
  const evil = '<img src=x onerror="alert(1)"> <script>alert(2)</script> **<b>x</b>**';
  const tree = walk(C.parseBlocks(evil).flatMap((b) => b.c || []));
  assert.ok(tree.texts.join("").includes('<img src=x onerror="alert(1)">'));
  assert.ok(tree.texts.join("").includes("<script>alert(2)</script>"));
  assert.ok(tree.texts.includes("<b>x</b>"), "bold content kept as text");
  assert.deepStrictEqual([...tree.types].sort(), ["b", "text"]);
});

check("markdown: only http(s) links, javascript:/data: become plain words", () => {
  const t = walk(C.parseInline("[a](javascript:alert(1)) [b](data:text/html,x) [c](https://example.org/x?y=1) see http://ok.example/path."));
  assert.deepStrictEqual(t.hrefs, ["https://example.org/x?y=1", "http://ok.example/path"]);
  assert.ok(t.texts.includes("a") && t.texts.includes("b"));
  assert.ok(!t.texts.join("").includes("javascript:"));
  assert.strictEqual(C.safeHref("JaVaScRiPt:alert(1)"), null);
  assert.strictEqual(C.safeHref("//evil.example"), null);
  assert.strictEqual(C.safeHref("https://example.org"), "https://example.org/");
});

check("markdown: bold, italic, code, lists, quotes, code blocks", () => {
  const blocks = C.parseBlocks("Hi **there** and *you* with `x<y`\n\n- one\n- two\n\n1. first\n2. second\n\n> quoted **bit**\n\n```\n<b>raw</b>\n```");
  assert.deepStrictEqual(blocks.map((b) => b.t), ["p", "ul", "ol", "quote", "code"]);
  const p = blocks[0].c;
  assert.deepStrictEqual(p.map((n) => n.t), ["text", "b", "text", "i", "text", "code"]);
  assert.strictEqual(p[5].v, "x<y");
  assert.strictEqual(blocks[1].items.length, 2);
  assert.strictEqual(blocks[3].c[0].t, "p");
  assert.strictEqual(blocks[4].v, "<b>raw</b>");
  // snake_case and lone stars are words, not emphasis; an unclosed ** while streaming is text
  assert.deepStrictEqual(C.parseInline("snake_case_name").map((n) => n.t), ["text"]);
  assert.deepStrictEqual(C.parseInline("2 * 3 = 6").map((n) => n.t), ["text"]);
  assert.deepStrictEqual(C.parseInline("**unfinished").map((n) => n.t), ["text"]);
  assert.deepStrictEqual(C.parseInline("中文**加粗**好").map((n) => n.t), ["text", "b", "text"]);
});

// exactly what the server sends (core/policy/canned_replies.cpp, default resources)
const noticeEn = "You don't have to go through this alone. You can reach someone right now:\n" +
  "- US: call or text 988 (Suicide & Crisis Lifeline)\n- UK & Ireland: Samaritans 116 123\n" +
  "- Elsewhere: find a local line at findahelpline.com, or call your emergency number";
const replyEn = noticeEn + "\n\nThank you for telling me.";
const noticeZh = "你不需要一个人扛着。现在就可以联系这些援助资源：\n- 全国心理援助热线：400-161-9995（24小时）\n" +
  "- 北京心理危机研究与干预中心：010-82951332\n- 如有紧急危险，请立即拨打 110 或 120";

check("crisis referral: one card, the lines not repeated in the reply (live, streaming, history)", () => {
  const live = C.splitReferral(replyEn, noticeEn, false, []);
  assert.strictEqual(live.rest, "Thank you for telling me.");
  assert.strictEqual(live.card.resources.length, 3);
  assert.strictEqual(live.card.heading, noticeEn.split("\n")[0]);
  // half of the referral streamed: nothing raw is shown yet
  assert.deepStrictEqual(C.splitReferral(replyEn.slice(0, 60), noticeEn, true, []).rest, "");
  assert.deepStrictEqual(C.splitReferral(replyEn.slice(0, 10), null, true, []).rest, "");
  // from history (no notice): recognised by the server's heading
  const fromHistory = C.splitReferral(noticeZh + "\n\n谢谢你告诉我。", null, false, []);
  assert.strictEqual(fromHistory.rest, "谢谢你告诉我。");
  assert.strictEqual(fromHistory.card.resources.length, 3);
  // an ordinary reply is left alone, also one that starts like the heading
  assert.strictEqual(C.splitReferral("You don't have to answer now.", null, false, []), null);
  assert.strictEqual(C.splitReferral("Hi word word", noticeEn, false, []), null);
});

check("crisis resources: phone numbers become tel: links, addresses https links", () => {
  const links = (line) => C.linkify(line).filter((p) => p.tel || p.href).map((p) => p.tel || p.href);
  assert.deepStrictEqual(links("US: call or text 988 (Suicide & Crisis Lifeline)"), ["tel:988"]);
  assert.deepStrictEqual(links("UK & Ireland: Samaritans 116 123"), ["tel:116123"]);
  assert.deepStrictEqual(links("全国心理援助热线：400-161-9995（24小时）"), ["tel:4001619995"]);
  assert.deepStrictEqual(links("如有紧急危险，请立即拨打 110 或 120"), ["tel:110", "tel:120"]);
  assert.deepStrictEqual(links("Elsewhere: find a local line at findahelpline.com, or call"), ["https://findahelpline.com/"]);
  const parts = C.linkify("UK & Ireland: Samaritans 116 123");
  assert.strictEqual(parts.map((p) => p.text).join(""), "UK & Ireland: Samaritans 116 123", "no words lost");
});

check("reconnect: exponential backoff with jitter, bounded", () => {
  const lo = [0, 1, 2, 3, 4, 5, 10, 50].map((a) => C.backoffDelay(a, 0));
  const hi = [0, 1, 2, 3, 4, 5, 10, 50].map((a) => C.backoffDelay(a, 1));
  for (let i = 1; i < 6; i++) assert.ok(lo[i] === 2 * lo[i - 1] && hi[i] === 2 * hi[i - 1], `doubling ${lo} ${hi}`);
  assert.ok(lo[0] >= 200 && hi[0] <= 600, "first retry well under a second");
  assert.ok(hi[7] <= 30000 && lo[7] >= 10000, "capped");
  assert.notStrictEqual(C.backoffDelay(3, 0.1), C.backoffDelay(3, 0.9), "jitter");
  for (let i = 0; i < 100; i++) { const d = C.backoffDelay(4); assert.ok(d >= 4000 && d <= 8000); }
});

check("tokens: a resume replaying seen tokens adds nothing; a gap holds the text back", () => {
  const t = [];
  assert.strictEqual(C.addToken(t, 0, "Hi"), "ok");
  assert.strictEqual(C.addToken(t, 1, " there"), "ok");
  assert.strictEqual(C.addToken(t, 1, " there"), "dup");
  assert.strictEqual(C.addToken(t, 3, "!"), "gap");
  assert.strictEqual(C.tokenText(t), "Hi there");
  assert.strictEqual(C.contiguous(t), 2);
  assert.strictEqual(C.addToken(t, 2, ","), "ok");
  assert.strictEqual(C.tokenText(t), "Hi there,!");
  assert.strictEqual(C.addToken(t, -1, "x"), "bad");
});

check("errors: kind sentences, no codes, retry time in seconds", () => {
  for (const lang of ["zh", "en"]) {
    for (const code of ["busy", "rate_limited", "overloaded", "unauthorized", "too_large", "bad_request", "internal", "something_new"]) {
      const s = C.errorSentence(code, lang, 2500);
      assert.ok(s.length > 8, s);
      assert.doesNotMatch(s, /_|\berror\b|\d{3,}|ms\b|\{s\}/i, `${lang} ${code}: ${s}`);
    }
  }
  assert.match(C.errorSentence("rate_limited", "en", 2500), /3 seconds/);
  assert.match(C.errorSentence("overloaded", "zh", 1000), /1 秒/);
});

check("chat ids fit the protocol and do not repeat", () => {
  const ids = new Set();
  for (let i = 0; i < 1000; i++) {
    const id = C.newId(Date.now(), Math.random());
    assert.match(id, /^[A-Za-z0-9_.:-]{1,64}$/);
    ids.add(id);
  }
  assert.strictEqual(ids.size, 1000);
});

console.log(`web page core: ${cases} cases ok`);
