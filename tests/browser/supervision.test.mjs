// The e-supervision page (/supervision, issue 10) in a real browser: Debian's
// Chromium driven by playwright-core, against the real `tingwu` binary
// running the small test hall with two items taking cases — `general`
// (promise 1 working day: one day left, so yellow at once) and `police`
// (promise 5: green). Each case is taken in through the API from a ticket
// called at a window through the caller session, as the window's page does.
//
//   cargo build --bin tingwu
//   npm ci --prefix tests/browser
//   TINGWU_BIN=target/debug/tingwu node --test tests/browser/supervision.test.mjs

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { launch, openPage, waitInPage } from './lib/browser.mjs';
import { Server, SMALL_HALL } from './lib/server.mjs';

const APPLICANT = { kind: 'person', id_number: '11010519491231002X', name: '欧阳娜娜', phone: '13912345678' };

/** The small hall with `general` (promise 1) and `police` (promise 5) taking cases. */
function hallWithCases() {
  const caseOf = (material) => `[items.case]\nmaterials = [{ name = "${material}", name_en = "ID card" }]\n\n`;
  let text = readFileSync(SMALL_HALL, 'utf8');
  text = text.replace('materials = ["身份证"]\n\n[[items]]\nid = "police"',
    `materials = ["身份证"]\npromise_days = 1\n${caseOf('身份证')}[[items]]\nid = "police"`);
  text = text.replace('materials = ["身份证", "户口簿"]\n\n[[items]]\nid = "tax"',
    `materials = ["身份证", "户口簿"]\n${caseOf('身份证')}[[items]]\nid = "tax"`);
  assert.equal((text.match(/\[items\.case\]/g) || []).length, 2, 'small hall layout changed: no [items.case] inserted');
  return text;
}

const s = { tmp: null, server: null, context: null, failed: false };
const guarded = (fn) => async (t) => {
  try {
    await fn(t);
  } catch (err) {
    s.failed = true;
    if (s.server) err.message += `\n--- tingwu stderr (last lines):\n${s.server.stderrTail(40)}`;
    throw err;
  }
};
process.on('exit', () => { if (s.server) s.server.killNow(); });

before(async () => {
  s.tmp = mkdtempSync(join(tmpdir(), 'tingwu-browser-supervision-'));
  mkdirSync(join(s.tmp, 'data'));
  mkdirSync(join(s.tmp, 'chromium-profile'));
  const config = join(s.tmp, 'hall.toml');
  writeFileSync(config, hallWithCases());
  s.server = new Server({ dataDir: join(s.tmp, 'data'), logPath: join(s.tmp, 'tingwu.stderr.log'), config });
  await s.server.start(10_000);
  s.context = await launch(join(s.tmp, 'chromium-profile'));
}, { timeout: 15_000 });

after(async () => {
  if (s.context) await s.context.close().catch(() => {});
  if (s.server) await s.server.stop(5_000);
  if (s.tmp) {
    if (s.failed || process.env.TINGWU_BROWSER_KEEP) console.log(`kept ${s.tmp}`);
    else rmSync(s.tmp, { recursive: true, force: true });
  }
}, { timeout: 8_000 });

/** A ticket for `item` called at `window` by its staff through the caller
 * session, then a case taken in from it; answers the case number. */
async function takeCase(item, window) {
  const srv = s.server;
  await srv.issue({ item });
  const staff = `S${String(window).padStart(2, '0')}`;
  const session = await srv.request('POST', `/api/v1/windows/${window}/session`, { staff, pin: '1111' });
  assert.equal(session.status, 200, JSON.stringify(session.body));
  const auth = { authorization: `Bearer ${session.body.token}` };
  for (const cmd of [{ id: `${item}-login`, action: 'login', staff, pin: '1111' }, { id: `${item}-call`, action: 'call_next' }]) {
    const r = await srv.request('POST', `/api/v1/windows/${window}/commands`, cmd, auth);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.ok, true, JSON.stringify(r.body));
  }
  const r = await srv.request('POST', '/api/v1/cases', { applicant: APPLICANT, materials: ['身份证'] }, auth);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.case.number;
}

describe('e-supervision page (issue 10)', () => {
  test('lists the open cases taken in through the API, red first, each with its colour', guarded(async () => {
    const police = await takeCase('police', 1);
    const general = await takeCase('general', 2);

    // The API: supervisors only; yellow before green.
    const anon = await s.server.request('GET', '/api/v1/supervision');
    assert.equal(anon.status, 401, JSON.stringify(anon.body));
    const token = await s.server.staffToken();
    const api = await s.server.request('GET', '/api/v1/supervision', undefined, { authorization: `Bearer ${token}` });
    assert.equal(api.status, 200, JSON.stringify(api.body));
    assert.deepEqual(api.body.counts, { red: 0, yellow: 1, green: 1 });
    assert.deepEqual(api.body.cases.map((c) => [c.number, c.colour]), [[general, 'yellow'], [police, 'green']]);
    assert.ok(!JSON.stringify(api.body).includes(APPLICANT.name), 'no applicant on the board');

    const p = await openPage(s.context, `${s.server.base}/supervision`);
    const { page } = p;
    await waitInPage(page, 'the login form', () => !document.getElementById('login').hidden);
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN');
    await page.fill('#user', 'admin');
    await page.fill('#password', 'secret');
    await page.click('#login-btn');
    await waitInPage(page, 'both cases listed', () => document.querySelectorAll('#cases tr').length === 2);
    const rows = await page.evaluate(() => [...document.querySelectorAll('#cases tr')].map((tr) => ({
      number: tr.dataset.number, colour: tr.dataset.colour, badge: tr.querySelector('.badge').textContent, text: tr.innerText,
    })));
    assert.deepEqual(rows.map((r) => [r.number, r.colour, r.badge]), [[general, 'yellow', '黄'], [police, 'green', '绿']]);
    assert.match(rows[0].text, /综合咨询/);
    assert.match(rows[1].text, /户籍办理/);
    assert.equal(await page.textContent('#count-yellow'), '1');
    assert.equal(await page.textContent('#count-green'), '1');
    assert.match(await page.textContent('#departments'), /admin|综合/);

    // English.
    await page.click('#lang');
    await waitInPage(page, 'English', () => document.getElementById('title').textContent === 'E-supervision');
    const badges = await page.evaluate(() => [...document.querySelectorAll('#cases .badge')].map((b) => b.textContent));
    assert.deepEqual(badges.slice(0, 1), ['Yellow']);
    assert.match(await page.textContent('#cases'), /Household registration/);

    assert.deepEqual(p.record.pageErrors, [], 'no uncaught errors');
    assert.deepEqual(p.record.consoleErrors, [], 'no console errors');
    const base = s.server.base;
    assert.deepEqual(p.record.requests.filter((u) => !u.startsWith(base) && !u.startsWith('data:')), [], 'no other origin');
    await page.close();
  }));
});
