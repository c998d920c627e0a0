// The supervisor dashboard (/dashboard) against issue 9, in a real browser:
// Debian's Chromium driven by playwright-core at 1366×768 (the office PC the
// issue names), against the real `tingwu` binary running the small test
// hall (24 windows; terminals Tnn / pw-Tnn, staff Snn PIN 1111; supervisor
// admin / secret). A window terminal speaks real MQTT (lib/mqtt.mjs).
//
//   cargo build --bin tingwu
//   npm ci --prefix tests/browser
//   TINGWU_BIN=target/debug/tingwu node --test tests/browser/dashboard.test.mjs
//
// The screenshot is saved as target/screenshots/dashboard.png and copied to
// docs/screenshots/dashboard.png for the README (lib/screenshots.mjs).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { openPage, waitInPage } from './lib/browser.mjs';
import { Terminal } from './lib/mqtt.mjs';
import { HOST } from './lib/server.mjs';
import { screenshot } from './lib/screenshots.mjs';
import { browserSuite } from './lib/suite.mjs';

const suite = browserSuite('dashboard');
const { guarded } = suite;

async function terminal(window) {
  const n = String(window).padStart(2, '0');
  const term = new Terminal({ host: HOST, port: suite.server.mqttPort, hall: suite.server.hall,
    device: `T${n}`, password: `pw-T${n}`, window: String(window) });
  await term.connect();
  await term.act('login', { staff: `S${n}`, pin: '1111' });
  return term;
}

/** The tile of window `id`: its state, staff and ticket text. */
function tile(page, id) {
  return page.evaluate((w) => {
    const t = document.querySelector(`#floor .tile[data-window="${w}"]`);
    return t && { state: t.dataset.state, staff: t.querySelector('.staff').textContent,
      number: t.querySelector('.number').textContent, timer: t.querySelector('.timer').textContent };
  }, id);
}

