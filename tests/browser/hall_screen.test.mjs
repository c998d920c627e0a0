// The hall screen (/screen/hall) against issue 8, in a real browser:
// Debian's Chromium driven by playwright-core at 1920×1080, against the real
// `tingwu` binary running the small test hall (24 windows; staff Snn PIN
// 1111). Windows are driven over the caller API, as the caller page does.
//
//   cargo build --bin tingwu
//   npm ci --prefix tests/browser
//   TINGWU_BIN=target/debug/tingwu node --test tests/browser/hall_screen.test.mjs
//
// Speech: an init script replaces speechSynthesis.speak with a recorder
// before any page script runs, so the test reads exactly the text the page
// hands to the speech engine.
//
// The screenshot of the full hall screen with ten calls is saved as
// target/screenshots/hall-screen.png and copied to
// docs/screenshots/hall-screen.png for the README (lib/screenshots.mjs).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, waitConnected, waitInPage } from './lib/browser.mjs';
import { screenshot } from './lib/screenshots.mjs';
import { browserSuite } from './lib/suite.mjs';

// Replaces speechSynthesis.speak with a recorder before any page script runs.
const speechRecorder = async (s) => {
  await s.context.addInitScript(() => {
    var spoken = [];
    Object.defineProperty(window, '__tingwuSpoken', { value: spoken });
    function record(u) { spoken.push(u && u.text !== undefined ? String(u.text) : String(u)); }
    if (window.speechSynthesis) {
      window.speechSynthesis.speak = record;
    } else {
      Object.defineProperty(window, 'speechSynthesis', {
        value: { speak: record, cancel: function () {}, getVoices: function () { return []; } },
      });
      if (!window.SpeechSynthesisUtterance) window.SpeechSynthesisUtterance = function (text) { this.text = text; };
    }
  });
};

const suite = browserSuite('hall', { setUp: speechRecorder });
const { guarded } = suite;

// ---------------------------------------------------------------- helpers

