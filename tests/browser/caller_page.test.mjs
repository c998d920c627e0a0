// The caller page (/caller/{window}) against issue 8 (items 17 and 18), in a
// real browser: Debian's Chromium driven by playwright-core, against the
// real `tingwu` binary running the small test hall (staff Snn PIN 1111).
//
//   cargo build --bin tingwu
//   npm ci --prefix tests/browser
//   TINGWU_BIN=target/debug/tingwu node --test tests/browser/caller_page.test.mjs
//
// Every test records the browser's own dialogs (alert/prompt/confirm): the
// page must never open one.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';

import { openPage, waitInPage } from './lib/browser.mjs';
import { browserSuite } from './lib/suite.mjs';

// A valid GB 11643 number of someone born in 1949: a special-group ticket by age.
const ELDERLY_ID = '11010519491231002X';

const suite = browserSuite('callerpage');
const { guarded } = suite;

// ---------------------------------------------------------------- helpers

/** Opens the caller page of window `w` and records any browser dialog it opens (and dismisses it). */
async function openCaller(w) {
  const p = await openPage(suite.context, `${suite.server.base}/caller/${w}`);
  p.dialogs = [];
  p.page.on('dialog', (d) => { p.dialogs.push(`${d.type()}: ${d.message()}`); d.dismiss().catch(() => {}); });
  return p;
}

async function logIn(page, staff, pin) {
  await page.fill('#staff', staff);
  await page.fill('#pin', pin);
  await page.click('#login-btn');
}

async function waitState(page, state) {
  await waitInPage(page, `caller shows window state ${state}`, (st) => {
    const el = document.getElementById('window-state');
    return el && el.dataset.state === st && !document.getElementById('panel').hidden;
  }, state);
}

/** Idle again, logged out: the window is free for the next test. */
async function leave(page) {
  const st = await page.evaluate(() => document.getElementById('window-state').dataset.state);
  if (st === 'called') { await page.keyboard.press('F3'); await waitState(page, 'serving'); }
  if (st === 'called' || st === 'serving') { await page.keyboard.press('F4'); await waitState(page, 'idle'); }
  await page.keyboard.press('F8');
  await waitInPage(page, 'logged out', () => !document.getElementById('login-card').hidden);
}

// ------------------------------------------------------------------ tests

