// One browser test suite's set-up, shared by the test files: a temp dir, a
// tingwu server on it (the small hall unless a config is given), Chromium,
// the server's stderr tail attached to a failing test, and clean-up (the
// temp dir is kept when a test failed or TINGWU_BROWSER_KEEP is set).

import { after, before } from 'node:test';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { launch } from './browser.mjs';
import { Server } from './server.mjs';

/**
 * Registers the suite's before/after hooks and returns its state:
 * `{ tmp, server, context, failed, guarded(fn) }` (filled in by `before`).
 * `setUp(suite)`, if given, runs after Chromium is up (e.g. init scripts).
 * `config`, if given, is the hall's TOML text (else the small hall).
 * `server`, if given, is more `Server` options (e.g. the demo:
 * `{ config: null, hall: 'demo-large', args: ['--demo', …] }`), and
 * `startMs` how long the server may take to start (10 s).
 */
export function browserSuite(label, { setUp, config, server = {}, startMs = 10_000 } = {}) {
  const s = { tmp: null, server: null, context: null, failed: false };
  s.guarded = (fn) => async (t) => {
    try {
      await fn(t);
    } catch (err) {
      s.failed = true;
      if (s.server) err.message += `\n--- tingwu stderr (last lines; full log in ${s.server.logPath}):\n${s.server.stderrTail(40)}`;
      throw err;
    }
  };

  process.on('exit', () => { if (s.server) s.server.killNow(); });

  before(async () => {
    s.tmp = mkdtempSync(join(tmpdir(), `tingwu-browser-${label}-`));
    mkdirSync(join(s.tmp, 'data'));
    mkdirSync(join(s.tmp, 'chromium-profile'));
    const hall = config ? join(s.tmp, 'hall.toml') : undefined;
    if (hall) writeFileSync(hall, config);
    s.server = new Server({ dataDir: join(s.tmp, 'data'), logPath: join(s.tmp, 'tingwu.stderr.log'), config: hall, ...server });
    try {
      await s.server.start(startMs);
      s.context = await launch(join(s.tmp, 'chromium-profile'));
      if (setUp) await setUp(s);
    } catch (err) {
      s.failed = true;
      if (s.server) err.message += `\n--- tingwu stderr:\n${s.server.stderrTail(40)}`;
      throw err;
    }
  }, { timeout: startMs + 15_000 });

  after(async () => {
    if (s.context) await s.context.close().catch(() => {});
    if (s.server) await s.server.stop(5_000);
    if (s.tmp) {
      if (s.failed || process.env.TINGWU_BROWSER_KEEP) console.log(`kept ${s.tmp} (screenshots, server log)`);
      else rmSync(s.tmp, { recursive: true, force: true });
    }
  }, { timeout: 8_000 });

  return s;
}
