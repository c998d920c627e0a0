// 大厅公告 (issue 9, "a notice broadcast to the hall screens"), in a real
// browser: the supervisor sends a notice from the dashboard's notice panel
// (/dashboard, dashboard-notice.js) and the hall screen (/screen/hall)
// shows it as a large banner, Chinese with English beneath; the window
// screen of the north area (/screen/w1) does not show a notice for the
// south area, but shows one sent to it by name, scrolling when too long;
// clearing it from the dashboard takes it off the screen. No page logs an
// error.
//
//   cargo build --bin tingwu
//   npm ci --prefix tests/browser
//   TINGWU_BIN=target/debug/tingwu node --test tests/browser/hall_notice.test.mjs
//
// The hall screen with the notice is saved as
// target/screenshots/hall-notice.png (lib/screenshots.mjs).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, waitConnected, waitInPage } from './lib/browser.mjs';
import { screenshot } from './lib/screenshots.mjs';
import { browserSuite } from './lib/suite.mjs';

const suite = browserSuite('notice');
const { guarded } = suite;

const ZH = '南区社保窗口系统维护，暂停办理';
const EN = 'South area: social insurance paused for maintenance';
const LONG = '本窗口今日下午办理时间调整为十四点至十七点，请您合理安排时间，给您带来不便敬请谅解，感谢您的支持与配合';

/** The notice bar of a screen page: shown, its texts and sizes. */
function bar(page) {
  return page.evaluate(() => {
    const el = document.getElementById('hall-notice');
    const zh = el.querySelector('.nzh');
    const en = el.querySelector('.nen');
    const r = el.getBoundingClientRect();
    return {
      shown: !el.hidden && r.height > 0,
      zh: zh ? zh.textContent : null,
      en: en ? en.textContent : null,
      zhPx: zh ? parseFloat(getComputedStyle(zh).fontSize) : 0,
      ticker: !!el.querySelector('.line.ticker'),
      background: getComputedStyle(el).backgroundColor,
      color: getComputedStyle(el).color,
      inView: r.top >= 0 && r.bottom <= window.innerHeight && r.width >= window.innerWidth - 1,
    };
  });
}

describe('hall notices (issue 9)', () => {
  test('sent from the dashboard, shown on the hall screen in scope, cleared from the dashboard',
    { timeout: 40_000 }, guarded(async () => {
      const hall = await openPage(suite.context, `${suite.server.base}/screen/hall`);
      await hall.page.setViewportSize({ width: 1920, height: 1080 });
      const w1 = await openPage(suite.context, `${suite.server.base}/screen/w1`);
      await w1.page.setViewportSize({ width: 1920, height: 1080 });
      await waitConnected(hall.page);
      await waitConnected(w1.page);
      assert.equal((await bar(hall.page)).shown, false, 'no notice before one is sent');

      const dash = await openPage(suite.context, `${suite.server.base}/dashboard`);
      await dash.page.setViewportSize({ width: 1366, height: 768 });
      await dash.page.fill('#user', 'admin');
      await dash.page.fill('#password', 'secret');
      await dash.page.click('#login-btn');
      await waitInPage(dash.page, 'the notice panel with the hall\'s areas and screens', () =>
        !document.getElementById('app').hidden &&
        !!document.querySelector('#notice-scope option[value="area:south"]') &&
        !!document.querySelector('#notice-scope option[value="screen:w1"]'));
      assert.equal((await dash.page.textContent('#notice-section h2')).trim().startsWith('大厅公告'), true);

      // A notice for the south area, for an hour.
      await dash.page.fill('#notice-zh', ZH);
      await dash.page.fill('#notice-en', EN);
      await dash.page.selectOption('#notice-scope', 'area:south');
      await dash.page.fill('#notice-minutes', '60');
      await dash.page.click('#notice-send');
      await waitInPage(dash.page, 'the notice listed as in force', (zh) =>
        [...document.querySelectorAll('#notice-list li[data-notice] .zh')].some((e) => e.textContent === zh), ZH);
      assert.equal(await dash.page.getAttribute('#notice-message', 'data-ok'), 'true');
      await screenshot(dash.page, 'dashboard-notice');

      // The whole-hall screen shows it, large and high-contrast, zh over en.
      await waitInPage(hall.page, 'the notice on the hall screen', (zh) => {
        const e = document.querySelector('#hall-notice .nzh');
        return !document.getElementById('hall-notice').hidden && e && e.textContent === zh;
      }, ZH);
      const shown = await bar(hall.page);
      assert.equal(shown.en, EN);
      assert.ok(shown.zhPx >= 48, `readable across a hall: ${shown.zhPx}px`);
      assert.equal(shown.background, 'rgb(255, 211, 77)');
      assert.equal(shown.color, 'rgb(17, 17, 17)');
      assert.ok(shown.inView, 'the bar spans the screen, inside it');
      // The panels below still fit: every queue of the hall is inside its panel.
      await waitInPage(hall.page, 'the queues refitted under the bar', () => {
        const p = document.getElementById('queues-panel').getBoundingClientRect();
        const qs = [...document.querySelectorAll('#queues .queue')];
        return qs.length === 3 && qs.every((q) => q.getBoundingClientRect().bottom <= p.bottom + 1);
      });
      await screenshot(hall.page, 'hall-notice');

      // Window 1's screen is in the north area: not for it.
      assert.equal((await bar(w1.page)).shown, false, 'a south-area notice is not on a north window screen');

      // One sent to screen w1 by name, too long for one line: it scrolls.
      await dash.page.fill('#notice-zh', LONG);
      await dash.page.fill('#notice-en', '');
      await dash.page.selectOption('#notice-scope', 'screen:w1');
      await dash.page.fill('#notice-minutes', '');
      await dash.page.click('#notice-send');
      await waitInPage(w1.page, 'the long notice on the window screen', (zh) => {
        const e = document.querySelector('#hall-notice .nzh');
        return e && e.textContent === zh && !!document.querySelector('#hall-notice .line.ticker');
      }, LONG);
      assert.equal((await bar(w1.page)).en, null, 'no English line when none was given');
      assert.equal((await bar(hall.page)).zh, ZH, 'the hall screen still shows only its own notice');

      // Cleared from the dashboard: off the hall screen.
      const id = await dash.page.evaluate((zh) =>
        [...document.querySelectorAll('#notice-list li[data-notice]')]
          .find((li) => li.querySelector('.zh').textContent === zh).dataset.notice, ZH);
      await dash.page.click(`#notice-list li[data-notice="${id}"] button`);
      await waitInPage(hall.page, 'the notice gone from the hall screen', () =>
        document.getElementById('hall-notice').hidden);
      await waitInPage(dash.page, 'one notice left on the dashboard', () =>
        document.querySelectorAll('#notice-list li[data-notice]').length === 1);
      assert.equal((await bar(w1.page)).zh, LONG, 'the other notice stays');

      // The English toggle relabels the panel.
      await dash.page.click('#lang');
      await waitInPage(dash.page, 'the panel in English', () =>
        document.querySelector('#notice-section h2').textContent.startsWith('Hall notices'));

      for (const [name, p] of [['hall', hall], ['w1', w1], ['dashboard', dash]]) {
        assert.deepEqual(p.record.pageErrors, [], `${name}: uncaught errors`);
        assert.deepEqual(p.record.consoleErrors, [], `${name}: console errors`);
      }
      await Promise.all([hall.page.close(), w1.page.close(), dash.page.close()]);
    }));
});
