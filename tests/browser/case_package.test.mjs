// The citizen's case query page (/case) for a package (套餐, issue 10) in a
// real browser: Debian's Chromium driven by playwright-core, against the
// real `tingwu` binary running the small test hall with a package item of
// two department parts (police leading, general intake), taken in through
// the API from a ticket called at window 1, one part completed. The page,
// given the package's number and the phone's last four digits, shows the
// package, each part with its status and the steps of all of them, in
// Chinese and in English.
//
//   cargo build --bin tingwu
//   npm ci --prefix tests/browser
//   TINGWU_BIN=target/debug/tingwu node --test tests/browser/case_package.test.mjs

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { launch, openPage, waitInPage } from './lib/browser.mjs';
import { Server, SMALL_HALL } from './lib/server.mjs';

const APPLICANT = { kind: 'person', id_number: '11010519491231002X', name: '欧阳娜娜', phone: '13912345678' };

const PACKAGE = `
[[items]]
id = "move-in"
name = "户口迁入“一件事”"
name_en = "Moving-in package"
department = "police"
queue = "B"
promise_days = 3

[items.case]
materials = [{ name = "身份证", name_en = "ID card" }]

[items.case.package]
name = "我要落户"
name_en = "I want to register my residence"
lead = "police"
parts = [
  { department = "police", name = "户口迁入", name_en = "Residence registration", days = 3 },
  { department = "admin", name = "社区登记", name_en = "Community registration", days = 2 },
]
`;

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
  s.tmp = mkdtempSync(join(tmpdir(), 'tingwu-browser-case-package-'));
  mkdirSync(join(s.tmp, 'data'));
  mkdirSync(join(s.tmp, 'chromium-profile'));
  const config = join(s.tmp, 'hall.toml');
  writeFileSync(config, readFileSync(SMALL_HALL, 'utf8') + PACKAGE);
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

describe('case query page: a package (issue 10)', () => {
  test('shows the package, each department part and every step', guarded(async () => {
    const srv = s.server;
    await srv.issue({ item: 'move-in' });
    const session = await srv.request('POST', '/api/v1/windows/1/session', { staff: 'S01', pin: '1111' });
    assert.equal(session.status, 200, JSON.stringify(session.body));
    const auth = { authorization: `Bearer ${session.body.token}` };
    for (const cmd of [{ id: 'login', action: 'login', staff: 'S01', pin: '1111' }, { id: 'call', action: 'call_next' }]) {
      const r = await srv.request('POST', '/api/v1/windows/1/commands', cmd, auth);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.ok, true, JSON.stringify(r.body));
    }
    const taken = await srv.request('POST', '/api/v1/cases', { applicant: APPLICANT, materials: ['身份证'] }, auth);
    assert.equal(taken.status, 201, JSON.stringify(taken.body));
    const number = taken.body.package.number;
    const done = await srv.request('POST', `/api/v1/cases/${number}-P2/approve`, {}, auth);
    assert.equal(done.status, 200, JSON.stringify(done.body));

    const p = await openPage(s.context, `${srv.base}/case?n=${encodeURIComponent(number)}`);
    const { page } = p;
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN');
    await page.fill('#check', '5678');
    await page.click('button.go');
    await waitInPage(page, 'the parts', () => document.querySelectorAll('#stages tr').length === 2);
    assert.equal(await page.textContent('#status'), '办理中');
    assert.match(await page.textContent('#item'), /我要落户/);
    assert.match(await page.textContent('#facts'), /1 \/ 2/);
    // The deadline row shows the promised deadline the API answers; no
    // completion row while the package is open.
    const open = await srv.request('GET', `/api/v1/cases/${number}/public?check=5678`);
    assert.equal(open.status, 200, JSON.stringify(open.body));
    assert.match(open.body.deadline, /^\d{4}-\d{2}-\d{2}$/);
    const row = (key) => page.evaluate((k) => {
      const tr = document.querySelector(`#facts tr[data-row="${k}"]`);
      return tr ? [...tr.cells].map((td) => td.textContent) : null;
    }, key);
    assert.deepEqual(await row('deadline'), ['承诺办结日期', open.body.deadline]);
    assert.equal(await row('completed'), null);
    assert.equal(await page.textContent('#stages-card h2'), '部门子件');
    const parts = await page.evaluate(() => [...document.querySelectorAll('#stages tr')].map((tr) => ({
      number: tr.dataset.number, status: tr.dataset.status, text: tr.innerText,
    })));
    assert.deepEqual(parts.map((r) => [r.number, r.status]), [[`${number}-P1`, 'in_progress'], [`${number}-P2`, 'completed']]);
    assert.match(parts[0].text, /公安局.*牵头/);
    assert.match(parts[0].text, /办理中/);
    assert.match(parts[1].text, /综合受理/);
    assert.match(parts[1].text, /已办结/);
    const kinds = await page.evaluate(() => [...document.querySelectorAll('#history li')].map((li) => li.dataset.type));
    assert.ok(kinds.includes('package_received'), kinds.join(','));
    assert.equal(kinds.filter((k) => k === 'received').length, 2, kinds.join(','));
    assert.ok(kinds.includes('completed'), kinds.join(','));
    assert.ok(!(await page.content()).includes(APPLICANT.name), 'the name is masked');

    // English.
    await page.click('#lang');
    await waitInPage(page, 'English', () => document.getElementById('title').textContent === 'Case query');
    assert.equal(await page.textContent('#status'), 'in progress');
    assert.equal(await page.textContent('#stages-card h2'), 'Department parts');
    assert.match(await page.textContent('#stages'), /Public security bureau \(lead\)/);

    // The last part completed: the deadline stays the deadline and the day
    // of completion gets its own row.
    const last = await srv.request('POST', `/api/v1/cases/${number}-P1/approve`, {}, auth);
    assert.equal(last.status, 200, JSON.stringify(last.body));
    const closed = await srv.request('GET', `/api/v1/cases/${number}/public?check=5678`);
    assert.equal(closed.status, 200, JSON.stringify(closed.body));
    assert.equal(closed.body.status, 'completed', JSON.stringify(closed.body));
    assert.match(closed.body.completed_on, /^\d{4}-\d{2}-\d{2}$/);
    await page.click('button.go');
    await waitInPage(page, 'completed', () => document.getElementById('status').textContent === 'completed');
    assert.deepEqual(await row('deadline'), ['Due', closed.body.deadline]);
    assert.deepEqual(await row('completed'), ['Completed', closed.body.completed_on]);

    assert.deepEqual(p.record.pageErrors, [], 'no uncaught errors');
    assert.deepEqual(p.record.consoleErrors, [], 'no console errors');
    assert.deepEqual(p.record.requests.filter((u) => !u.startsWith(srv.base) && !u.startsWith('data:')), [], 'no other origin');
    await page.close();
  }));
});
