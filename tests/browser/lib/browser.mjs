// Debian's Chromium driven by playwright-core. playwright-core never
// downloads a browser; we point it at /usr/bin/chromium (or $CHROMIUM) and
// give it a fresh, temporary profile.

import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * A persistent context on a fresh `--user-data-dir` (Playwright passes the
 * directory as --user-data-dir itself and refuses it in `args`).
 */
export async function launch(userDataDir) {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (scripts/test-all does), or set CHROMIUM`);
  }
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    chromiumSandbox: false,
    args: CHROMIUM_ARGS,
    viewport: { width: 1920, height: 1080 }, // the hall screen is made for a 1080p TV
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    timeout: 12_000,
  });
  context.setDefaultTimeout(5_000);
  // Keeps a handle on every WebSocket the page opens, so that a test can
  // drop the page's connection (the page itself exposes nothing). It only
  // records the sockets; the page's own code and handlers are untouched.
  await context.addInitScript(() => {
    var Native = window.WebSocket;
    var sockets = [];
    function Tracked(url, protocols) {
      var s = protocols === undefined ? new Native(url) : new Native(url, protocols);
      sockets.push(s);
      return s;
    }
    Tracked.prototype = Native.prototype;
    ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'].forEach(function (k) { Tracked[k] = Native[k]; });
    window.WebSocket = Tracked;
    Object.defineProperty(window, '__tingwuTestDropSockets', {
      value: function () {
        var n = 0;
        sockets.forEach(function (s) { if (s.readyState <= 1) { s.close(); n++; } });
        return n;
      },
    });
  });
  return context;
}

/**
 * Opens `url` in a new page and records what a test wants to check later:
 * uncaught errors, console errors, every WebSocket with its frames.
 */
export async function openPage(context, url) {
  const page = await context.newPage();
  const record = { pageErrors: [], consoleErrors: [], sockets: [], requests: [] };
  page.on('request', (req) => record.requests.push(req.url()));
  page.on('pageerror', (err) => record.pageErrors.push(String(err && err.stack || err)));
  page.on('console', (msg) => {
    if (msg.type() === 'error') record.consoleErrors.push({ text: msg.text(), url: msg.location().url || '' });
  });
  page.on('websocket', (ws) => {
    const entry = { url: ws.url(), frames: [], closed: false, error: null };
    record.sockets.push(entry);
    ws.on('framereceived', ({ payload }) => {
      try { entry.frames.push(JSON.parse(String(payload))); } catch { entry.frames.push({ unparsable: String(payload) }); }
    });
    ws.on('socketerror', (e) => { entry.error = String(e); });
    ws.on('close', () => { entry.closed = true; });
  });
  await page.goto(url, { waitUntil: 'load' });
  return { page, record };
}

/** Waits until `fn(arg)` (run in the page) returns a truthy value; the error names `what` and the last value seen. */
export async function waitInPage(page, what, fn, arg, timeoutMs = 5_000) {
  try {
    const handle = await page.waitForFunction(fn, arg, { timeout: timeoutMs, polling: 50 });
    return await handle.jsonValue();
  } catch (err) {
    let snapshot = '';
    try {
      snapshot = await page.evaluate(() => ({
        conn: document.getElementById('conn') && document.getElementById('conn').dataset.state,
        banner: document.getElementById('banner') && document.getElementById('banner').innerText,
        windows: document.getElementById('windows') && document.getElementById('windows').innerText.slice(0, 400),
      }));
    } catch { /* page gone */ }
    throw new Error(`page ${page.url()}: timed out after ${timeoutMs} ms waiting for ${what}; ` +
      `page state: ${JSON.stringify(snapshot)}\n(${err.message.split('\n')[0]})`);
  }
}

/** The text of the element `selector`, or null if there is none. */
export function textOf(page, selector) {
  return page.evaluate((sel) => {
    const el = document.querySelector(sel);
    return el ? el.textContent : null;
  }, selector);
}

export async function waitConnected(page, timeoutMs = 5_000) {
  await waitInPage(page, '#conn to say connected', () => {
    const el = document.getElementById('conn');
    return el && el.dataset.state === 'open' && el.textContent.indexOf('Connected') >= 0 &&
      el.textContent.indexOf('已连接') >= 0;
  }, undefined, timeoutMs);
}

/** Waits until #current-number shows `number` and #current-window the window (`id`, `number`). */
export async function waitCurrentCall(page, number, window, timeoutMs = 5_000) {
  await waitInPage(page, `#current-number = ${number} at window ${window.id}`, ([n, id, wn]) => {
    const num = document.getElementById('current-number');
    const win = document.getElementById('current-window');
    return num && win && !num.hidden && num.textContent === n &&
      win.dataset.window === id && win.textContent === wn;
  }, [number, String(window.id), String(window.number)], timeoutMs);
}
