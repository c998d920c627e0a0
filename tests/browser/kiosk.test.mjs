// The kiosk page (/kiosk/{kiosk}; 取号机页面) against issue 9 (items 1 and
// 5), in a real browser: Debian's Chromium driven by playwright-core on a
// 1080×1920 portrait touch screen, against the real `tingwu` binary
// running the small test hall (kiosk K01, device password pw-K01; items
// general/police/tax; supervisor admin / secret).
//
//   cargo build --bin tingwu
//   npm ci --prefix tests/browser
//   TINGWU_BIN=target/debug/tingwu node --test tests/browser/kiosk.test.mjs
//
// The screenshot is saved as target/screenshots/kiosk.png and copied to
// docs/screenshots/kiosk.png for the README (lib/screenshots.mjs).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { openPage, waitInPage } from './lib/browser.mjs';
import { Terminal } from './lib/mqtt.mjs';
import { HOST, REPO, SMALL_HALL, Server } from './lib/server.mjs';
import { screenshot } from './lib/screenshots.mjs';
import { browserSuite } from './lib/suite.mjs';

const suite = browserSuite('kiosk');
const { guarded } = suite;
const PHONE = '13812345678';

/** Presses the on-screen keys for `text`. */
async function type(page, text) {
  for (const ch of text) await page.click(`#keys button[data-key="${ch}"]`);
}

/** `HH:MM` of an RFC 3339 time in the browser's time zone, as the page shows it. */
function hhmmIn(page, iso) {
  return page.evaluate((t) => {
    const d = new Date(t);
    return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
  }, iso);
}

/** A GB 11643 ID number: area, birth date (YYYYMMDD), sequence, check character. */
function idNumber(area, born, seq) {
  const first = `${area}${born}${seq}`;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first].reduce((acc, d, i) => acc + Number(d) * weights[i], 0);
  return first + '10X98765432'[sum % 11];
}

/** socat's pseudo-terminal pair and the card reader emulator on one end
 * (lib/card_reader_emulator.py, the e2e tests' emulator): `present(card)`
 * resolves when the reader has read it. */
