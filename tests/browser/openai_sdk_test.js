// The OpenAI facade through the official `openai` npm SDK, as platforms use it: models, chat
// completions streamed and not, usage, max_tokens, stop, errors as the SDK's classes, platform
// users, and helper prompts (titles) kept out of the conversation. Never mocks the server.
"use strict";
const { spawn, execFileSync } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");
const assert = require("assert");
const OpenAI = require("openai");

const [serverBin] = process.argv.slice(2);
if (!serverBin) {
  console.error("usage: node openai_sdk_test.js XINYU_SERVER [MOCK_LLM]");
  process.exit(2);
}

const children = [];
const dirs = [];
function cleanup() {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
}
process.on("exit", cleanup);

/** Starts xinyu-server on a free port with `config` (and `env`); resolves with its base URL. */
function startServer(config, env = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "xinyu-openai-"));
  dirs.push(dir);
  const cfg = path.join(dir, "config.json");
  fs.writeFileSync(cfg, JSON.stringify({ storage: { path: path.join(dir, "data") }, ...config }));
  const child = spawn(serverBin, ["--config", cfg, "--port", "0"], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  child.stderr.on("data", () => {}); // JSON logs: not needed, but must be drained
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("server did not start in 20 s")), 20000);
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/[^\s]+)/);
      if (m) {
        clearTimeout(timer);
        resolve({ base: m[1], child, cfg, env });
      }
    });
    child.on("exit", (code) => reject(new Error(`server exited with ${code}`)));
  });
}

const fast = { offline: { first_token_ms: 0, tokens_per_s: 0 } };
const cases = [];
const test = (name, fn) => cases.push({ name, fn });

async function history(base, user) {
  const r = await fetch(`${base}/v1/history?user=${encodeURIComponent(user)}&limit=100`);
  assert.strictEqual(r.status, 200);
  return (await r.json()).messages;
}

let dev; // a dev-mode server shared by the cases that need no secret

test("models: list and retrieve", async () => {
  const client = new OpenAI({ baseURL: `${dev.base}/v1`, apiKey: "unused" });
  const models = [];
  for await (const m of client.models.list()) models.push(m.id);
  assert.deepStrictEqual(models, ["xinyu"]);
  const m = await client.models.retrieve("xinyu");
  assert.strictEqual(m.id, "xinyu");
  await assert.rejects(client.models.retrieve("gpt-4"), OpenAI.NotFoundError);
});

test("non-streamed completion with usage, stored in the user's history", async () => {
  const client = new OpenAI({ baseURL: `${dev.base}/v1`, apiKey: "unused" });
  const r = await client.chat.completions.create({
    model: "xinyu",
    user: "sdk-plain",
    messages: [{ role: "user", content: "I had a long day at work" }],
  });
  assert.match(r.id, /^chatcmpl-[0-9a-f]{24}$/);
  assert.strictEqual(r.object, "chat.completion");
  assert.strictEqual(r.choices[0].message.role, "assistant");
  assert.ok(r.choices[0].message.content.length > 0);
  assert.strictEqual(r.choices[0].finish_reason, "stop");
  assert.ok(r.usage.prompt_tokens > 0 && r.usage.completion_tokens > 0);
  assert.strictEqual(r.usage.total_tokens, r.usage.prompt_tokens + r.usage.completion_tokens);
  const h = await history(dev.base, "sdk-plain");
  assert.deepStrictEqual(h.map((m) => m.role), ["user", "assistant"]);
  assert.strictEqual(h[1].text, r.choices[0].message.content);
});

test("streamed completion: deltas add up to the stored reply; include_usage chunk last", async () => {
  const client = new OpenAI({ baseURL: `${dev.base}/v1`, apiKey: "unused" });
  const stream = await client.chat.completions.create({
    model: "xinyu",
    user: "sdk-stream",
    stream: true,
    stream_options: { include_usage: true },
    messages: [{ role: "user", content: "我最近压力好大，睡不着" }],
  });
  let text = "";
  let finish = null;
  let usage = null;
  let chunks = 0;
  for await (const chunk of stream) {
    chunks++;
    if (chunk.usage) usage = chunk.usage;
    for (const c of chunk.choices) {
      text += c.delta.content || "";
      if (c.finish_reason) finish = c.finish_reason;
    }
  }
  assert.ok(chunks > 2, `only ${chunks} chunks`);
  assert.strictEqual(finish, "stop");
  assert.ok(usage && usage.completion_tokens > 0);
  const h = await history(dev.base, "sdk-stream");
  assert.strictEqual(h[h.length - 1].text, text);
});

test("max_tokens ends the reply with finish_reason length", async () => {
  const client = new OpenAI({ baseURL: `${dev.base}/v1`, apiKey: "unused" });
  const r = await client.chat.completions.create({
    model: "xinyu",
    user: "sdk-length",
    max_tokens: 3,
    // an everyday question: a crisis reply's referral is never cut by max_tokens (protocol.md),
    // and "tell me something kind" reads as a farewell to the safety model
    messages: [{ role: "user", content: "What goes into a good pancake batter? Explain at length please" }],
  });
  assert.strictEqual(r.choices[0].finish_reason, "length");
  assert.ok(r.usage.completion_tokens <= 3, `completion_tokens ${r.usage.completion_tokens}`);
});

