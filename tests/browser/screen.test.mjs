// The screen pages (/screen/{screen}) in a real browser: Debian's Chromium
// driven by playwright-core, against the real `tingwu` binary running the
// small test hall. Window terminals are played over MQTT (lib/mqtt.mjs),
// tickets are issued over HTTP.
//
//   cargo build --bin tingwu
//   npm ci --prefix tests/browser
//   TINGWU_BIN=target/debug/tingwu node --test tests/browser/
//
// The temp dir (server log, Chromium profile, screenshots) is removed unless
// a test failed or TINGWU_BROWSER_KEEP=1.
//
// Each test opens its own page and brings the windows it uses to a known
// state first, so a failure does not cascade into the next test. Every
// step has a timeout; the worst case, everything timing out, stays under a
// minute (typically the whole file takes ~5 s).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { launch, openPage, textOf, waitConnected, waitCurrentCall, waitInPage } from './lib/browser.mjs';
import { Terminal } from './lib/mqtt.mjs';
import { HOST, Server } from './lib/server.mjs';

const ID_NUMBER = '11010519491231002X'; // valid GB 11643 (README's example)
const ID_FRAGMENT = '1101051949';
const PAUSE_ZH = '暂停服务，请稍候'; // the default window pause_message (actors/src/config.rs)
const PAUSE_EN = 'Service paused, please wait';
const WINDOW1 = { id: '1', number: 1 };
const WINDOW2 = { id: '2', number: 2 };

let tmp;
let server;
let context;
let terminals = {};
let failed = false;

/** Runs a test body; on failure, attaches the server's stderr and keeps the temp dir. */
function guarded(fn) {
  return async (t) => {
    try {
      await fn(t);
    } catch (err) {
      failed = true;
      if (server) err.message += `\n--- tingwu stderr (last lines; full log in ${server.logPath}):\n${server.stderrTail(40)}`;
      throw err;
    }
  };
}

process.on('exit', () => { if (server) server.killNow(); });

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'tingwu-browser-'));
  mkdirSync(join(tmp, 'data'));
  mkdirSync(join(tmp, 'chromium-profile'));
  server = new Server({ dataDir: join(tmp, 'data'), logPath: join(tmp, 'tingwu.stderr.log') });
  try {
    await server.start(10_000);
    context = await launch(join(tmp, 'chromium-profile'));
    for (const w of [WINDOW1, WINDOW2]) {
      const device = `T${String(w.number).padStart(2, '0')}`;
      const term = new Terminal({ host: HOST, port: server.mqttPort, hall: server.hall, device,
        password: `pw-${device}`, window: w.id });
      await term.connect();
      await term.act('login', { staff: `S${String(w.number).padStart(2, '0')}`, pin: '1111' });
      terminals[w.id] = term;
    }
  } catch (err) {
    failed = true;
    if (server) err.message += `\n--- tingwu stderr:\n${server.stderrTail(40)}`;
    throw err;
  }
}, { timeout: 15_000 });

after(async () => {
  for (const term of Object.values(terminals)) await term.close().catch(() => {});
  if (context) await context.close().catch(() => {});
  if (server) await server.stop(5_000);
  if (tmp) {
    if (failed || process.env.TINGWU_BROWSER_KEEP) console.log(`kept ${tmp} (screenshots, server log)`);
    else rmSync(tmp, { recursive: true, force: true });
  }
}, { timeout: 8_000 });

// ---------------------------------------------------------------- helpers

/** Brings a logged-in window to idle whatever it was doing. */
async function bringToIdle(term) {
  const w = (await server.windows())[term.window];
  if (w.state === 'called') { await term.act('start'); await term.act('finish'); }
  else if (w.state === 'serving') await term.act('finish');
  else if (w.state === 'paused') await term.act('resume');
  else if (w.state === 'logged_out') throw new Error(`window ${term.window} is logged out`);
}