async function cardReader(dir) {
  mkdirSync(dir);
  const [a, b] = [join(dir, 'a'), join(dir, 'b')];
  const socat = spawn('socat', [`pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: 'ignore' });
  for (let i = 0; i < 100 && !(existsSync(a) && existsSync(b)); i++) await new Promise((ok) => setTimeout(ok, 50));
  const emu = spawn('python3', [join(REPO, 'tests/browser/lib/card_reader_emulator.py'), b], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: emu.stdout });
  const waiting = [];
  lines.on('line', (line) => { const w = waiting.shift(); if (w) w(line); });
  const next = () => new Promise((ok) => waiting.push(ok));
  const ready = await next();
  assert.equal(ready, 'ready');
  return {
    path: a,
    present: (card) => { const served = next(); emu.stdin.write(`${JSON.stringify(card)}\n`); return served; },
    stop: () => { emu.kill(); socat.kill(); },
  };
}

const HAVE_SOCAT = spawnSync('socat', ['-V'], { stdio: 'ignore' }).status === 0;

/** Resource-load lines the browser logs for refusals the test asks for. */
const expected = (codes) => (e) => !codes.some((c) => e.text.includes(`status of ${c}`));

describe('kiosk page (issue 9)', () => {
  test('set-up with the device password, items by department, a ticket by phone with people ahead and the predicted time, refusals',
    { timeout: 40_000 }, guarded(async () => {
      const { server } = suite;
      const { page, record } = await openPage(suite.context, `${server.base}/kiosk/K01`);
      await page.setViewportSize({ width: 1080, height: 1920 });

      // First the set-up step, in Chinese; a wrong password is refused clearly.
      assert.equal(await page.isVisible('#setup'), true);
      assert.equal(await page.isVisible('#items'), false);
      assert.equal((await page.textContent('#setup h2')).trim(), '取号机设置');
      await page.fill('#setup-password', 'wrong');
      await page.click('#setup-save');
      const refused = await waitInPage(page, 'the set-up error', () => document.getElementById('setup-error').textContent);
      assert.match(refused, /设备密码错误/);
      assert.match(refused, /Wrong device password/);
      assert.equal(await page.evaluate(() => localStorage.getItem('tingwu.kiosk.K01.password')), null);

      await page.fill('#setup-password', 'pw-K01');
      await page.click('#setup-save');
      await waitInPage(page, 'the items', () => !document.getElementById('items').hidden &&
        document.querySelectorAll('#item-list .item').length === 3);
      assert.equal(await page.evaluate(() => localStorage.getItem('tingwu.kiosk.K01.password')), 'pw-K01');
      await waitInPage(page, 'the event poll connected', () => document.getElementById('conn').dataset.state === 'open');
      // Grouped by department, with the department's name.
      const depts = await page.evaluate(() => [...document.querySelectorAll('#item-list .dept')].map((d) =>
        [d.dataset.department, d.querySelector('h3').textContent, [...d.querySelectorAll('.item')].map((i) => i.dataset.item)]));
      assert.deepEqual(depts, [['admin', '综合受理', ['general', 'tax']], ['police', '公安局', ['police']]]);
      // K01 has no ID-card reader here, so the page does not invite a card.
      await waitInPage(page, 'the card hint hidden', () => document.getElementById('card-hint').hidden);
      // Touch-sized targets.
      const box = await page.locator('.item[data-item="general"]').boundingBox();
      assert.ok(box.height >= 100 && box.width >= 280, `item tile too small: ${JSON.stringify(box)}`);

      // Window 3 is staffed (so a call time can be predicted) and two
      // people already wait for "general".
      const term = new Terminal({ host: HOST, port: server.mqttPort, hall: server.hall,
        device: 'T03', password: 'pw-T03', window: '3' });
      await term.connect();
      await term.act('login', { staff: 'S03', pin: '1111' });
      await server.issue({ item: 'general' });
      await server.issue({ item: 'general' });

      // By phone number on the on-screen keypad.
      await page.click('.item[data-item="general"]');
      await page.click('#m-phone');
      assert.equal(await page.isDisabled('#key-ok'), true);
      await type(page, PHONE);
      assert.equal(await page.getAttribute('#entry', 'data-value'), PHONE);
      await page.click('#key-ok');
      await waitInPage(page, 'the ticket', () => !document.getElementById('ticket-view').hidden &&
        document.getElementById('t-number').textContent.length > 0);
      const id = await page.getAttribute('#t-number', 'data-ticket');
      const shown = await page.evaluate(() => ({
        number: document.getElementById('t-number').textContent,
        ahead: document.getElementById('t-ahead').textContent,
        eta: document.getElementById('t-eta').textContent,
        item: document.getElementById('t-item').textContent,
        direction: document.getElementById('t-direction').textContent,
        print: document.getElementById('t-print').dataset.status,
        qr: !!document.querySelector('#t-qr img'),
      }));
      const api = await server.request('GET', `/api/v1/tickets/${id}`);
      assert.equal(api.status, 200, JSON.stringify(api.body));
      assert.equal(shown.number, api.body.number);
      assert.equal(shown.ahead, String(api.body.people_ahead));
      assert.equal(api.body.people_ahead, 2);
      assert.ok(api.body.expected_call_at, 'the API predicts a call time');
      // The prediction is "now + wait", so it may have moved on by a minute.
      const etaNow = await hhmmIn(page, api.body.expected_call_at);
      const etaBefore = await hhmmIn(page, new Date(Date.parse(api.body.expected_call_at) - 60_000).toISOString());
      assert.ok([etaNow, etaBefore].includes(shown.eta), `page shows ${shown.eta}, the API ${etaNow}`);
      assert.equal(shown.item, '综合咨询');
      assert.match(shown.direction, /^请到 .+ 办理/);
      // K01 has no printer here: the status page's QR code is offered.
      assert.equal(shown.print, 'none');
      assert.equal(shown.qr, true);
      await screenshot(page, 'kiosk', { readme: true });
      await term.close();

      // A refusal, in both languages: this phone's tickets for the item are used up.
      await server.issue({ item: 'general', phone: PHONE });
      await server.issue({ item: 'general', phone: PHONE });
      await page.click('#t-done');
      await page.click('.item[data-item="general"]');
      await page.click('#m-phone');
      await type(page, PHONE);
      await page.click('#key-ok');
      await waitInPage(page, 'the limit refusal', () => !document.getElementById('refusal').hidden &&
        document.getElementById('refusal').dataset.code === 'limit_reached');
      assert.equal((await page.textContent('#refusal-zh')).trim(), '今日该事项取号次数已达上限');
      assert.match(await page.textContent('#refusal-en'), /ticket limit/);

      // An item with every window disabled is greyed with its reason (the
      // page reads the items again when it goes back to them).
      const auth = { authorization: `Bearer ${await server.staffToken()}` };
      for (const w of ['1', '2', '24']) {
        const r = await server.request('PUT', `/api/v1/windows/${w}/enabled`, { enabled: false, reason: 'test' }, auth);
        assert.equal(r.status, 200, JSON.stringify(r.body));
      }
      await page.click('#refusal-ok');
      const tax = await waitInPage(page, 'tax greyed', () => {
        const t = document.querySelector('.item[data-item="tax"]');
        return t && t.dataset.open === 'false' && t.querySelector('.reason').textContent;
      });
      assert.match(tax, /该事项窗口均已停用/);
      assert.match(tax, /Every window for this item is closed/);
      await page.click('.item[data-item="tax"]');
      await waitInPage(page, 'the closed refusal', () => document.getElementById('refusal').dataset.code === 'no_open_window' &&
        !document.getElementById('refusal').hidden);
      await page.click('#refusal-ok');
      for (const w of ['1', '2', '24']) {
        await server.request('PUT', `/api/v1/windows/${w}/enabled`, { enabled: true }, auth);
      }

      // English on request.
      await page.click('#lang');
      assert.equal((await page.textContent('header h1')).trim(), 'Self-service tickets');
      assert.equal((await page.textContent('.item[data-item="general"]')).trim(), 'General enquiries');
      await page.click('#lang');

      // Staff reset: the current password, then the set-up step again.
      await page.click('#reset');
      await page.fill('#setup-password', 'pw-K01');
      await page.click('#setup-save');
      await waitInPage(page, 'the set-up step again', () => !document.getElementById('setup').hidden &&
        document.getElementById('setup-cancel').hidden);
      assert.equal(await page.evaluate(() => localStorage.getItem('tingwu.kiosk.K01.password')), null);

      const outside = record.requests.filter((u) => !u.startsWith(server.base) && !u.startsWith('data:'));
      assert.deepEqual(outside, []);
      assert.deepEqual(record.pageErrors, [], 'uncaught errors in the page');
      // The wrong password (401) and the refused ticket (429) are the browser's own lines.
      assert.deepEqual(record.consoleErrors.filter(expected([401, 429])), [], 'console errors');
      await page.close();
    }));

  test('the printer out of service: the SMS/QR ticket; the special-group password; a stored password skips set-up',
    { timeout: 40_000 }, guarded(async () => {
      // The small hall with a printer for K01 that nothing listens for.
      const config = join(suite.tmp, 'hall-with-printer.toml');
      writeFileSync(config, readFileSync(SMALL_HALL, 'utf8') +
        '\n[[printers]]\nid = "P1"\nkiosk = "K01"\naddress = "127.0.0.1:9"\n\n[priority]\nspecial_password = "special"\n');
      mkdirSync(join(suite.tmp, 'data2'));
      const server = new Server({ config, dataDir: join(suite.tmp, 'data2'), logPath: join(suite.tmp, 'tingwu2.stderr.log') });
      await server.start(10_000);
      try {
        const { page, record } = await openPage(suite.context, `${server.base}/kiosk/K01`);
        await page.setViewportSize({ width: 1920, height: 1080 });
        await page.evaluate(() => localStorage.setItem('tingwu.kiosk.K01.password', 'pw-K01'));
        await page.reload();
        await waitInPage(page, 'the items without set-up', () => !document.getElementById('items').hidden &&
          document.querySelectorAll('#item-list .item').length === 3);

        await page.click('.item[data-item="police"]');
        await page.click('#m-plain');
        await waitInPage(page, 'the ticket', () => !document.getElementById('ticket-view').hidden);
        const fallback = await waitInPage(page, 'the printer out of service', () => {
          const p = document.getElementById('t-print');
          return p.dataset.status === 'out_of_service' && !document.getElementById('t-fallback').hidden &&
            document.querySelector('#t-qr img') && { qr: document.getElementById('t-fallback').dataset.qr, text: p.textContent };
        });
        const id = await page.getAttribute('#t-number', 'data-ticket');
        assert.equal(fallback.qr, `/t/${id}`);
        assert.match(fallback.text, /打印机暂停服务/);
        assert.match(fallback.text, /out of service/);
        await page.click('#t-done');

        // The special-group password: wrong, then right.
        await page.click('.item[data-item="general"]');
        await page.click('#m-special');
        await page.fill('#special-password', 'nope');
        await page.click('#special-ok');
        await waitInPage(page, 'the special refusal', () => document.getElementById('refusal').dataset.code === 'priority_not_allowed' &&
          !document.getElementById('refusal').hidden);
        await page.click('#refusal-ok');
        await page.fill('#special-password', 'special');
        await page.click('#special-ok');
        await waitInPage(page, 'the special ticket', () => !document.getElementById('ticket-view').hidden);
        const special = await page.getAttribute('#t-number', 'data-ticket');
        const api = await server.request('GET', `/api/v1/tickets/${special}`);
        assert.equal(api.body.priority, 'special');

        assert.deepEqual(record.pageErrors, [], 'uncaught errors in the page');
        assert.deepEqual(record.consoleErrors.filter(expected([403])), [], 'console errors');
        await page.close();
      } finally {
        await server.stop(5_000);
      }
    }));

  test('an ID card read at the kiosk shows its ticket; a read that took none shows why, also after the page was offline',
    { timeout: 40_000, skip: HAVE_SOCAT ? false : 'socat is not installed' }, guarded(async () => {
      const reader = await cardReader(join(suite.tmp, 'pty'));
      // The small hall with reader R1 at kiosk K01, taking "tax" tickets
      // (windows 1, 2 and 24 serve tax).
      const config = join(suite.tmp, 'hall-with-reader.toml');
      writeFileSync(config, readFileSync(SMALL_HALL, 'utf8') +
        `\n[[card_readers]]\nid = "R1"\npath = "${reader.path}"\nkiosk = "K01"\nitem = "tax"\n`);
      mkdirSync(join(suite.tmp, 'data3'));
      const server = new Server({ config, dataDir: join(suite.tmp, 'data3'), logPath: join(suite.tmp, 'tingwu3.stderr.log') });
      await server.start(10_000);
      try {
        const { page, record } = await openPage(suite.context, `${server.base}/kiosk/K01`);
        await page.evaluate(() => localStorage.setItem('tingwu.kiosk.K01.password', 'pw-K01'));
        await page.reload();
        await waitInPage(page, 'polling the kiosk events', () => document.getElementById('conn').dataset.state === 'open');
        await waitInPage(page, 'the card hint', () => document.getElementById('kiosk-name').textContent === '1号取号机' &&
          !document.getElementById('card-hint').hidden);

        const first = idNumber('110101', '19860506', '321');
        await reader.present({ name: '赵小燕', sex: '2', born: '1986-05-06', id_number: first });
        const shown = await waitInPage(page, 'the card ticket', () => !document.getElementById('ticket-view').hidden &&
          { id: document.getElementById('t-number').dataset.ticket, source: document.getElementById('t-source').textContent });
        const api = await server.request('GET', `/api/v1/tickets/${shown.id}`);
        assert.equal(api.status, 200);
        assert.equal(await page.textContent('#t-number'), api.body.number);
        assert.equal(await page.textContent('#t-ahead'), String(api.body.people_ahead));
        assert.match(shown.source, /身份证/);
        assert.ok(shown.source.includes(`${first.slice(0, 3)}${'*'.repeat(11)}${first.slice(-4)}`), shown.source);
        assert.ok(shown.source.includes('赵*燕'), shown.source);
        await page.click('#t-done');

        // The page loses the server; meanwhile a read takes no ticket.
        await suite.context.setOffline(true);
        await waitInPage(page, 'the page to notice', () => document.getElementById('conn').dataset.state === 'reconnecting', undefined, 8_000);
        const auth = { authorization: `Bearer ${await server.staffToken()}` };
        for (const w of ['1', '2', '24']) {
          await server.request('PUT', `/api/v1/windows/${w}/enabled`, { enabled: false, reason: 'test' }, auth);
        }
        const second = idNumber('310104', '19960708', '654');
        await reader.present({ name: '钱多多', born: '1996-07-08', id_number: second });
        await suite.context.setOffline(false);
        // Back, it resumes where it was and shows the refusal it missed.
        const refusal = await waitInPage(page, 'the missed refusal', () => !document.getElementById('refusal').hidden &&
          document.getElementById('refusal').dataset.code === 'no_open_window' &&
          { zh: document.getElementById('refusal-zh').textContent, who: document.getElementById('refusal-who').textContent },
          undefined, 35_000);
        assert.match(refusal.zh, /窗口均已停用/);
        assert.ok(refusal.who.includes(`${second.slice(0, 3)}${'*'.repeat(11)}${second.slice(-4)}`), refusal.who);
        assert.equal(await page.evaluate(() => document.getElementById('conn').dataset.state), 'open');
        const polls = record.requests.filter((u) => u.includes('/api/v1/kiosks/K01/events'));
        assert.ok(polls.some((u) => /[?&]since=\d+&epoch=\d+/.test(u)), polls.slice(-3).join('\n'));

        // No plain ID number or name anywhere on the page.
        const html = await page.content();
        for (const secret of [first, second, '赵小燕', '钱多多']) assert.ok(!html.includes(secret), `${secret} on the page`);
        assert.deepEqual(record.pageErrors, [], 'uncaught errors in the page');
        await page.close();
      } finally {
        await server.stop(5_000);
        reader.stop();
      }
    }));
});