/** A window driven over the caller API: logs in staff Snn, sends commands. */
async function openWindow(number) {
  const w = String(number);
  const staff = `S${w.padStart(2, '0')}`;
  const session = await suite.server.request('POST', `/api/v1/windows/${w}/session`, { staff, pin: '1111' });
  assert.equal(session.status, 200, JSON.stringify(session.body));
  let serial = 0;
  const send = async (action, fields = {}) => {
    serial += 1;
    const res = await fetch(`${suite.server.base}/api/v1/windows/${w}/commands`, {
      method: 'POST',
      headers: { authorization: `Bearer ${session.body.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: `hall-${w}-${serial}-${Date.now()}`, action, ...fields }),
      signal: AbortSignal.timeout(5_000),
    });
    assert.equal(res.status, 200);
    const reply = await res.json();
    assert.equal(reply.ok, true, `${action} at window ${w}: ${JSON.stringify(reply)}`);
    return reply;
  };
  await send('login', { staff, pin: '1111' });
  return { id: w, number, send };
}

/** Whether the called number is on the screen: in #calls, displayed, whole, inside its panel and the 1920×1080 viewport. */
function visibleCall(page, number) {
  return page.evaluate((n) => {
    const li = document.querySelector(`#calls li[data-number="${n}"]`);
    if (!li || li.hidden || li.offsetParent === null) return false;
    const r = li.getBoundingClientRect();
    const p = document.getElementById('calls-panel').getBoundingClientRect();
    return r.width > 0 && r.height > 0 && r.top >= p.top - 1 && r.bottom <= p.bottom + 1 &&
      r.left >= p.left - 1 && r.right <= p.right + 1 && r.bottom <= window.innerHeight && r.right <= window.innerWidth;
  }, number);
}

// ------------------------------------------------------------------ tests

describe('hall screen (issue 8)', () => {
  // Issue 8 item 5, kind: every text spoken on the hall screen reaches the
  // speech engine normalised (ticket digit by digit, window as a number).
  test('item 5: the call is spoken normalised — "请 A零零一号 到 十二号窗口 办理"', { timeout: 15_000 }, guarded(async () => {
    const hall = await openPage(suite.context, `${suite.server.base}/screen/hall?voice=1`);
    await waitConnected(hall.page);
    const w12 = await openWindow(12);
    const ticket = await suite.server.issue({ item: 'general' });
    const reply = await w12.send('call_next');
    assert.equal(reply.ticket.id, ticket.id);
    const said = `请 ${ticket.number.replace(/\d/g, (d) => '零一二三四五六七八九'[Number(d)])}号 到 十二号窗口 办理`;
    await waitInPage(hall.page, `the screen to say "${said}"`, (s) =>
      window.__tingwuSpoken.filter((t) => t === s).length === 1, said);
    // A recall is spoken the same way; nothing un-normalised is ever spoken.
    await w12.send('recall');
    await waitInPage(hall.page, 'the recall to be spoken', (s) =>
      window.__tingwuSpoken.filter((t) => t === s).length === 2, said);
    const spoken = await hall.page.evaluate(() => window.__tingwuSpoken.slice());
    assert.deepEqual(spoken.filter((t) => /[0-9]/.test(t)), [], `digits handed to the voice: ${JSON.stringify(spoken)}`);
    await w12.send('start');
    await w12.send('finish');
    await w12.send('logout');
    await hall.page.close();
  }));

  // Issue 8 item 15, kind: a called number leaves the hall screen only when
  // it is served (started) or skipped, however many calls came after it.
  test('item 15: ten called numbers all stay visible at 1920×1080 until started or skipped', { timeout: 25_000 }, guarded(async () => {
    const hall = await openPage(suite.context, `${suite.server.base}/screen/hall`);
    await hall.page.setViewportSize({ width: 1920, height: 1080 });
    await waitConnected(hall.page);

    // Windows 13..22 each call a citizen who does not come.
    const windows = [];
    const called = [];
    for (let n = 13; n <= 22; n++) {
      const w = await openWindow(n);
      windows.push(w);
      await suite.server.issue({ item: 'general' });
      const reply = await w.send('call_next');
      called.push({ window: w, number: reply.ticket.number });
    }
    for (const c of called) {
      await waitInPage(hall.page, `called ${c.number} (window ${c.window.id}) visible`, (n) =>
        !!document.querySelector(`#calls li[data-number="${n}"]`), c.number);
    }
    const hidden = [];
    for (const c of called) if (!(await visibleCall(hall.page, c.number))) hidden.push(c.number);
    // The README's picture of the hall screen (docs/screenshots/hall-screen.png).
    await screenshot(hall.page, 'hall-screen', { readme: true });
    assert.deepEqual(hidden, [], 'called numbers not visible on the hall screen');

    // The oldest is skipped, the second started: both leave; the rest stay.
    await called[0].window.send('skip');
    await called[1].window.send('start');
    for (const c of called.slice(0, 2)) {
      await waitInPage(hall.page, `${c.number} to leave the called list`, (n) =>
        !document.querySelector(`#calls li[data-number="${n}"]`), c.number);
    }
    for (const c of called.slice(2)) assert.equal(await visibleCall(hall.page, c.number), true, `${c.number} still called`);

    await called[1].window.send('finish');
    for (const c of called.slice(2)) await c.window.send('skip');
    for (const w of windows) await w.send('logout');
    await hall.page.close();
  }));

  // Issue 8 item 15, kind: the hall screen's title names the screen, never
  // the hall or the screen's configured name.
  test('item 15: the hall screen is titled 大厅综合屏 / Hall screen', { timeout: 10_000 }, guarded(async () => {
    const hall = await openPage(suite.context, `${suite.server.base}/screen/hall`);
    await waitConnected(hall.page);
    const title = await hall.page.evaluate(() => {
      const t = document.getElementById('title');
      return { zh: t.firstChild && t.firstChild.nodeValue, en: t.querySelector('.en') && t.querySelector('.en').textContent };
    });
    assert.deepEqual(title, { zh: '大厅综合屏', en: 'Hall screen' });
    assert.ok((await hall.page.title()).startsWith('大厅综合屏'), await hall.page.title());
    await hall.page.close();
  }));
});
