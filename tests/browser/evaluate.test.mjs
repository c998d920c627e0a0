// The evaluator tablet page (/evaluate/{window}; 好差评) against issue 9,
// in a real browser: Debian's Chromium driven by playwright-core, against
// the real `tingwu` binary running the small test hall with an evaluator
// device EV01 (password pw-EV01) at window 1.
//
//   cargo build --bin tingwu
//   npm ci --prefix tests/browser
//   TINGWU_BIN=target/debug/tingwu node --test tests/browser/evaluate.test.mjs
//
// The screenshot is saved as target/screenshots/evaluate.png.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { openPage, waitInPage } from './lib/browser.mjs';
import { Terminal } from './lib/mqtt.mjs';
import { HOST, REPO, SMALL_HALL, Server } from './lib/server.mjs';
import { browserSuite } from './lib/suite.mjs';

const suite = browserSuite('evaluate');
const { guarded } = suite;
const SCREENSHOTS = join(REPO, 'target', 'screenshots');

describe('evaluator tablet page (issue 9, 好差评)', () => {
  test('set-up with the device password, a prompt after a finished service, zh/en, a ★2 rating with an indicator and a reason',
    { timeout: 40_000 }, guarded(async () => {
      const config = join(suite.tmp, 'hall-with-evaluator.toml');
      writeFileSync(config, readFileSync(SMALL_HALL, 'utf8') +
        '\n[[devices]]\nid = "EV01"\nkind = "evaluator"\npassword = "pw-EV01"\nwindow = "1"\n');
      mkdirSync(join(suite.tmp, 'data2'));
      const server = new Server({ config, dataDir: join(suite.tmp, 'data2'), logPath: join(suite.tmp, 'tingwu2.stderr.log') });
      await server.start(10_000);
      try {
        const { page, record } = await openPage(suite.context, `${server.base}/evaluate/1`);
        await page.setViewportSize({ width: 1280, height: 800 });
        assert.equal(await page.isVisible('#setup'), true);
        await page.fill('#device', 'EV01');
        await page.fill('#password', 'pw-EV01');
        await page.click('#setup button[type=submit]');
        await waitInPage(page, 'the idle panel', () => !document.getElementById('panel').classList.contains('hidden') &&
          document.getElementById('info').textContent.includes('办理完成后可评价'));
        assert.equal(await page.isVisible('#form'), false);

        // Window 1 serves and finishes a ticket: the prompt opens.
        const term = new Terminal({ host: HOST, port: server.mqttPort, hall: server.hall,
          device: 'T01', password: 'pw-T01', window: '1' });
        await term.connect();
        await term.act('login', { staff: 'S01', pin: '1111' });
        const ticket = await server.issue({ item: 'general' });
        await term.act('call_next');
        await term.act('start');
        await term.act('finish');
        await waitInPage(page, 'the rating form', (n) => !document.getElementById('form').classList.contains('hidden') &&
          document.getElementById('info').textContent.includes(n), ticket.number, 8_000);
        const labels = await page.evaluate(() => [...document.querySelectorAll('#grades button')].map((b) => b.textContent));
        assert.deepEqual(labels, ['★★★★★非常满意', '★★★★满意', '★★★基本满意', '★★不满意', '★非常不满意']);
        const box = await page.locator('#grades button[data-stars="5"]').boundingBox();
        assert.ok(box.height >= 100, `grade buttons too small: ${JSON.stringify(box)}`);

        // English and back.
        await page.click('#lang');
        await waitInPage(page, 'English labels', () => document.querySelector('#grades button[data-stars="1"]').textContent.includes('Very dissatisfied'));
        assert.match(await page.textContent('h1'), /Rate our service/);
        await page.click('#lang');
        await waitInPage(page, 'Chinese labels', () => document.querySelector('#grades button[data-stars="1"]').textContent.includes('非常不满意'));

        // ★2 不满意, 服务态度 ★1, a reason.
        await page.click('#grades button[data-stars="2"]');
        await page.click('#indicators tr:nth-child(3) td:nth-child(6) button');
        await page.click('#reasons label:nth-child(4) input');
        mkdirSync(SCREENSHOTS, { recursive: true });
        await page.screenshot({ path: join(SCREENSHOTS, 'evaluate.png') });
        await page.click('#send');
        await waitInPage(page, 'the thanks', () => document.getElementById('message').textContent.includes('感谢您的评价'));

        const { status, body } = await server.request('GET', `/api/v1/tickets/${ticket.id}/evaluation`);
        assert.equal(status, 200, JSON.stringify(body));
        assert.equal(body.stars, 2);
        assert.equal(body.channel, 'tablet');
        assert.equal(body.staff, 'S01');
        assert.equal(body.indicators.attitude, 'very_dissatisfied');
        assert.deepEqual(body.reasons, ['态度不好']);
        await term.close?.();

        assert.deepEqual(record.pageErrors, [], 'uncaught errors in the page');
        assert.deepEqual(record.consoleErrors, [], 'console errors');
        await page.close();
      } finally {
        await server.stop(5_000);
      }
    }));
});