test("bad requests raise BadRequestError with OpenAI's error object", async () => {
  const client = new OpenAI({ baseURL: `${dev.base}/v1`, apiKey: "unused", maxRetries: 0 });
  try {
    await client.chat.completions.create({ model: "xinyu", user: "sdk-bad", messages: [] });
    assert.fail("an empty messages array was accepted");
  } catch (e) {
    assert.ok(e instanceof OpenAI.BadRequestError, `got ${e && e.constructor.name}`);
    assert.strictEqual(e.status, 400);
    assert.strictEqual(e.param, "messages");
    assert.strictEqual(e.type, "invalid_request_error");
  }
  await assert.rejects(
    client.chat.completions.create({ model: "xinyu", user: "sdk-bad", stream: true,
      messages: [{ role: "user", content: "hi" }], max_tokens: 0 }),
    OpenAI.BadRequestError);
});

test("helper prompts (titles, tags) are answered without entering the conversation", async () => {
  const client = new OpenAI({ baseURL: `${dev.base}/v1`, apiKey: "unused" });
  await client.chat.completions.create({
    model: "xinyu",
    user: "sdk-tasks",
    messages: [{ role: "user", content: "My cat Mochi is sick and I am scared" }],
  });
  const before = await history(dev.base, "sdk-tasks");
  const title = await client.chat.completions.create({
    model: "xinyu",
    user: "sdk-tasks",
    messages: [{ role: "user", content: "### Task:\nGenerate a concise, 3-5 word title with an emoji summarizing the chat history.\n### Output:\nJSON format: { \"title\": \"your concise title here\" }\n### Chat History:\n<chat_history>\nUSER: My cat Mochi is sick and I am scared\nASSISTANT: That sounds frightening.\n</chat_history>" }],
  });
  const parsed = JSON.parse(title.choices[0].message.content);
  assert.strictEqual(parsed.title, "Conversation with xinyu"); // never the person's words
  const tags = await client.chat.completions.create({
    model: "xinyu",
    user: "sdk-tasks",
    stream: true,
    messages: [{ role: "user", content: "### Task:\nGenerate 1-3 broad tags categorizing the main themes of the chat history.\n### Output:\nJSON format: { \"tags\": [\"tag1\", \"tag2\", \"tag3\"] }\n### Chat History:\n<chat_history>\nUSER: My cat Mochi is sick\n</chat_history>" }],
  });
  let text = "";
  for await (const c of tags) for (const ch of c.choices) text += ch.delta.content || "";
  assert.deepStrictEqual(JSON.parse(text), { tags: ["General"] });
  const libre = await client.chat.completions.create({
    model: "xinyu",
    user: "sdk-tasks",
    messages: [{ role: "user", content: "Provide a concise, 5-word-or-less title for the conversation, using title case conventions. Only return the title itself.\n\nConversation:\nUser: My cat Mochi is sick\nAI: I'm sorry." }],
  });
  assert.strictEqual(libre.choices[0].message.content, "Conversation with xinyu");
  const after = await history(dev.base, "sdk-tasks");
  assert.deepStrictEqual(after, before, "a helper prompt entered the user's history");
});

test("signed tokens: a bad key raises AuthenticationError; platform users are separate", async () => {
  const secret = "sdk-test-secret-0123456789abcdef";
  const srv = await startServer(fast, { XINYU_AUTH_SECRET: secret });
  const issue = (args) => execFileSync(serverBin, ["--config", srv.cfg, "--issue-token", ...args],
    { env: { ...process.env, XINYU_AUTH_SECRET: secret } }).toString().trim();
  const bad = new OpenAI({ baseURL: `${srv.base}/v1`, apiKey: "not-a-token", maxRetries: 0 });
  await assert.rejects(
    bad.chat.completions.create({ model: "xinyu", messages: [{ role: "user", content: "hi" }] }),
    (e) => e instanceof OpenAI.AuthenticationError && e.status === 401);
  const platform = issue(["owui", "--platform"]);
  const asUser = (id) => new OpenAI({ baseURL: `${srv.base}/v1`, apiKey: platform,
    defaultHeaders: { "X-OpenWebUI-User-Id": id } });
  await asUser("ann").chat.completions.create({ model: "xinyu",
    messages: [{ role: "user", content: "I'm Ann and I love hiking" }] });
  await asUser("bo").chat.completions.create({ model: "xinyu",
    messages: [{ role: "user", content: "I'm Bo" }] });
  const read = async (id) => {
    const r = await fetch(`${srv.base}/v1/history?limit=100`, {
      headers: { Authorization: `Bearer ${platform}`, "X-OpenWebUI-User-Id": id } });
    assert.strictEqual(r.status, 200);
    return (await r.json()).messages.filter((m) => m.role === "user").map((m) => m.text);
  };
  assert.deepStrictEqual(await read("ann"), ["I'm Ann and I love hiking"]);
  assert.deepStrictEqual(await read("bo"), ["I'm Bo"]);
});

test("rate limits raise RateLimitError (429, Retry-After)", async () => {
  const srv = await startServer({ ...fast, limits: { chats_per_minute: 1, chat_burst: 1 } });
  const client = new OpenAI({ baseURL: `${srv.base}/v1`, apiKey: "unused", maxRetries: 0 });
  const ask = () => client.chat.completions.create({ model: "xinyu", user: "sdk-rate",
    messages: [{ role: "user", content: "hello" }] });
  await ask();
  await assert.rejects(ask(), (e) => e instanceof OpenAI.RateLimitError && e.status === 429);
});

(async () => {
  let failed = 0;
  try {
    dev = await startServer(fast);
  } catch (e) {
    console.error("FAIL start:", e);
    process.exit(1);
  }
  for (const c of cases) {
    try {
      await c.fn();
      console.log(`ok   ${c.name}`);
    } catch (e) {
      failed++;
      console.log(`FAIL ${c.name}\n     ${e && e.stack ? e.stack : e}`);
    }
  }
  console.log(`${cases.length - failed} of ${cases.length} openai SDK cases passed`);
  cleanup();
  process.exit(failed ? 1 : 0);
})();
