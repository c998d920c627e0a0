// Issue 8, item 7 — kind: the end of a hall day follows one explicit rule
// for tickets still waiting, shown the same way everywhere. In Debian's
// Chromium (playwright-core) against the real `tingwu` binary: a ticket
// taken on one hall day and still waiting when the next day starts (here
// the server is restarted with the hall's clock zone moved from UTC-12 to
// UTC+14, so its hall day is later) shows on the phone page (/t/{id}) as
// 已过期（当日未办理）/ expired, with no people ahead and no expected time —
// the hall's default `[calling] day_end = "close"`.
//
//   cargo build --bin tingwu
//   npm ci --prefix tests/browser
//   TINGWU_BIN=target/debug/tingwu node --test tests/browser/day_end_page.test.mjs

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { launch, openPage, waitInPage } from './lib/browser.mjs';
import { SMALL_HALL, Server } from './lib/server.mjs';

let tmp;
let server;
let context;
let failed = false;

process.on('exit', () => { if (server) server.killNow(); });

/** The small test hall with its clock in `zone`. */
function hallIn(zone, name) {
  const text = readFileSync(SMALL_HALL, 'utf8').replace(/^timezone\s*=.*$/m, `timezone = "${zone}"`);
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
}

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'tingwu-browser-day-end-'));
  mkdirSync(join(tmp, 'data'));
  mkdirSync(join(tmp, 'chromium-profile'));
  context = await launch(join(tmp, 'chromium-profile'));
}, { timeout: 15_000 });

after(async () => {
  if (context) await context.close().catch(() => {});
  if (server) await server.stop(5_000);
  if (tmp) {
    if (failed || process.env.TINGWU_BROWSER_KEEP) console.log(`kept ${tmp} (server log)`);
    else rmSync(tmp, { recursive: true, force: true });
  }
}, { timeout: 8_000 });

test('phone page: a ticket left waiting when its day ended says expired, not waiting', { timeout: 40_000 }, async () => {
  try {
    const logPath = join(tmp, 'tingwu.stderr.log');
    const dataDir = join(tmp, 'data');
    server = new Server({ dataDir, logPath, config: hallIn('Etc/GMT+12', 'behind.toml') });
    await server.start(10_000);
    const ticket = await server.issue({ item: 'general' });
    await server.stop(5_000);
    server = new Server({ dataDir, logPath, config: hallIn('Etc/GMT-14', 'ahead.toml') });
    await server.start(10_000);

    const { page, record } = await openPage(context, `${server.base}/t/${ticket.id}`);
    const shown = await waitInPage(page, 'the ticket card with a status', () => {
      const c = document.getElementById('ticket-card');
      const s = document.getElementById('status');
      return c && !c.hidden && s.dataset.status && { status: s.dataset.status, text: s.innerText };
    });
    assert.equal(shown.status, 'expired', `the page shows a ticket of an ended day as ${JSON.stringify(shown)}`);
    assert.ok(shown.text.includes('已过期（当日未办理）') && shown.text.includes('Expired'), shown.text);
    assert.equal(await page.isHidden('#wait-card'), true, 'people ahead / expected time shown for an expired ticket');
    const notice = await page.textContent('#notice');
    assert.ok(notice.includes('重新取号') && notice.includes('new ticket'), notice);
    assert.deepEqual(record.pageErrors, [], 'uncaught errors in the page');
    await page.close();
  } catch (err) {
    failed = true;
    if (server) err.message += `\n--- tingwu stderr:\n${server.stderrTail(40)}`;
    throw err;
  }
});
