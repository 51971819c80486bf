// Runs web/index.html's script against a stub DOM and WebSocket (node, no packages) and checks
// that the page speaks protocol v1: auth, chat, streamed tokens, done, history paging, errors.
"use strict";
const fs = require("fs");
const path = require("path");
const assert = require("assert");

const html = fs.readFileSync(path.join(__dirname, "../../web/index.html"), "utf8");
const script = html.match(/<script>([\s\S]*?)<\/script>/)[1];

class Element {
  constructor(id) {
    this.id = id; this.value = ""; this.disabled = false; this.children = []; this.className = "";
    this._text = ""; this.scrollTop = 0; this.scrollHeight = 0; this.parentNode = null;
  }
  get textContent() { return this._text + this.children.map((c) => c.textContent).join(""); }
  set textContent(t) { this._text = t; this.children = []; }
  get firstChild() { return this.children[0] || null; }
  appendChild(c) { c.parentNode = this; this.children.push(c); return c; }
  insertBefore(c, ref) {
    const i = ref ? this.children.indexOf(ref) : this.children.length;
    c.parentNode = this; this.children.splice(i < 0 ? this.children.length : i, 0, c); return c;
  }
  querySelector(sel) { // ".meta" only
    const cls = sel.slice(1);
    for (const c of this.children) if (c.className === cls) return c;
    return null;
  }
  requestSubmit() { this.onsubmit({ preventDefault() {} }); }
}
class TextNode {
  constructor(t) { this.textContent = t; }
}

const ids = ["user", "token", "connect", "history", "status", "log", "send", "text", "go"];
const elements = Object.fromEntries(ids.map((id) => [id, new Element(id)]));
for (const id of ids) // initial state from the markup
  elements[id].disabled = new RegExp(`id="${id}"[^>]*\\sdisabled`).test(html);
const sockets = [];
class FakeWebSocket {
  constructor(url) { this.url = url; this.sent = []; sockets.push(this); }
  send(s) { this.sent.push(JSON.parse(s)); }
  close() { if (this.onclose) this.onclose({ code: 1000 }); }
  receive(frame) { this.onmessage({ data: JSON.stringify(frame) }); }
}

const context = {
  document: {
    getElementById: (id) => elements[id],
    createElement: () => new Element(),
    createTextNode: (t) => new TextNode(t),
  },
  location: { protocol: "http:", host: "127.0.0.1:8080" },
  WebSocket: FakeWebSocket,
  JSON, Date, console,
};
new Function(...Object.keys(context), script)(...Object.values(context));

const $ = (id) => elements[id];
const log = $("log");
const texts = () => log.children.map((c) => c.textContent);

// connect in dev mode: auth with the user name
$("user").value = "alice";
$("connect").onclick();
const ws = sockets[0];
assert.strictEqual(ws.url, "ws://127.0.0.1:8080/v1/ws");
ws.onopen();
assert.deepStrictEqual(ws.sent[0], { type: "auth", user: "alice" });
assert.strictEqual($("text").disabled, true);
ws.receive({ type: "ready", user: "alice", server: "xinyu" });
assert.strictEqual($("text").disabled, false);
ws.receive({ type: "notice", kind: "ai_disclosure", text: "an AI companion" });
assert.ok(texts().includes("an AI companion"));

// a chat: sent with a valid id, streamed tokens are appended in order, done adds the finish
$("text").value = "  我今天很难过  ";
$("send").requestSubmit();
const chat = ws.sent[1];
assert.strictEqual(chat.type, "chat");
assert.strictEqual(chat.text, "我今天很难过");
assert.match(chat.id, /^[A-Za-z0-9_.:-]{1,64}$/);
assert.strictEqual($("text").value, "");
ws.receive({ type: "accepted", id: chat.id, turn: 1 });
ws.receive({ type: "analysis", id: chat.id, emotion: { label: "sadness", score: 0.9, valence: -0.7 },
             safety: { level: "ok", categories: [] } });
ws.receive({ type: "token", id: chat.id, seq: 0, text: "抱抱" });
ws.receive({ type: "token", id: chat.id, seq: 1, text: "你。" });
ws.receive({ type: "done", id: chat.id, turn: 2, finish: "stop", degraded: ["memory"],
             timings: { ttft_ms: 5, total_ms: 9 } });
ws.receive({ type: "persisted", id: chat.id, turn: 2 });
const reply = log.children.find((c) => c.className === "msg assistant");
assert.ok(reply.textContent.startsWith("抱抱你。"));
assert.match(reply.querySelector(".meta").textContent, /stop · degraded: memory · saved/);
assert.match(log.children.find((c) => c.className === "msg user").textContent, /feeling: sadness/);

// an empty message is not sent; Enter submits, Shift+Enter does not
const before = ws.sent.length;
$("text").value = "   ";
$("send").requestSubmit();
assert.strictEqual(ws.sent.length, before);
$("text").value = "hello";
let prevented = false;
$("text").onkeydown({ key: "Enter", shiftKey: true, preventDefault() { prevented = true; } });
assert.strictEqual(prevented, false);
$("text").onkeydown({ key: "Enter", shiftKey: false, preventDefault() { prevented = true; } });
assert.strictEqual(prevented, true);
assert.strictEqual(ws.sent[ws.sent.length - 1].text, "hello");

// history: the first page has no `before`, the next one asks before the oldest turn seen
$("history").onclick();
assert.deepStrictEqual(ws.sent[ws.sent.length - 1], { type: "history", limit: 20 });
ws.receive({ type: "history", more: true, messages: [
  { turn: 3, role: "user", text: "older question", ts: 1 },
  { turn: 4, role: "assistant", text: "older answer", ts: 2 }] });
assert.ok(texts().includes("older question"));
$("history").onclick();
assert.deepStrictEqual(ws.sent[ws.sent.length - 1], { type: "history", limit: 20, before: 3 });
ws.receive({ type: "history", more: false, messages: [] });
assert.strictEqual($("history").disabled, true);

// errors are shown, with the retry hint
ws.receive({ type: "error", code: "rate_limited", message: "slow down", retry_after_ms: 1500 });
assert.ok(texts().some((t) => t.includes("rate_limited") && t.includes("1500 ms")));

// a signed token is sent instead of the user name when given
$("token").value = "header.payload.sig";
$("connect").onclick();
const ws2 = sockets[sockets.length - 1];
ws2.onopen();
assert.deepStrictEqual(ws2.sent[0], { type: "auth", token: "header.payload.sig" });
ws2.onclose({ code: 1008 });
assert.strictEqual($("text").disabled, true);
assert.match($("status").textContent, /1008/);

console.log("web page: protocol behaviour ok");
