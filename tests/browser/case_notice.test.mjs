// The acceptance notice page (受理通知书, GET /api/v1/cases/{number}/notice,
// issue 10) in a real browser: Debian's Chromium driven by playwright-core,
// against the real `tingwu` binary running the small test hall whose
// `police` item takes cases (promise 5 working days, a fee of 12.50 yuan,
// the household register tolerated missing). The case is taken in through
// the API by the staff of window 1 through the caller session, as the
// window's page does; the page is opened with that session's bearer token.
//
//   cargo build --bin tingwu
//   npm ci --prefix tests/browser
//   TINGWU_BIN=target/debug/tingwu node --test tests/browser/case_notice.test.mjs

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { openPage, waitInPage } from './lib/browser.mjs';
import { screenshot } from './lib/screenshots.mjs';
import { SMALL_HALL } from './lib/server.mjs';
import { browserSuite } from './lib/suite.mjs';

const APPLICANT = { kind: 'person', id_number: '11010519491231002X', name: '欧阳娜娜', phone: '13912345678' };

/** The small hall with `police` taking cases. */
function hallWithCases() {
  const text = readFileSync(SMALL_HALL, 'utf8');
  const anchor = 'materials = ["身份证", "户口簿"]\n\n[[items]]\nid = "tax"';
  assert.ok(text.includes(anchor), 'small hall layout changed: the police item is not where it was');
  return text.replace(anchor, `materials = ["身份证", "户口簿"]
[items.case]
fee_fen = 1250
steps = [{ name = "受理", name_en = "Acceptance", days = 0 }, { name = "审查", name_en = "Review", days = 4 }]
materials = [{ name = "身份证", name_en = "ID card" }, { name = "户口簿", name_en = "Household register", tolerated = true }]

[[items]]
id = "tax"`);
}

const s = browserSuite('case-notice', { config: hallWithCases() });

describe('acceptance notice page (issue 10)', () => {
  test('shows the case, what is owed and by when, in Chinese and English, with no console errors', s.guarded(async () => {
    const srv = s.server;
    await srv.issue({ item: 'police' });
    const session = await srv.request('POST', '/api/v1/windows/1/session', { staff: 'S01', pin: '1111' });
    assert.equal(session.status, 200, JSON.stringify(session.body));
    const auth = { authorization: `Bearer ${session.body.token}` };
    for (const cmd of [{ id: 'n-login', action: 'login', staff: 'S01', pin: '1111' }, { id: 'n-call', action: 'call_next' }]) {
      const r = await srv.request('POST', '/api/v1/windows/1/commands', cmd, auth);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.ok, true, JSON.stringify(r.body));
    }
    const taken = await srv.request('POST', '/api/v1/cases', { applicant: APPLICANT, materials: ['身份证'] }, auth);
    assert.equal(taken.status, 201, JSON.stringify(taken.body));
    const number = taken.body.case.number;

    await s.context.setExtraHTTPHeaders(auth);
    const p = await openPage(s.context, `${srv.base}/api/v1/cases/${number}/notice`);
    const { page } = p;
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN');
    assert.equal(await page.textContent('#number'), number);
    const facts = await page.innerText('#facts');
    assert.match(facts, /户籍办理/);
    assert.match(facts, /12\.50 元/);
    assert.match(facts, /5 个工作日/);
    assert.match(facts, /欧\*\*娜/);
    assert.ok(!facts.includes(APPLICANT.name) && !facts.includes(APPLICANT.phone), 'applicant masked');
    const owed = await page.innerText('#owed');
    assert.match(owed, /户口簿/);
    assert.match(owed, /请于 \d{4}-\d{2}-\d{2} 前补交/);
    assert.ok(await page.$('.qr svg'), 'a QR code');
    await screenshot(page, 'case-notice-zh', { fullPage: true });

    await page.click('#lang');
    await waitInPage(page, 'English', () => document.documentElement.lang === 'en');
    const english = await page.innerText('#owed');
    assert.match(english, /Household register/);
    assert.match(english, /hand in the following by \d{4}-\d{2}-\d{2}/);
    assert.match(await page.innerText('#facts'), /CNY 12\.50/);
    await screenshot(page, 'case-notice-en', { fullPage: true });

    // Printing hides the toolbar.
    await page.emulateMedia({ media: 'print' });
    assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector('.bar')).display), 'none');

    assert.deepEqual(p.record.pageErrors, [], 'no uncaught errors');
    assert.deepEqual(p.record.consoleErrors, [], 'no console errors');
    const base = srv.base;
    assert.deepEqual(p.record.requests.filter((u) => !u.startsWith(base) && !u.startsWith('data:')), [], 'no other origin');
    await page.close();
  }));
});
