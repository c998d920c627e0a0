// Issue 8, item 16 — kind: the phone ticket page (/t/{id}) tells the truth
// in each state and says when it does not know. In Debian's Chromium
// (playwright-core) against the real `tingwu` binary on the small test hall:
// a ticket of queue C (tax) while no window of C is open must not promise
// "预计等候 0 分钟"; the page says the wait is unknown. A ticket transferred
// to another queue names the queue it now waits in, not its old one. A
// skipped ticket (过号) is offered rejoin within the hall's time limit, and
// the offer works.
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
import { Terminal } from './lib/mqtt.mjs';
import { HOST, Server } from './lib/server.mjs';

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

test('phone page: a transferred ticket names the queue it now waits in', { timeout: 15_000 }, async () => {
  const term = new Terminal({ host: HOST, port: server.mqttPort, hall: server.hall, device: 'T01',
    password: 'pw-T01', window: '1' });
  try {
    await term.connect();
    await term.act('login', { staff: 'S01', pin: '1111' });
    const ticket = await server.issue({ item: 'general' });
    assert.equal(ticket.queue, 'A');
    await term.act('call', { ticket: ticket.id, reason: 'test: out of order' });
    await term.act('transfer', { queue: 'B' });
    const { page, record } = await openPage(context, `${server.base}/t/${ticket.id}`);
    const queue = await waitInPage(page, 'the ticket card', () => {
      const c = document.getElementById('ticket-card');
      return c && !c.hidden && document.getElementById('status').dataset.status === 'waiting' &&
        document.getElementById('queue').innerText;
    });
    assert.ok(queue.includes('公安业务') && queue.includes('Police services'),
      `the page names the old queue of a transferred ticket: ${JSON.stringify(queue)}`);
    assert.ok(!queue.includes('综合业务'), queue);
    assert.deepEqual(record.pageErrors, [], 'uncaught errors in the page');
    await page.close();
  } catch (err) {
    failed = true;
    err.message += `\n--- tingwu stderr:\n${server.stderrTail(40)}`;
    throw err;
  } finally {
    await term.close().catch(() => {});
  }
});

test('phone page: a skipped ticket is offered rejoin, and rejoins', { timeout: 15_000 }, async () => {
  const term = new Terminal({ host: HOST, port: server.mqttPort, hall: server.hall, device: 'T02',
    password: 'pw-T02', window: '2' });
  try {
    await term.connect();
    await term.act('login', { staff: 'S02', pin: '1111' });
    const ticket = await server.issue({ item: 'general' });
    await term.act('call', { ticket: ticket.id, reason: 'test: out of order' });
    await term.act('skip');
    const { page, record } = await openPage(context, `${server.base}/t/${ticket.id}`);
    const offer = await waitInPage(page, 'the rejoin offer of a skipped ticket', () => {
      const c = document.getElementById('rejoin-card');
      return document.getElementById('status').dataset.status === 'no_show' && c && !c.hidden &&
        document.getElementById('rejoin-text').innerText;
    });
    assert.ok(offer.includes('重新排队') && offer.includes('rejoin'), offer);
    await page.click('#rejoin');
    await waitInPage(page, 'the ticket waiting again', () =>
      document.getElementById('status').dataset.status === 'waiting' &&
      document.getElementById('rejoin-card').hidden, undefined, 10_000);
    assert.deepEqual(record.pageErrors, [], 'uncaught errors in the page');
    await page.close();
  } catch (err) {
    failed = true;
    err.message += `\n--- tingwu stderr:\n${server.stderrTail(40)}`;
    throw err;
  } finally {
    await term.close().catch(() => {});
  }
});
