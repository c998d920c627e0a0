// Issue 9, acceptance 4: the dashboard keeps up with a hall of 100 windows
// and 30 queues in demo mode without its browser memory growing over ten
// minutes of simulated time. Debian's Chromium (playwright-core) against
// `tingwu serve --demo --demo-hall large --demo-speed 40`: simulated
// citizens and staff act through the real HTTP and MQTT ports, 40
// simulated minutes per real minute, so ten simulated minutes take 15 s.
//
// After the roster has logged in (warm-up), the page's JavaScript heap, DOM
// nodes and event listeners are read through the Chrome DevTools Protocol
// after a forced garbage collection (`HeapProfiler.collectGarbage`,
// `Performance.getMetrics`), halfway and again ten simulated minutes later.
// What was found (probes of 40 simulated minutes): the stream's events add
// nothing that stays (heap flat within 0.1 MB with the statistics reloads
// off); each statistics reload and chart redraw warms ECharts' own caches,
// which level off about 2 MB above the first redraw (flat after ~35
// redraws; the page reloads statistics every 30 s). So the bounds are: heap
// growth under HEAP_BOUND, nodes in the document within NODE_BOUND (a
// tile's ticket number and timer text come and go with its state: 2 × 100
// windows, plus the queue and alarm panels), all nodes Blink holds (with
// detached ones its own collector has not reclaimed yet) under twice those
// in the document, listeners unchanged. The alarm list and the 好差评
// panel grow with the hall's data (a 差评 is an alarm with its 确认
// button; each rated window a ranking row), not with the stream's traffic:
// they are counted apart, bounded per row (about 100 nodes of fixed markup
// and at most 16 per alarm or row), and each 确认 button is the one
// listener allowed to appear. Keeping up: one WebSocket the whole
// time (a client that falls behind is cut loose by the server and would
// reconnect), and at the end every floor-map tile shows the server's
// current window state (`GET /api/v1/windows`, by the views' `version`,
// shown as the tile's `data-version`) within a second.
//
//   cargo build --bin tingwu
//   npm ci --prefix tests/browser
//   TINGWU_BIN=target/debug/tingwu node --test tests/browser/dashboard_demo.test.mjs

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';

import { openPage, waitInPage } from './lib/browser.mjs';
import { screenshot } from './lib/screenshots.mjs';
import { browserSuite } from './lib/suite.mjs';

const SPEED = 40; // simulated minutes per real minute
const SIMULATED_MS = 10 * 60 * 1000; // ten simulated minutes
const HEAP_BOUND = 2 * 1024 * 1024; // bytes
const NODE_BOUND = 250; // nodes in the document

const suite = browserSuite('demo', { server: { config: null, hall: 'demo-large', args: ['--demo', '--demo-hall', 'large', '--demo-speed', String(SPEED)] }, startMs: 20_000 });

