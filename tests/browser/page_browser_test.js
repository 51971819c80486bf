// The web page (web/index.html) in Debian's Chromium, driven by playwright-core against the real xinyu-server and a slow mock LLM: streaming, stop, reload, two tabs, restart, resume, crisis card, phone width, screenshots.
// It must never leave a child process running, sleep as synchronisation, or touch anything but its own temp folders and SCREENS_DIR.
"use strict";
const assert = require("assert");
const fs = require("fs");
const http = require("http");
const net = require("net");
const os = require("os");
const path = require("path");
const { spawn } = require("child_process");
const { chromium } = require(path.join(__dirname, "node_modules", "playwright-core"));

const [serverBin, mockBin, screensArg] = process.argv.slice(2);
if (!serverBin || !mockBin || !screensArg) {
  console.error("usage: node page_browser_test.js SERVER_BIN MOCK_LLM_BIN SCREENS_DIR");
  process.exit(2);
}
const SCREENS = path.resolve(screensArg);
fs.mkdirSync(SCREENS, { recursive: true });
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "xinyu-browser-"));
const T0 = Date.now();
const WAIT = { timeout: 15000 };

// ------------------------------------------------------------------ child processes
const children = new Set();
function killAll() {
  for (const c of children) { try { c.kill("SIGKILL"); } catch (e) { /* gone */ } }
  children.clear();
}
process.on("exit", () => { killAll(); try { fs.rmSync(tmp, { recursive: true, force: true }); } catch (e) { /* best effort */ } });
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => { killAll(); process.exit(1); });

function startProcess(bin, args, pattern, label) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
    children.add(child);
    let out = "", err = "";
    const timer = setTimeout(() => reject(new Error(`${label}: no "${pattern}" within 20 s; stderr: ${err.slice(-2000)}`)), 20000);
    child.stdout.on("data", (d) => {
      out += d;
      const m = new RegExp(pattern).exec(out);
      if (m) { clearTimeout(timer); resolve({ child, port: Number(m[1]) }); }
    });
    child.stderr.on("data", (d) => { err = (err + d).slice(-20000); });
    child.on("exit", (code, sig) => {
      children.delete(child);
      clearTimeout(timer);
      reject(new Error(`${label} exited (${code ?? sig}) before it was ready; stderr: ${err.slice(-2000)}`));
    });
    child.stderrText = () => err;
  });
}
function stopProcess(child, signal) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
    child.once("exit", (code) => resolve(code));
    child.kill(signal);
  });
}

function serverConfig(name, llm) {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, "config.json");
  fs.writeFileSync(file, JSON.stringify({
    storage: { path: path.join(dir, "data"), sync: false },
    limits: { chats_per_minute: 0, chat_burst: 1000, commands_per_minute: 0, command_burst: 1000 },
    shutdown: { drain_s: 5 },
    llm,
  }, null, 1));
  return file;
}
const startServer = (config, port) =>
  startProcess(serverBin, ["--port", String(port || 0), "--config", config], "xinyu-server listening on http://127\\.0\\.0\\.1:(\\d+)", "xinyu-server");

// A tiny OpenAI-compatible endpoint for the screenshots and the markdown case: no pacing,
// replies in the language of the message, with markdown and (when asked) hostile HTML.
function fakeLlm() {
  const srv = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d) => { body += d; });
    req.on("end", () => {
      let last = "";
      try {
        const msgs = JSON.parse(body).messages || [];
        for (const m of msgs) if (m.role === "user") last = String(m.content);
      } catch (e) { /* answer anyway */ }
      let reply;
      if (/html/i.test(last))
        reply = "Here is **bold**, *soft* and `code`.\n\n- one <img src=x onerror=\"window.__pwned=1\">\n- two <script>window.__pwned=2</script>\n\n" +
                "> a quote\n\nA [bad link](javascript:window.__pwned=3) and a [good one](https://example.org/help).";
      else if (/[\u4e00-\u9fff]/.test(last))
        reply = "听起来你最近真的很辛苦，**睡不好**的时候，白天的压力也会显得更重。\n\n今晚可以试试：\n- 睡前半小时放下手机\n- 把担心的事写在纸上，告诉自己明天再想\n\n你愿意说说，最近最让你放不下的是什么吗？";
      else
        reply = "I'm really glad you told me. It makes sense to feel *tired* after a week like that.\n\nWhat usually helps you unwind, even a little?";
      res.writeHead(200, { "Content-Type": "text/event-stream" });
      const pieces = reply.match(/[\s\S]{1,6}/g);
      for (const p of pieces)
        res.write("data: " + JSON.stringify({ id: "fake", object: "chat.completion.chunk", choices: [{ index: 0, delta: { content: p }, finish_reason: null }] }) + "\n\n");
      res.write("data: " + JSON.stringify({ id: "fake", object: "chat.completion.chunk", choices: [{ index: 0, delta: {}, finish_reason: "stop" }] }) + "\n\n");
      res.end("data: [DONE]\n\n");
    });
  });
  return new Promise((resolve) => srv.listen(0, "127.0.0.1", () => resolve(srv)));
}