/** call_next until the window calls `ticketId` (skipping leftovers of an earlier failed test). */
async function callTicket(term, ticketId) {
  for (let i = 0; i < 10; i++) {
    const reply = await term.act('call_next');
    assert.ok(reply.ticket, `call_next gave no ticket: ${JSON.stringify(reply)}`);
    if (reply.ticket.id === ticketId) return reply.ticket;
    await term.act('skip');
  }
  throw new Error(`window ${term.window} never called ${ticketId}`);
}

async function waitWaiting(page, queueId) {
  const want = (await server.queues())[queueId].waiting;
  await waitInPage(page, `queue ${queueId} to show ${want} waiting`, ([q, n]) => {
    const el = document.querySelector(`#queues [data-queue="${q}"] .waiting`);
    return el && el.firstChild && Number(el.firstChild.nodeValue) === n;
  }, [queueId, want]);
  return want;
}

/** No uncaught errors, no console errors but the expected ones, nothing fetched from elsewhere. */
function assertClean(record, { allowWsFailures = false } = {}) {
  assert.deepEqual(record.pageErrors, [], 'uncaught errors in the page');
  const unexpected = record.consoleErrors.filter((e) =>
    !e.url.endsWith('/favicon.ico') && // the page declares no icon; Chromium asks for /favicon.ico (404)
    !(allowWsFailures && /WebSocket connection to .* failed/.test(e.text)));
  assert.deepEqual(unexpected, [], 'console errors in the page');
  const foreign = record.requests.filter((u) => !u.startsWith(server.base + '/') && !u.startsWith('data:'));
  assert.deepEqual(foreign, [], 'the page loaded resources from elsewhere');
}

/** Nothing the page shows, holds in its DOM or received may carry an ID number, even masked. */
async function assertNoPersonalData(page, record) {
  const { html, text } = await page.evaluate(() => ({
    html: document.documentElement.outerHTML, text: document.body.innerText,
  }));
  for (const [what, s] of [['text', text], ['HTML', html],
    ['WebSocket frames', JSON.stringify(record.sockets.map((s) => s.frames))]]) {
    assert.ok(!s.includes(ID_FRAGMENT), `page ${what} contains an ID number (${ID_FRAGMENT}…)`);
    assert.ok(!s.includes(ID_NUMBER.slice(-4)) && !s.includes('***'), `page ${what} contains a masked ID number`);
  }
}

function maxSeq(frames) {
  return frames.reduce((m, f) => (typeof f.seq === 'number' && f.seq > m ? f.seq : m), -1);
}