describe('caller page (issue 8)', () => {
  // Issue 8 item 17, kind: a refused login shows what the API said about
  // the login, never a canned text of another situation ("session expired").
  test('item 17: a wrong PIN says the PIN is wrong, not that a session expired', { timeout: 10_000 }, guarded(async () => {
    const c = await openCaller('5');
    const answer = await suite.server.request('POST', '/api/v1/windows/5/session', { staff: 'S05', pin: '9999' });
    assert.equal(answer.status, 401);
    await logIn(c.page, 'S05', '9999');
    const text = await waitInPage(c.page, 'the refused login to be shown', () => {
      const m = document.getElementById('message');
      return m.dataset.ok === 'false' && m.textContent;
    });
    assert.ok(text.includes('工号或密码错误') && /wrong staff id or PIN/i.test(text), text);
    assert.ok(text.includes(answer.body.error.message), `the API's message ${JSON.stringify(answer.body.error.message)} not shown: ${text}`);
    assert.ok(!text.includes('过期') && !/expired/i.test(text), text);
    assert.equal(await c.page.isVisible('#panel'), false);
    await c.page.close();
  }));

  // Issue 8 item 18, kind: the caller sees who is in front of them — item,
  // appointment, special group and the wait so far of the current ticket.
  test('item 18: the current citizen\'s item, appointment, special-group flag and wait are shown', { timeout: 15_000 }, guarded(async () => {
    const c = await openCaller('3');
    await logIn(c.page, 'S03', '1111');
    await waitState(c.page, 'idle');
    const ticket = await suite.server.issue({ item: 'general', channel: 'appointment', id_number: ELDERLY_ID });
    assert.equal(ticket.priority, 'special');
    assert.equal(ticket.channel, 'appointment');
    await c.page.keyboard.press('F1');
    await waitState(c.page, 'called');
    const shown = await waitInPage(c.page, 'the current citizen card', (n) => {
      const card = document.getElementById('citizen');
      const num = document.getElementById('current-number');
      const get = (id) => { const el = document.getElementById(id); return el && !el.hidden ? el.textContent : null; };
      return card && !card.hidden && num.textContent === n && get('ticket-item') && get('ticket-wait') && {
        item: get('ticket-item'), channel: get('ticket-channel'), priority: get('ticket-priority'), wait: get('ticket-wait'),
      };
    }, ticket.number);
    assert.ok(shown.item.includes('综合咨询') && shown.item.includes('General enquiries'), shown.item);
    assert.ok(shown.channel && shown.channel.includes('预约') && /appointment/i.test(shown.channel), shown.channel);
    assert.ok(shown.priority && shown.priority.includes('特殊人群') && /special/i.test(shown.priority), shown.priority);
    assert.match(shown.wait, /已等候 \d+ 分钟/);
    assert.match(shown.wait, /waited \d+ min/i);
    await c.page.screenshot({ path: join(suite.tmp, 'caller-citizen.png') });
    assert.deepEqual(c.dialogs, []);
    await leave(c.page);
    await c.page.close();
  }));

  // Issue 8 item 18, kind: no browser prompt() on the caller page; F9 and
  // F10 ask in the page, and F10 offers the hall's queues by name.
  test('item 18: F9 and F10 ask in page dialogs; F10 offers the queues by name', { timeout: 20_000 }, guarded(async () => {
    const c = await openCaller('4');
    await logIn(c.page, 'S04', '1111');
    await waitState(c.page, 'idle');
    const first = await suite.server.issue({ item: 'general' });
    const wanted = await suite.server.issue({ item: 'general' });

    // F9: call a given number, with the audited reason.
    await c.page.keyboard.press('F9');
    await waitInPage(c.page, 'the call dialog', () => {
      const d = document.getElementById('call-dialog');
      return d && d.open;
    });
    await c.page.fill('#call-number', wanted.number.toLowerCase());
    await c.page.fill('#call-reason', '预约优先 / booked first');
    await c.page.click('#call-dialog button[value="ok"]');
    await waitInPage(c.page, `${wanted.number} called`, (n) =>
      document.getElementById('current-number').textContent === n &&
      document.getElementById('window-state').dataset.state === 'called', wanted.number);

    // F10: transfer to a queue chosen by its name.
    await c.page.keyboard.press('F10');
    const options = await waitInPage(c.page, 'the transfer dialog with the queues', () => {
      const d = document.getElementById('transfer-dialog');
      const sel = document.getElementById('transfer-queue');
      return d && d.open && sel && sel.options.length > 0 &&
        Array.from(sel.options).map((o) => ({ value: o.value, text: o.textContent }));
    });
    const police = options.find((o) => o.value === 'B');
    assert.ok(police && police.text.includes('公安业务') && police.text.includes('Police services'), JSON.stringify(options));
    await c.page.selectOption('#transfer-queue', 'B');
    await c.page.click('#transfer-dialog button[value="ok"]');
    await waitState(c.page, 'idle');
    const moved = (await suite.server.request('GET', `/api/v1/tickets/${encodeURIComponent(wanted.id)}`)).body;
    assert.equal(moved.waiting_in, 'B', JSON.stringify(moved));

    // Cancelling a dialog sends nothing.
    await c.page.keyboard.press('F9');
    await waitInPage(c.page, 'the call dialog again', () => document.getElementById('call-dialog').open);
    await c.page.keyboard.press('Escape');
    await waitInPage(c.page, 'the dialog closed', () => !document.getElementById('call-dialog').open);
    assert.equal((await suite.server.windows())['4'].state, 'idle');

    assert.deepEqual(c.dialogs, [], 'the page opened browser dialogs');
    // the first ticket is still waiting; leave the window clean
    assert.equal((await suite.server.request('GET', `/api/v1/tickets/${encodeURIComponent(first.id)}`)).body.status, 'waiting');
    await leave(c.page);
    await c.page.close();
  }));
});