describe('supervisor dashboard (issue 9)', () => {
  test('login, a call over MQTT on the floor map, charts from the statistics API, at 1366×768',
    { timeout: 40_000 }, guarded(async () => {
      const { page, record } = await openPage(suite.context, `${suite.server.base}/dashboard`);
      await page.setViewportSize({ width: 1366, height: 768 });

      // The login form first, in Chinese.
      assert.equal(await page.isVisible('#login'), true);
      assert.equal(await page.isVisible('#app'), false);
      assert.equal((await page.textContent('#login h2')).trim(), '中心管理员登录');

      // A wrong password is refused with the server's own message.
      await page.fill('#user', 'admin');
      await page.fill('#password', 'wrong');
      await page.click('#login-btn');
      await waitInPage(page, 'the login error', () => document.getElementById('login-error').textContent.length > 0);
      assert.match(await page.textContent('#login-error'), /用户名或密码错误/);

      await page.fill('#password', 'secret');
      await page.click('#login-btn');
      await waitInPage(page, 'the dashboard and its live stream', () =>
        !document.getElementById('app').hidden && document.getElementById('conn').dataset.state === 'open' &&
        document.querySelectorAll('#floor .tile').length === 24);
      // Windows are grouped by area, named from the statistics API once it answers.
      await waitInPage(page, 'area names on the floor map', () =>
        [...document.querySelectorAll('#floor .area h3')].map((h) => h.textContent).join('|').includes('北区'));

      // A call made over MQTT reaches the floor map.
      const t5 = await terminal(5);
      try {
        await waitInPage(page, 'window 5 idle with its staff', () => {
          const t = document.querySelector('#floor .tile[data-window="5"]');
          return t && t.dataset.state === 'idle' && t.querySelector('.staff').textContent.includes('S05');
        });
        const ticket = await suite.server.issue({ item: 'general' });
        const reply = await t5.act('call_next');
        assert.equal(reply.ticket.number, ticket.number);
        await waitInPage(page, `window 5 calling ${ticket.number}`, (n) => {
          const t = document.querySelector('#floor .tile[data-window="5"]');
          return t && t.dataset.state === 'called' && t.querySelector('.number').textContent === n;
        }, ticket.number);
        await t5.act('start');
        await waitInPage(page, 'window 5 serving', () =>
          document.querySelector('#floor .tile[data-window="5"]').dataset.state === 'serving');
        // Its service time ticks.
        const first = (await tile(page, '5')).timer;
        assert.match(first, /^\d\d:\d\d$/);
        await waitInPage(page, 'the service timer to tick', (f) =>
          document.querySelector('#floor .tile[data-window="5"] .timer').textContent !== f, first, 3_000);

        // The queue panel counts the ticket the window took.
        await suite.server.issue({ item: 'general' });
        await waitInPage(page, 'queue A with one waiting', () => {
          const row = document.querySelector('#queues tr[data-queue="A"]');
          return row && row.querySelector('.waiting').textContent === '1';
        });

        // More of a hall for the picture: window 1 idle, window 2 paused,
        // two tickets taken online.
        const t1 = await terminal(1);
        const t2 = await terminal(2);
        await t2.act('pause', { reason: '系统维护' });
        await suite.server.issue({ item: 'general', channel: 'online' });
        await suite.server.issue({ item: 'police', channel: 'online' });
        await waitInPage(page, 'window 2 paused', () =>
          document.querySelector('#floor .tile[data-window="2"]').dataset.state === 'paused');
        await t1.close();
        await t2.close();

        // Charts: ECharts draws on a canvas from the statistics API's data.
        await page.click('#range-apply');
        const drawn = await waitInPage(page, 'the hourly chart with all four tickets', () => {
          const el = document.getElementById('chart-hourly');
          const chart = window.echarts && window.echarts.getInstanceByDom(el);
          if (!chart || !el.querySelector('canvas')) return false;
          const series = chart.getOption().series;
          const total = series.reduce((sum, s) => sum + s.data.reduce((a, b) => a + b, 0), 0);
          return total === 4 && series.map((s) => s.name).join('/');
        }, undefined, 8_000);
        assert.equal(drawn, '现场/预约/网上');
        for (const id of ['chart-waits', 'chart-areas']) {
          assert.ok(await page.$(`#${id} canvas`), `${id} has no canvas`);
        }

        // English on request, and the page fits the 1366×768 screen.
        await page.click('#lang');
        assert.equal((await page.textContent('header h1')).trim(), 'Supervisor dashboard');
        assert.equal((await tile(page, '5')).state, 'serving');
        await page.click('#lang');
        const fits = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]);
        assert.ok(fits[0] <= 1366 && fits[1] <= 768, `the page overflows 1366×768: ${fits}`);
        await screenshot(page, 'dashboard', { readme: true });

        // The hall's calling strategy, changed from the page.
        await page.selectOption('#strategy-preset', 'walkin_first');
        await page.fill('#strategy-max-wait', '45');
        await page.fill('#strategy-reason', '午间现场高峰 / midday walk-ins');
        await page.click('#strategy-apply');
        await waitInPage(page, 'the strategy applied', () =>
          document.getElementById('strategy-message').dataset.ok === 'true');
        const strategies = await suite.server.request('GET', '/api/v1/strategies');
        assert.equal(strategies.status, 401, 'strategies need a supervisor');
        const hall = await page.evaluate(async () => {
          const r = await fetch('/api/v1/strategies', { headers: { Authorization: `Bearer ${sessionStorage.getItem('tingwu.dashboard.token')}` } });
          return (await r.json()).hall;
        });
        assert.deepEqual(hall.order, ['returned', 'green', 'special', 'walkin', 'appointment']);
        assert.equal(hall.max_wait_s, 45 * 60);
        assert.match(await page.textContent('#strategy-current'), /现场优先于预约/);

        // A dropped stream comes back by itself and resumes where it was.
        assert.ok(await page.evaluate(() => window.__tingwuTestDropSockets()) >= 1);
        await t5.act('finish');
        await waitInPage(page, 'window 5 idle again after the reconnect', () =>
          document.getElementById('conn').dataset.state === 'open' &&
          document.querySelector('#floor .tile[data-window="5"]').dataset.state === 'idle', undefined, 8_000);
        const urls = record.sockets.map((s) => s.url);
        assert.ok(urls.length >= 2 && /[?&]since=\d+/.test(urls[urls.length - 1]), urls.join('\n'));
      } finally {
        await t5.close();
      }

      // Nothing but the server itself was asked for (no CDN).
      const outside = record.requests.filter((u) => !u.startsWith(suite.server.base) && !u.startsWith('data:'));
      assert.deepEqual(outside, []);
      assert.deepEqual(record.pageErrors, [], 'uncaught errors in the page');
      // The one refused login is the browser's own "failed to load resource" line.
      const errors = record.consoleErrors.filter((e) => !(e.url.endsWith('/api/v1/login') && /401/.test(e.text)));
      assert.deepEqual(errors, [], 'console errors');
      await page.close();
    }));

  // Issue 9 item 4, scaled down (the demo hall itself, 100 windows over
  // ten simulated minutes, is dashboard_demo.test.mjs): six windows serve
  // 180 tickets over MQTT while
  // the page follows the stream and redraws its charts. After a forced
  // garbage collection, its DOM nodes and listeners are exactly where they
  // were after the first 30 tickets, and its JavaScript heap within 2 MB of
  // it (seen: 0.4–1 MB, levelling off — V8's and ECharts' bounded caches
  // and DevTools' network buffer, not per-event state).
  test('the page does not grow while the hall works', { timeout: 120_000 }, guarded(async () => {
    const { page, record } = await openPage(suite.context, `${suite.server.base}/dashboard`);
    await page.setViewportSize({ width: 1366, height: 768 });
    await page.evaluate(() => sessionStorage.clear());
    await page.fill('#user', 'admin');
    await page.fill('#password', 'secret');
    await page.click('#login-btn');
    await waitInPage(page, 'the live dashboard', () => document.getElementById('conn').dataset.state === 'open');
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const measure = async () => {
      await cdp.send('HeapProfiler.collectGarbage');
      const { metrics } = await cdp.send('Performance.getMetrics');
      const m = Object.fromEntries(metrics.map((x) => [x.name, x.value]));
      return { heap: m.JSHeapUsedSize, nodes: m.Nodes, listeners: m.JSEventListeners };
    };
    const terms = [];
    try {
      for (let w = 7; w <= 12; w++) terms.push(await terminal(w));
      const round = async () => {
        for (let i = 0; i < terms.length; i++) await suite.server.issue({ item: 'general', channel: i % 3 === 0 ? 'online' : 'onsite' });
        await Promise.all(terms.map(async (t) => {
          const r = await t.act('call_next');
          assert.ok(r.ticket, JSON.stringify(r));
          await t.act('start');
          await t.act('finish');
        }));
      };
      for (let i = 0; i < 5; i++) await round();
      await page.click('#range-apply');
      await page.waitForTimeout(1_000);
      const before = await measure();
      for (let i = 0; i < 25; i++) await round();
      await page.click('#range-apply');
      await waitInPage(page, 'all 180 tickets charted', () => {
        const c = window.echarts.getInstanceByDom(document.getElementById('chart-hourly'));
        return c && c.getOption().series.reduce((n, s) => n + s.data.reduce((a, b) => a + b, 0), 0) >= 180;
      }, undefined, 10_000);
      await page.waitForTimeout(1_000);
      const after = await measure();
      console.log(`dashboard after 30 and 180 tickets: ${JSON.stringify(before)} → ${JSON.stringify(after)}`);
      assert.ok(after.heap - before.heap < 2 * 1024 * 1024,
        `heap grew from ${before.heap} to ${after.heap} bytes`);
      assert.ok(after.nodes - before.nodes <= 8, `DOM nodes grew from ${before.nodes} to ${after.nodes}`);
      assert.equal(after.listeners, before.listeners, 'event listeners grew');
      assert.equal(await page.evaluate(() => document.querySelectorAll('#floor .tile').length), 24);
      assert.deepEqual(record.pageErrors, []);
      assert.deepEqual(record.consoleErrors, []);
    } finally {
      for (const t of terms) await t.close();
      await page.close();
    }
  }));
});