function assertPng(path) {
  const png = readFileSync(path);
  assert.ok(png.length > 1000, `screenshot ${path} is only ${png.length} bytes`);
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'not a PNG');
  assert.equal(png.subarray(12, 16).toString('latin1'), 'IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

// ------------------------------------------------------------------ tests

describe('screen pages in Chromium', () => {
  test('hall screen: a call made over MQTT shows up at once', { timeout: 10_000 }, guarded(async () => {
    const { page, record } = await openPage(context, `${server.base}/screen/hall`);
    await waitConnected(page);
    await waitInPage(page, 'the hall layout with all 24 windows', () =>
      document.body.classList.contains('kind-hall') &&
      document.querySelectorAll('#windows [data-window]').length === 24);
    await bringToIdle(terminals['1']);

    const ticket = await server.issue({ item: 'general' });
    assert.match(ticket.number, /^A\d+$/);
    assert.ok(await waitWaiting(page, 'A') >= 1);

    const called = await callTicket(terminals['1'], ticket.id);
    assert.equal(called.number, ticket.number);
    await waitCurrentCall(page, ticket.number, WINDOW1);
    const row = await waitInPage(page, `a #calls row for ${ticket.number}`, (n) => {
      const li = document.querySelector(`#calls li[data-number="${n}"]`);
      return li && { window: li.dataset.window, ticket: li.dataset.ticket, first: li === li.parentNode.firstElementChild };
    }, ticket.number);
    assert.deepEqual(row, { window: '1', ticket: ticket.id, first: true });
    await waitInPage(page, 'window 1 shown as called', () => {
      const chip = document.querySelector('#windows [data-window="1"]');
      return chip && chip.dataset.state === 'called';
    });
    await waitWaiting(page, 'A');
    const banner = await page.evaluate(() => document.getElementById('banner').innerText);
    assert.ok(banner.includes(`请 ${ticket.number} 号到 1 号窗口办理`), `banner: ${banner}`);
    assert.ok(banner.includes(`Ticket ${ticket.number} please go to window 1`), `banner: ${banner}`);

    const shot = join(tmp, 'hall.png');
    await page.screenshot({ path: shot });
    assert.deepEqual(assertPng(shot), { width: 1920, height: 1080 });

    assertClean(record);
    await page.close();
  }));

  test('window screen w1: current number, pause message, never an ID number', { timeout: 10_000 }, guarded(async () => {
    const term = terminals['1'];
    const { page, record } = await openPage(context, `${server.base}/screen/w1`);
    await waitConnected(page);
    await waitInPage(page, 'the window layout with one panel for window 1', () =>
      document.body.classList.contains('kind-window') &&
      document.querySelectorAll('#windows .wpanel').length === 1 &&
      !!document.querySelector('#windows .wpanel[data-window="1"]'));

    // What window 1 is doing now (from the snapshot), if it has a ticket.
    const before = (await server.windows())['1'];
    if (before.ticket && (before.state === 'called' || before.state === 'serving')) {
      assert.equal(await page.getAttribute('.wpanel[data-window="1"] .wnumber', 'data-number'), before.ticket.number);
    }
    await bringToIdle(term);

    const ticket = await server.issue({ item: 'general', id_number: ID_NUMBER });
    assert.equal(ticket.id_number, '110***********002X');
    const called = await callTicket(term, ticket.id);
    const showsNumber = (state) => waitInPage(page, `window 1 ${state} with ${called.number}`, ([n, st]) => {
      const p = document.querySelector('.wpanel[data-window="1"]');
      const num = p && p.querySelector('.wnumber');
      return p && p.dataset.state === st && num && num.dataset.number === n && num.textContent === n;
    }, [called.number, state]);
    await showsNumber('called');
    await waitCurrentCall(page, called.number, WINDOW1);
    const staff = await textOf(page, '.wpanel[data-window="1"] .wstaff');
    assert.ok(staff.includes('工作人员01'), `staff line: ${staff}`);
    await assertNoPersonalData(page, record);

    await term.act('start');
    await showsNumber('serving');
    await term.act('finish');
    await waitInPage(page, 'window 1 idle with no current number', () => {
      const p = document.querySelector('.wpanel[data-window="1"]');
      const num = p && p.querySelector('.wnumber');
      const cur = document.getElementById('current-number');
      return p && p.dataset.state === 'idle' && num && num.dataset.number === '' && cur && cur.textContent === '';
    });

    await term.act('pause', { reason: '午休 lunch break' });
    const pause = await waitInPage(page, 'window 1 paused with its pause message', () => {
      const p = document.querySelector('.wpanel[data-window="1"]');
      const msg = p && p.querySelector('.wpause');
      return p && p.dataset.state === 'paused' && msg && !p.querySelector('.wnumber') && msg.innerText;
    });
    assert.ok(pause.includes(PAUSE_ZH) && pause.includes(PAUSE_EN), `pause message: ${JSON.stringify(pause)}`);
    assert.equal(await textOf(page, '#current-number'), '');

    await assertNoPersonalData(page, record);
    await page.screenshot({ path: join(tmp, 'w1-paused.png') });
    assertPng(join(tmp, 'w1-paused.png'));
    assertClean(record);
    await page.close();
  }));

  test('hall screen: resumes with ?since= after its connection drops', { timeout: 15_000 }, guarded(async () => {
    const term = terminals['2'];
    const { page, record } = await openPage(context, `${server.base}/screen/hall`);
    await waitConnected(page);
    await bringToIdle(term);
    const ticket = await server.issue({ item: 'general' });
    await waitWaiting(page, 'A'); // the page has seen everything up to the ticket
    const before = await textOf(page, '#current-number');
    assert.notEqual(before, ticket.number);

    assert.equal(record.sockets.length, 1, 'one WebSocket so far');
    const first = record.sockets[0];
    const lastSeq = maxSeq(first.frames);
    assert.ok(lastSeq >= 0 && first.frames[0].type === 'snapshot', `first socket frames: ${JSON.stringify(first.frames.map((f) => f.type))}`);

    // Drop the page's socket and keep it from reconnecting while a call is made.
    await context.setOffline(true);
    try {
      assert.equal(await page.evaluate(() => window.__tingwuTestDropSockets()), 1, 'sockets dropped');
      await waitInPage(page, '#conn to say reconnecting', () => {
        const el = document.getElementById('conn');
        return el.dataset.state === 'reconnecting' && el.textContent.indexOf('Reconnecting') >= 0;
      });
      const called = await callTicket(term, ticket.id);
      assert.equal(called.number, ticket.number);
      assert.equal((await server.windows())['2'].ticket.id, ticket.id);
      await sleep(300);
      assert.equal(await textOf(page, '#current-number'), before, 'the page got the call while it was offline');
    } finally {
      await context.setOffline(false);
    }

    // The page retries after 1 s, then 2 s (+ up to 20 % jitter) from the drop.
    await waitConnected(page, 9_000);
    await waitCurrentCall(page, ticket.number, WINDOW2, 5_000);
    await waitInPage(page, `a #calls row for ${ticket.number} at window 2`, (n) => {
      const li = document.querySelector('#calls li:first-child');
      return li && li.dataset.number === n && li.dataset.window === '2';
    }, ticket.number);
    assert.ok(!(await page.evaluate(() => document.body.classList.contains('offline'))), 'screen still dimmed');

    const resumed = record.sockets[record.sockets.length - 1];
    // Playwright reports frames from the browser's devtools stream: give it a moment to catch up.
    for (let i = 0; i < 40 && !resumed.frames.some((f) => f.type === 'call'); i++) await sleep(50);
    assert.ok(resumed.url.endsWith(`/ws/screen/hall?since=${lastSeq}`), `reconnected with ${resumed.url}, last seq ${lastSeq}`);
    for (const s of record.sockets.slice(1, -1)) {
      assert.ok(s.url.endsWith(`?since=${lastSeq}`), `retry ${s.url}`);
    }
    const types = resumed.frames.map((f) => `${f.type}#${f.seq}`);
    assert.ok(!resumed.frames.some((f) => f.type === 'snapshot'),
      `the server sent a snapshot instead of replaying from ${lastSeq}: ${types}`);
    assert.ok(resumed.frames.some((f) => f.type === 'call' && f.payload.number === ticket.number && f.seq > lastSeq),
      `the missed call was not replayed: ${types}`);
    const seqs = resumed.frames.map((f) => f.seq);
    assert.ok(seqs.every((s, i) => s > lastSeq && (i === 0 || s > seqs[i - 1])), `replayed seqs not increasing past ${lastSeq}: ${types}`);

    assertClean(record, { allowWsFailures: true });
    await page.close();
  }));
  test('start page: links the dashboard, supervision, case, kiosk and evaluator pages', { timeout: 10_000 }, guarded(async () => {
    const { page, record } = await openPage(context, `${server.base}/`);
    const links = await waitInPage(page, 'the page links with the kiosks and windows loaded', () => {
      const hrefs = Array.from(document.querySelectorAll('a')).map((a) => a.getAttribute('href'));
      return document.querySelector('#kiosks a') && document.querySelector('#windows a[data-evaluate]') && hrefs;
    });
    for (const href of ['/dashboard', '/supervision', '/case', '/kiosk/K01', '/evaluate/1', '/evaluate/2', '/screen/hall']) {
      assert.ok(links.includes(href), `no link to ${href}: ${links.join(' ')}`);
    }
    const pages = await textOf(page, '#pages');
    assert.ok(pages.includes('值班看板') && pages.includes('Supervisor dashboard'), pages);
    assert.equal((await page.request.get(`${server.base}/evaluate/1`)).status(), 200);
    assertClean(record);
    await page.close();
  }));
});