describe('the dashboard in the 100-window demo hall (issue 9, acceptance 4)', () => {
  test('ten simulated minutes: memory bounded, the floor map current within a second',
    { timeout: 110_000 }, async () => {
      try {
        const { page, record } = await openPage(suite.context, `${suite.server.base}/dashboard`);
        await page.setViewportSize({ width: 1366, height: 768 });
        await page.fill('#user', 'admin');
        await page.fill('#password', 'demo-admin');
        await page.click('#login-btn');
        await waitInPage(page, 'the live dashboard with 100 windows and 30 queues', () =>
          document.getElementById('conn').dataset.state === 'open' &&
          document.querySelectorAll('#floor .tile').length === 100 &&
          document.querySelectorAll('#queues tr[data-queue]').length === 30, undefined, 15_000);
        // Warm-up: the roster logs in and the first citizens arrive.
        await waitInPage(page, 'windows serving', () =>
          document.querySelectorAll('#floor .tile[data-state="serving"]').length >= 10, undefined, 20_000);
        for (let i = 0; i < 3; i++) { await page.click('#range-apply'); await sleep(500); }
        await sleep(1_000);

        const cdp = await page.context().newCDPSession(page);
        await cdp.send('Performance.enable');
        const measure = async () => {
          await cdp.send('HeapProfiler.collectGarbage');
          const { metrics } = await cdp.send('Performance.getMetrics');
          const m = Object.fromEntries(metrics.map((x) => [x.name, x.value]));
          const page_ = await page.evaluate(() => {
            const count = (root) => { let n = 0; const w = document.createTreeWalker(root, NodeFilter.SHOW_ALL); while (w.nextNode()) n++; return n; };
            // The panels whose size follows the hall's data, not the
            // stream's traffic: the alarm list (the demo's citizens give
            // the odd 差评, each an alarm with its 确认 button) and the
            // 好差评 panel (one ranking row per rated window, one line per
            // open follow-up). Counted apart and bounded by their rows.
            const panels = count(document.getElementById('alarms')) + count(document.getElementById('ratings-section'));
            return { inDocument: count(document) - panels, panels,
              alarms: document.querySelectorAll('#alarms li[data-alarm]').length,
              ackButtons: document.querySelectorAll('#alarms .ack-button').length,
              ratingRows: document.querySelectorAll('#ranking tr, #rating-follow-ups li').length };
          });
          return { heap: m.JSHeapUsedSize, nodes: m.Nodes, listeners: m.JSEventListeners, ...page_ };
        };
        const framesBefore = record.sockets.reduce((n, s) => n + s.frames.length, 0);
        const start = await measure();
        await sleep(SIMULATED_MS / SPEED / 2);
        const middle = await measure();
        await sleep(SIMULATED_MS / SPEED / 2);
        await page.click('#range-apply');
        await sleep(1_000);
        const end = await measure();
        const frames = record.sockets.reduce((n, s) => n + s.frames.length, 0) - framesBefore;
        console.log(`dashboard over ten simulated minutes (${frames} frames): ${JSON.stringify(start)} → ${JSON.stringify(middle)} → ${JSON.stringify(end)}`);
        assert.ok(frames >= 200, `the demo hall hardly moved: ${frames} frames`);
        assert.ok(end.heap - start.heap < HEAP_BOUND, `heap grew from ${start.heap} to ${end.heap} bytes`);
        assert.ok(end.inDocument - start.inDocument <= NODE_BOUND,
          `document nodes grew from ${start.inDocument} to ${end.inDocument}`);
        for (const m of [start, middle, end]) {
          assert.ok(m.nodes < 2 * m.inDocument, `Blink holds ${m.nodes} nodes for ${m.inDocument} in the document`);
        }
        // One listener per alarm's 确认 button; no other listener is added.
        assert.equal(end.listeners - end.ackButtons, start.listeners - start.ackButtons, 'event listeners grew');
        for (const m of [start, middle, end]) {
          assert.ok(m.panels <= 150 + 16 * m.alarms + 16 * m.ratingRows,
            `the alarm and ratings panels hold ${m.panels} nodes for ${m.alarms} alarms and ${m.ratingRows} rows`);
        }

        // Kept up: never cut loose, and the floor map is current.
        assert.equal(record.sockets.length, 1, `the stream reconnected: ${record.sockets.map((s) => s.url).join(', ')}`);
        const windows = Object.values(await suite.server.windows());
        assert.equal(windows.length, 100);
        const want = windows.map((w) => [w.id, w.version, w.state]);
        await waitInPage(page, 'every tile at the server\'s window state (1 s)', (list) => list.every(([id, version, state]) => {
          const t = document.querySelector(`#floor .tile[data-window="${id}"]`);
          if (!t) return false;
          const shown = Number(t.dataset.version);
          return shown > version || (shown === version && t.dataset.state === state);
        }), want, 1_000);
        assert.equal(await page.evaluate(() => document.querySelectorAll('#floor .tile').length), 100);
        await screenshot(page, 'dashboard-demo-large');
        assert.deepEqual(record.pageErrors, []);
        assert.deepEqual(record.consoleErrors, []);
        await page.close();
      } catch (err) {
        suite.failed = true;
        err.message += `\n--- tingwu stderr (last lines; full log in ${suite.server.logPath}):\n${suite.server.stderrTail(30)}`;
        throw err;
      }
    });
});
