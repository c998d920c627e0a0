// Issue 8, item 16 — kind: the phone ticket page (/t/{id}) tells the truth
// in each state and says when it does not know. In Debian's Chromium
// (playwright-core) against the real `tingwu` binary on the small test hall:
// a ticket of queue C (tax) while no window of C is open must not promise
// "预计等候 0 分钟"; the page says the wait is unknown.
//
//   cargo build --bin tingwu
//   npm ci --prefix tests/browser
//   TINGWU_BIN=target/debug/tingwu node --test tests/browser/ticket_page.test.mjs

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { launch, openPage, waitInPage } from './lib/browser.mjs';
import { Server } from './lib/server.mjs';

let tmp;
let server;
let context;
let failed = false;

process.on('exit', () => { if (server) server.killNow(); });

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'tingwu-browser-ticket-'));
  mkdirSync(join(tmp, 'data'));
  mkdirSync(join(tmp, 'chromium-profile'));
  server = new Server({ dataDir: join(tmp, 'data'), logPath: join(tmp, 'tingwu.stderr.log') });
  await server.start(10_000);
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

test('phone page: no window serving the queue means the wait is unknown, not 0 minutes', { timeout: 15_000 }, async () => {
  try {
    const ticket = await server.issue({ item: 'tax' });
    const { page, record } = await openPage(context, `${server.base}/t/${ticket.id}`);
    await waitInPage(page, 'the wait card', () => {
      const c = document.getElementById('wait-card');
      return c && !c.hidden && document.getElementById('ahead').textContent !== '-';
    });
    const wait = await page.textContent('#wait');
    assert.notEqual(wait.trim(), '0', 'the page promises a wait of 0 minutes in a queue nobody serves');
    const note = await waitInPage(page, 'the wait said to be unknown', () => {
      const el = document.getElementById('wait-unknown');
      return el && !el.hidden && el.innerText;
    });
    assert.ok(note.includes('等候时间未知') && note.includes('wait is unknown'), note);
    assert.equal((await page.textContent('#eta')).trim(), '--:--');
    assert.deepEqual(record.pageErrors, [], 'uncaught errors in the page');
    await page.close();
  } catch (err) {
    failed = true;
    err.message += `\n--- tingwu stderr:\n${server.stderrTail(40)}`;
    throw err;
  }
});