// A TCP relay between the browser and the server, so a case can cut the network under a
// live WebSocket (the server sees a dropped client, not a close) and let the page reconnect.
function relay(targetPort) {
  const sockets = new Set();
  const srv = net.createServer((client) => {
    const upstream = net.connect(targetPort, "127.0.0.1");
    sockets.add(client); sockets.add(upstream);
    client.pipe(upstream); upstream.pipe(client);
    const close = () => { client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream); };
    client.on("error", close); upstream.on("error", close); client.on("close", close); upstream.on("close", close);
  });
  srv.cut = () => { for (const s of sockets) s.destroy(); sockets.clear(); };
  return new Promise((resolve) => srv.listen(0, "127.0.0.1", () => resolve(srv)));
}

function getJson(url) {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      let b = "";
      res.on("data", (d) => { b += d; });
      res.on("end", () => { try { resolve(JSON.parse(b)); } catch (e) { reject(new Error(`${url}: ${b}`)); } });
    }).on("error", reject);
  });
}
function postChat(port, user, id, text) { // the HTTP API; resolves when the turn is stored
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path: "/v1/chat", method: "POST", headers: { "Content-Type": "application/json" } }, (res) => {
      let b = "";
      res.on("data", (d) => { b += d; });
      res.on("end", () => (b.includes("event: persisted") ? resolve(b) : reject(new Error("chat not stored: " + b.slice(0, 300)))));
    });
    req.on("error", reject);
    req.end(JSON.stringify({ user, id, text }));
  });
}
const history = async (port, user) => (await getJson(`http://127.0.0.1:${port}/v1/history?user=${encodeURIComponent(user)}&limit=100`)).messages;
async function storedTurn(port, user, turn) { // waits (no sleep: polls the server) until a turn is stored
  const until = Date.now() + 15000;
  for (;;) {
    const m = (await history(port, user)).find((x) => x.turn === turn);
    if (m) return m;
    if (Date.now() > until) throw new Error(`turn ${turn} of ${user} never stored`);
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 50)); // a poll interval of the server's storage, not a synchronisation sleep
  }
}

// ------------------------------------------------------------------ page helpers
const norm = (s) => String(s).replace(/\s+/g, " ").trim();
const problems = []; // console errors and page errors over the whole run
// While the server is down for the restart case, Chromium itself logs each refused WebSocket
// handshake as a console error (the page's reconnect attempts); those, and only in that
// window, are counted apart rather than failed. The page never writes to the console.
let serverDown = false, refusedWhileDown = 0;
const REFUSED = /^WebSocket connection to 'ws:\/\/127\.0\.0\.1:\d+\/v1\/ws' failed: Error in connection establishment: net::ERR_CONNECTION_REFUSED$/;
function watch(page, label) {
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    if (serverDown && REFUSED.test(m.text())) refusedWhileDown++;
    else problems.push(`${label} console.error: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`${label} pageerror: ${e.message}`));
  page.sent = [];
  page.on("websocket", (ws) => ws.on("framesent", (f) => { try { page.sent.push(JSON.parse(f.payload)); } catch (e) { /* not JSON */ } }));
  return page;
}
async function signIn(page, url, name) {
  await page.goto(url);
  await page.waitForSelector("#welcome:not([hidden])", WAIT);
  await page.fill("#name", name);
  await page.press("#name", "Enter");
  await online(page);
}
const online = (page) => page.waitForSelector('#status[data-state="online"]', WAIT);
async function say(page, text) {
  await page.fill("#text", text);
  await page.press("#text", "Enter");
  // the message is accepted when its bubble has a turn number
  return page.waitForFunction((t) => {
    const u = [...document.querySelectorAll("article.msg.user[data-turn]")].find((a) => a.querySelector(".bubble").textContent === t);
    return u ? Number(u.dataset.turn) : false;
  }, text, WAIT).then((h) => h.jsonValue());
}
const replyText = (page, turn) => page.evaluate((t) => {
  const a = document.querySelector(`article.msg.assistant[data-turn="${t}"] .bubble`);
  return a ? a.innerText : null;
}, turn);
const replyLen = (page, turn) => replyText(page, turn).then((t) => (t ? t.length : 0));
const waitLonger = (page, turn, than) => page.waitForFunction(([t, n]) => {
  const a = document.querySelector(`article.msg.assistant[data-turn="${t}"] .bubble`);
  return a && !a.querySelector(".typing") && a.innerText.length > n;
}, [turn, than], WAIT);
const waitDone = (page, turn) => page.waitForFunction((t) => {
  const a = document.querySelector(`article.msg.assistant[data-turn="${t}"]`);
  return a && a.querySelector(".meta button") !== null; // copy appears when the reply is complete
}, turn, WAIT);
const turnsOnPage = (page) => page.evaluate(() => [...document.querySelectorAll("article.msg")].map((a) => a.dataset.turn ? Number(a.dataset.turn) : null));
function assertEachTurnOnce(onPage, stored, what) {
  const missing = stored.filter((m) => !onPage.includes(m.turn)).map((m) => m.turn);
  const counts = {};
  for (const t of onPage) counts[t] = (counts[t] || 0) + 1;
  const doubled = Object.keys(counts).filter((t) => counts[t] > 1);
  assert.deepStrictEqual(missing, [], `${what}: turns missing on the page`);
  assert.deepStrictEqual(doubled, [], `${what}: turns shown twice`);
  assert.ok(!onPage.includes(null), `${what}: a message without a turn number is left over`);
}

// ------------------------------------------------------------------ the run
const results = [];
async function step(name, fn) {
  const t = Date.now();
  try {
    await fn();
    results.push([name, "ok"]);
    console.log(`ok    ${name} (${Date.now() - t} ms)`);
  } catch (e) {
    results.push([name, "FAIL"]);
    console.log(`FAIL  ${name} (${Date.now() - t} ms)\n      ${String(e && e.stack || e).split("\n").slice(0, 4).join("\n      ")}`);
  }
}

async function main() {
  const mock = await startProcess(mockBin, ["--port", "0", "--ttft-ms", "300", "--token-ms", "45", "--tokens", "40"],
                                  "listening on http://127\\.0\\.0\\.1:(\\d+)", "mock-llm");
  const fake = await fakeLlm();
  const mainCfg = serverConfig("main", { provider: "openai", endpoints: [{ name: "mock", base_url: `http://127.0.0.1:${mock.port}/v1`, model: "mock" }] });
  const sideCfg = serverConfig("side", { provider: "openai", endpoints: [{ name: "fake", base_url: `http://127.0.0.1:${fake.address().port}/v1`, model: "fake" }] });
  let [server, side] = await Promise.all([startServer(mainCfg), startServer(sideCfg)]);
  const port = server.port;
  const url = `http://127.0.0.1:${port}/`;
  const sideUrl = `http://127.0.0.1:${side.port}/`;

  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium", headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync"],
  });
  try {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "en-US" });
    const p1 = watch(await ctx.newPage(), "tab1");
    let streamTurn, stopTurn;

    await step("welcome explains an AI, sign-in by name with the keyboard", async () => {
      await p1.goto(url);
      const intro = await p1.textContent("#intro");
      assert.match(intro, /AI/);
      assert.match(intro, /not a person/);
      assert.match(intro, /不是真人/);
      assert.ok(await p1.$('#intro a[href^="tel:"]'), "crisis numbers on the welcome screen are tel: links");
      await p1.fill("#name", "amy");
      await p1.press("#name", "Enter");
      await online(p1);
      assert.ok(await p1.isHidden("#welcome"));
      assert.strictEqual(await p1.evaluate(() => localStorage.getItem("xinyu.user")), "amy");
      await p1.waitForSelector(".sys >> text=AI companion", WAIT); // the ai_disclosure notice as a quiet line
    });

    await step("streaming grows in the bubble; Shift+Enter is a new line, Enter sends", async () => {
      await p1.fill("#text", "first line");
      await p1.press("#text", "Shift+Enter");
      await p1.type("#text", "second line");
      assert.strictEqual(await p1.inputValue("#text"), "first line\nsecond line");
      assert.strictEqual(p1.sent.filter((f) => f.type === "chat").length, 0, "Shift+Enter sent the message");
      await p1.press("#text", "Enter");
      streamTurn = await p1.waitForFunction(() => {
        const u = document.querySelector("article.msg.user[data-turn]");
        return u ? Number(u.dataset.turn) : false;
      }, null, WAIT).then((h) => h.jsonValue());
      assert.strictEqual(await p1.inputValue("#text"), "", "the box is emptied after sending");
      const lens = [];
      await waitLonger(p1, streamTurn + 1, 0);
      lens.push(await replyLen(p1, streamTurn + 1));
      for (let i = 0; i < 3; i++) {
        await waitLonger(p1, streamTurn + 1, lens[lens.length - 1]);
        lens.push(await replyLen(p1, streamTurn + 1));
      }
      assert.ok(await p1.isVisible("#stop"), "the stop button shows while a reply streams");
      await waitDone(p1, streamTurn + 1);
      const final = await replyLen(p1, streamTurn + 1);
      assert.ok(lens.every((l, i) => i === 0 || l > lens[i - 1]) && final > lens[lens.length - 1], `lengths ${lens} -> ${final}`);
      assert.ok(await p1.isHidden("#stop"), "the stop button hides after the reply");
      const stored = await storedTurn(port, "amy", streamTurn + 1);
      assert.strictEqual(norm(await replyText(p1, streamTurn + 1)), norm(stored.text));
      assert.strictEqual(await p1.textContent(`article[data-turn="${streamTurn}"] .bubble`), "first line\nsecond line");
    });

    await step("stop cancels, and what is stored is exactly what was shown", async () => {
      stopTurn = await say(p1, "tell me a long story please");
      await waitLonger(p1, stopTurn + 1, 12);
      await p1.click("#stop");
      await p1.waitForSelector("#stop", { state: "hidden", timeout: 10000 });
      await waitDone(p1, stopTurn + 1);
      const shown = await replyText(p1, stopTurn + 1);
      assert.ok(shown.split(" ").length < 39, `the reply was not cut: ${shown}`);
      const stored = await storedTurn(port, "amy", stopTurn + 1);
      assert.strictEqual(norm(shown), norm(stored.text));
      assert.ok(p1.sent.some((f) => f.type === "cancel"), "no cancel frame was sent");
      assert.match(await p1.textContent(`article[data-turn="${stopTurn + 1}"] .meta`), /Stopped/);
    });

    await step("reload shows the history, scrolled to the newest, name remembered", async () => {
      await p1.reload();
      await online(p1);
      await p1.waitForFunction((t) => document.querySelector(`article.msg.assistant[data-turn="${t}"]`), stopTurn + 1, WAIT);
      assert.ok(await p1.isHidden("#welcome"));
      assertEachTurnOnce(await turnsOnPage(p1), await history(port, "amy"), "after reload");
      assert.strictEqual(norm(await replyText(p1, stopTurn + 1)), norm((await storedTurn(port, "amy", stopTurn + 1)).text));
      // the stopped reply still says so: history carries its finish
      assert.match(await p1.textContent(`article[data-turn="${stopTurn + 1}"] .meta`), /Stopped/);
      const atBottom = await p1.evaluate(() => { const s = document.getElementById("scroller"); return s.scrollHeight - s.scrollTop - s.clientHeight < 4; });
      assert.ok(atBottom, "not scrolled to the newest message");
    });

    const p2 = watch(await ctx.newPage(), "tab2");
    await step("a second tab sees the first tab's message and reply live, and the other way round", async () => {
      await p2.goto(url);
      await online(p2);
      await p2.waitForFunction((t) => document.querySelector(`article.msg.assistant[data-turn="${t}"]`), stopTurn + 1, WAIT);
      const turn = await say(p1, "hello from the first tab");
      await p2.waitForFunction((t) => {
        const u = document.querySelector(`article.msg.user[data-turn="${t}"] .bubble`);
        return u && u.textContent === "hello from the first tab";
      }, turn, WAIT);
      await waitLonger(p2, turn + 1, 0); // streaming there too, not only after the fact
      await waitDone(p1, turn + 1);
      await waitDone(p2, turn + 1);
      assert.strictEqual(norm(await replyText(p2, turn + 1)), norm(await replyText(p1, turn + 1)));
      await p2.bringToFront();
      const back = await say(p2, "and hello back from the second");
      await p1.waitForFunction((t) => {
        const u = document.querySelector(`article.msg.user[data-turn="${t}"] .bubble`);
        return u && u.textContent === "and hello back from the second";
      }, back, WAIT);
      await waitDone(p1, back + 1);
      await waitDone(p2, back + 1);
      assertEachTurnOnce(await turnsOnPage(p1), await history(port, "amy"), "tab 1");
      assertEachTurnOnce(await turnsOnPage(p2), await history(port, "amy"), "tab 2");
      await p1.bringToFront();
    });

    await step("a crisis message shows the resources once, as a card with tel: links, no label on the words", async () => {
      const text = "I want to kill myself tonight, I have the pills ready";
      const turn = await say(p1, text);
      await p1.waitForSelector(`article[data-turn="${turn + 1}"] .care-card`, WAIT);
      await waitDone(p1, turn + 1);
      await waitDone(p2, turn + 1);
      for (const [p, label] of [[p1, "tab 1"], [p2, "tab 2"]]) {
        const r = await p.evaluate((t) => {
          const reply = document.querySelector(`article[data-turn="${t + 1}"]`);
          const user = document.querySelector(`article[data-turn="${t}"]`);
          const all = document.getElementById("msgs");
          const clone = all.cloneNode(true);
          for (const c of clone.querySelectorAll(".care-card")) c.remove();
          return {
            cards: all.querySelectorAll(".care-card").length,
            samaritans: all.innerText.split("Samaritans").length - 1,
            heading: all.innerText.split("You don't have to go through this alone").length - 1,
            tels: [...reply.querySelectorAll('.care-card a[href^="tel:"]')].map((a) => a.getAttribute("href")),
            user: user.innerText, outside: clone.innerText, after: reply.querySelector(".bubble").innerText,
          };
        }, turn);
        assert.strictEqual(r.cards, 1, `${label}: cards`);
        assert.strictEqual(r.samaritans, 1, `${label}: the resources are shown twice`);
        assert.strictEqual(r.heading, 1, `${label}: the heading is shown twice`);
        assert.ok(r.tels.includes("tel:988") && r.tels.includes("tel:116123"), `${label}: tel links ${r.tels}`);
        assert.doesNotMatch(r.user, /crisis|self.?harm|sadness|anxiety|neutral|feeling|fear|risk/i, `${label}: a label on the person's words`);
        assert.doesNotMatch(r.outside, /\bcrisis\b|self_harm|feeling:/i, `${label}: a clinical label on the page`);
        assert.match(r.after, /Hi word/, `${label}: the reply after the card`);
      }
      await p1.locator(`article[data-turn="${turn + 1}"]`).screenshot({ path: path.join(SCREENS, "crisis-card.png") });
      await p2.reload(); // from history: still one card
      await online(p2);
      await p2.waitForSelector(`article[data-turn="${turn + 1}"] .care-card`, WAIT);
      assert.strictEqual(await p2.locator(".care-card").count(), 1);
      assert.strictEqual(await p2.evaluate(() => document.getElementById("msgs").innerText.split("Samaritans").length - 1), 1);
    });

    await step("a server restart (SIGTERM, same port) is survived by reconnecting, no turn lost or doubled", async () => {
      const turn = await say(p1, "are you still there after a restart?");
      await waitLonger(p1, turn + 1, 6);
      serverDown = true;
      const code = await stopProcess(server.child, "SIGTERM");
      assert.strictEqual(code, 0, "the server did not drain cleanly");
      await p1.waitForSelector('#status[data-state="waiting"]', WAIT);
      server = await startServer(mainCfg, port);
      await online(p1);
      await online(p2);
      serverDown = false;
      await waitDone(p1, turn + 1);
      const stored = await storedTurn(port, "amy", turn + 1);
      await p1.waitForFunction(([t, s]) => {
        const a = document.querySelector(`article.msg.assistant[data-turn="${t}"] .bubble`);
        return a && a.innerText.replace(/\s+/g, " ").trim() === s;
      }, [turn + 1, norm(stored.text)], WAIT);
      const next = await say(p1, "good, you are back");
      assert.strictEqual(next, turn + 2, "numbering continues after the restart");
      await waitDone(p1, next + 1);
      await waitDone(p2, next + 1);
      const all = await history(port, "amy");
      assertEachTurnOnce(await turnsOnPage(p1), all, "tab 1 after restart");
      assertEachTurnOnce(await turnsOnPage(p2), all, "tab 2 after restart");
    });

    await step("a dropped connection mid-reply resumes from the next token, without duplicates", async () => {
      const proxy = await relay(port);
      const ctx3 = await browser.newContext({ viewport: { width: 1000, height: 760 }, locale: "en-US" });
      const p3 = watch(await ctx3.newPage(), "relayed tab");
      try {
        await signIn(p3, `http://127.0.0.1:${proxy.address().port}/`, "amy");
        const turn = await say(p3, "what if the network drops?");
        await waitLonger(p3, turn + 1, 20);
        proxy.cut();
        await p3.waitForSelector('#status[data-state="waiting"]', WAIT);
        await online(p3);
        await waitDone(p3, turn + 1);
        const resume = p3.sent.find((f) => f.type === "resume");
        assert.ok(resume && resume.seq > 0, "no resume frame with the next seq: " + JSON.stringify(resume));
        const stored = await storedTurn(port, "amy", turn + 1);
        assert.strictEqual(norm(await replyText(p3, turn + 1)), norm(stored.text));
        assertEachTurnOnce(await turnsOnPage(p3), await history(port, "amy"), "relayed tab");
      } finally {
        await ctx3.close();
        proxy.close();
      }
    });

    await step("clicking start twice leaves one working connection", async () => {
      const ctx4 = await browser.newContext({ viewport: { width: 800, height: 700 } });
      const p4 = watch(await ctx4.newPage(), "double");
      await p4.goto(url);
      await p4.fill("#name", "bo");
      // three sign-ins before the first is answered: each replaces the socket before it
      await p4.evaluate(() => { const b = document.getElementById("start"); b.click(); b.click(); document.getElementById("signin").requestSubmit(); });
      await online(p4);
      const turn = await say(p4, "still working?");
      await waitDone(p4, turn + 1);
      await ctx4.close();
    });

    // ---- the side server: a fast fake model with markdown, for paging, markdown and screenshots
    await step("safe markdown: bold, lists, quotes, links; raw HTML and javascript: links stay inert", async () => {
      const ctx5 = await browser.newContext({ viewport: { width: 900, height: 760 }, locale: "en-US" });
      const p5 = watch(await ctx5.newPage(), "markdown");
      await signIn(p5, sideUrl, "mark");
      const turn = await say(p5, "show me some html <b>please</b>");
      await waitDone(p5, turn + 1);
      const r = await p5.evaluate((t) => {
        const b = document.querySelector(`article[data-turn="${t + 1}"] .bubble`);
        const u = document.querySelector(`article[data-turn="${t}"] .bubble`);
        return {
          strong: [...b.querySelectorAll("strong")].map((e) => e.textContent), em: b.querySelectorAll("em").length,
          code: b.querySelectorAll("code").length, li: b.querySelectorAll("li").length, quote: b.querySelectorAll("blockquote").length,
          links: [...b.querySelectorAll("a")].map((a) => a.getAttribute("href")),
          imgs: document.querySelectorAll("#msgs img, #msgs script").length, pwned: window.__pwned || 0,
          text: b.innerText, userHtml: u.querySelectorAll("b").length, userText: u.textContent,
        };
      }, turn);
      assert.deepStrictEqual(r.strong, ["bold"]);
      assert.ok(r.em === 1 && r.code === 1 && r.li === 2 && r.quote === 1, JSON.stringify(r));
      assert.deepStrictEqual(r.links, ["https://example.org/help"]);
      assert.strictEqual(r.imgs, 0, "raw HTML became elements");
      assert.strictEqual(r.pwned, 0);
      assert.match(r.text, /<img src=x onerror/);
      assert.strictEqual(r.userHtml, 0);
      assert.strictEqual(r.userText, "show me some html <b>please</b>");
      await ctx5.close();
    });

    await step("load earlier pages upward and keeps the reading position", async () => {
      for (let i = 1; i <= 17; i++) await postChat(side.port, "pager", "seed" + i, "message number " + i);
      const ctx6 = await browser.newContext({ viewport: { width: 900, height: 700 }, locale: "en-US" });
      const p6 = watch(await ctx6.newPage(), "pager");
      await signIn(p6, sideUrl, "pager");
      await p6.waitForFunction(() => document.querySelectorAll("article.msg").length === 30, null, WAIT);
      const view = await p6.evaluate(() => {
        const s = document.getElementById("scroller");
        return { overflow: s.scrollHeight - s.clientHeight, fromBottom: s.scrollHeight - s.scrollTop - s.clientHeight,
                 pageScrolls: document.documentElement.scrollHeight > window.innerHeight };
      });
      assert.ok(view.overflow > 200 && view.fromBottom < 4, "not opened at the newest message: " + JSON.stringify(view));
      assert.ok(!view.pageScrolls, "the page scrolls instead of the conversation");
      assert.ok(await p6.isVisible("#earlier"), "no 'earlier' button with older messages stored");
      await p6.evaluate(() => { document.getElementById("scroller").scrollTop = 0; });
      const before = await p6.evaluate(() => {
        const first = document.querySelector("article.msg");
        return { turn: first.dataset.turn, y: first.getBoundingClientRect().top };
      });
      await p6.click("#earlier");
      await p6.waitForFunction(() => document.querySelectorAll("article.msg").length === 34, null, WAIT);
      const after = await p6.evaluate((t) => document.querySelector(`article.msg[data-turn="${t}"]`).getBoundingClientRect().top, before.turn);
      assert.ok(Math.abs(after - before.y) < 3, `the view jumped from ${before.y} to ${after}`);
      assert.ok(await p6.isHidden("#earlier"), "the button stays with nothing older");
      const order = await turnsOnPage(p6);
      assert.deepStrictEqual(order, [...order].sort((a, b) => a - b));
      assert.strictEqual(order[0], 1);
      await ctx6.close();
    });

    await step("forget me asks first, then erases", async () => {
      const ctx7 = await browser.newContext({ viewport: { width: 900, height: 700 }, locale: "en-US" });
      const p7 = watch(await ctx7.newPage(), "forget");
      await signIn(p7, sideUrl, "forgetful");
      const turn = await say(p7, "remember this please");
      await waitDone(p7, turn + 1);
      await storedTurn(side.port, "forgetful", turn + 1);
      await p7.click("#menu summary");
      await p7.click("#forget-btn");
      assert.ok(await p7.isVisible("#forget-dialog"));
      await p7.click("#forget-cancel");
      assert.strictEqual((await history(side.port, "forgetful")).length, 2, "cancel erased something");
      await p7.click("#menu summary");
      await p7.click("#forget-btn");
      await p7.click("#forget-confirm");
      await p7.waitForSelector("text=Everything is forgotten", WAIT);
      assert.strictEqual(await p7.locator("article.msg").count(), 0);
      assert.strictEqual((await history(side.port, "forgetful")).length, 0);
      await ctx7.close();
    });

    await step("what xinyu remembers: listed, corrected and deleted from the settings panel", async () => {
      const ctxM = await browser.newContext({ viewport: { width: 900, height: 760 }, locale: "en-US" });
      const pm = watch(await ctxM.newPage(), "memories");
      await signIn(pm, sideUrl, "mina");
      const turn = await say(pm, "My cat is called Mochi. I work as a nurse in Leeds.");
      await waitDone(pm, turn + 1);
      await storedTurn(side.port, "mina", turn + 1);
      const stored = async () => (await getJson(`http://127.0.0.1:${side.port}/v1/memories?user=mina`)).items.map((i) => i.text);
      assert.strictEqual((await stored()).length, 2, "both facts remembered");
      await pm.click("#menu summary");
      await pm.click("#memories-btn");
      await pm.waitForFunction(() => document.querySelectorAll("#mem-list li").length === 2, null, WAIT);
      const row = (word) => pm.locator("#mem-list li", { hasText: word });
      // correct one: the panel and the server agree on the new words
      const nurse = pm.locator(`#mem-list li[data-id="${await row("nurse").getAttribute("data-id")}"]`);
      await nurse.locator(".mem-edit").click();
      await nurse.locator("textarea").fill("I work as a teacher in Leeds");
      await nurse.locator(".mem-save").click();
      await pm.waitForSelector("#mem-status:has-text('Corrected')", WAIT);
      assert.strictEqual(await row("teacher").count(), 1);
      assert.deepStrictEqual((await stored()).sort(), ["I work as a teacher in Leeds", "My cat is called Mochi"].sort());
      // delete one: asked twice, then gone from the panel and the server
      await row("Mochi").locator(".mem-delete").click();
      assert.strictEqual(await row("Mochi").count(), 1, "one click must not delete");
      await row("Mochi").locator(".mem-delete").click();
      await pm.waitForSelector("#mem-status:has-text('Deleted')", WAIT);
      assert.strictEqual(await row("Mochi").count(), 0);
      assert.deepStrictEqual(await stored(), ["I work as a teacher in Leeds"]);
      await pm.screenshot({ path: path.join(SCREENS, "memories.png") });
      // a fact deleted elsewhere meanwhile: the panel says so kindly and refreshes
      const id = (await getJson(`http://127.0.0.1:${side.port}/v1/memories?user=mina`)).items[0].id;
      await new Promise((resolve, reject) => {
        http.request({ host: "127.0.0.1", port: side.port, path: `/v1/memories/${id}?user=mina`, method: "DELETE" }, (res) => {
          res.resume(); res.on("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(`DELETE ${res.statusCode}`))));
        }).on("error", reject).end();
      });
      await row("teacher").locator(".mem-delete").click();
      await row("teacher").locator(".mem-delete").click();
      await pm.waitForSelector("#mem-status:has-text('already gone')", WAIT);
      await pm.waitForSelector("#mem-empty:not([hidden])", WAIT);
      assert.strictEqual(await pm.locator("#msgs .sys.warn").count(), 0, "a memory error leaked into the conversation");
      await pm.click("#memories-close");
      await ctxM.close();
    });

    await step("screenshots: desktop with a bilingual conversation, phone at 360 px with no sideways scroll", async () => {
      const ctxD = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "zh-CN" });
      const pd = watch(await ctxD.newPage(), "desktop");
      await signIn(pd, sideUrl, "小雨");
      const a = await say(pd, "最近工作压力好大，晚上总是睡不着。");
      await waitDone(pd, a + 1);
      const b = await say(pd, "Thanks. I think I just needed someone to listen.");
      await waitDone(pd, b + 1);
      await pd.evaluate(() => document.activeElement && document.activeElement.blur());
      await pd.screenshot({ path: path.join(SCREENS, "desktop.png") });
      // the dark theme toggle works
      await pd.click("#theme");
      assert.strictEqual(await pd.evaluate(() => document.documentElement.dataset.theme), "dark");
      await pd.screenshot({ path: path.join(SCREENS, "desktop-dark.png") });
      await ctxD.close();

      const ctxP = await browser.newContext({ viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: "en-US" });
      const pp = watch(await ctxP.newPage(), "phone");
      await pp.goto(sideUrl);
      await pp.waitForSelector("#welcome:not([hidden])", WAIT);
      assert.ok(await pp.evaluate(() => document.documentElement.scrollWidth <= 360), "the welcome screen scrolls sideways");
      await pp.screenshot({ path: path.join(SCREENS, "phone-welcome.png") });
      await pp.fill("#name", "lin");
      await pp.press("#name", "Enter");
      await online(pp);
      const c = await say(pp, "It's been a long week and I feel so tired.");
      await waitDone(pp, c + 1);
      const d = await say(pp, "今晚又睡不着了");
      await waitDone(pp, d + 1);
      const e = await say(pp, "a-very-long-unbroken-word-" + "x".repeat(120) + " https://example.org/" + "y".repeat(80));
      await waitDone(pp, e + 1);
      const widths = await pp.evaluate(() => ({ doc: document.documentElement.scrollWidth, body: document.body.scrollWidth }));
      assert.ok(widths.doc <= 360 && widths.body <= 360, `sideways scroll at 360 px: ${JSON.stringify(widths)}`);
      await pp.evaluate((t) => { document.querySelector(`article[data-turn="${t}"]`).scrollIntoView({ block: "end" }); }, d + 1);
      await pp.evaluate(() => document.activeElement && document.activeElement.blur());
      await pp.screenshot({ path: path.join(SCREENS, "phone.png") });
      await ctxP.close();
    });

    await step("no console errors and no page errors over the whole run", async () => {
      assert.ok(problems.length === 0, "\n" + problems.join("\n"));
      console.log(`      (${refusedWhileDown} refused reconnect attempts logged by Chromium while the server was down)`);
    });
  } finally {
    await browser.close().catch(() => {});
    fake.close();
    killAll();
  }
}

main().then(() => {
  const failed = results.filter(([, r]) => r !== "ok");
  console.log(`${results.length - failed.length}/${results.length} browser cases passed in ${((Date.now() - T0) / 1000).toFixed(1)} s; screenshots in ${SCREENS}`);
  process.exit(failed.length ? 1 : 0);
}, (e) => {
  console.log("FAIL  setup: " + (e && e.stack || e));
  process.exit(1);
});
