// The ESC/POS ticket printer of the browser tests: the emupos emulator
// (PyPI, Python 3.13) started and driven by lib/printer_emulator.py, which
// reuses the e2e tests' `Emupos` class (tests/e2e/test_printer.py).

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { REPO } from './server.mjs';

const LAUNCHER = join(REPO, 'tests/browser/lib/printer_emulator.py');

/**
 * Starts emupos with its working files in `dir`. Resolves to
 * `{ skip: reason }` when Python 3.13 or emupos is missing, else to a
 * printer `{ port, fault(name, on), stop() }`: `port` is its ESC/POS TCP
 * port (for the hall's `[[printers]] address`), `fault('paper-out', true)`
 * sets an emupos fault and resolves once emupos has it.
 */
export async function startPrinter(dir, timeoutMs = 30_000) {
  const proc = spawn('python3', [LAUNCHER, dir], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: proc.stdout });
  const queue = [];
  let waiter = null;
  let exited = false;
  lines.on('line', (line) => { if (waiter) { const w = waiter; waiter = null; w.ok(line); } else queue.push(line); });
  proc.once('exit', (code) => {
    exited = true;
    if (waiter) { const w = waiter; waiter = null; w.fail(new Error(`printer emulator exited (code ${code})`)); }
  });
  const next = (what) => new Promise((ok, fail) => {
    if (queue.length) { ok(queue.shift()); return; }
    if (exited) { fail(new Error(`printer emulator exited before ${what}`)); return; }
    const timer = setTimeout(() => { waiter = null; fail(new Error(`printer emulator: no ${what} within ${timeoutMs} ms`)); }, timeoutMs);
    waiter = { ok: (l) => { clearTimeout(timer); ok(l); }, fail: (e) => { clearTimeout(timer); fail(e); } };
  });
  const stop = async () => {
    if (exited) return;
    const gone = new Promise((ok) => proc.once('exit', ok));
    proc.stdin.end();
    const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
    await gone;
    clearTimeout(timer);
  };

  const first = await next('ready line');
  if (first.startsWith('skip ')) { await stop(); return { skip: first.slice(5) }; }
  const m = /^ready (\d+)$/.exec(first);
  if (!m) { await stop(); throw new Error(`printer emulator: unexpected first line ${JSON.stringify(first)}`); }
  return {
    port: Number(m[1]),
    async fault(name, on) {
      proc.stdin.write(`${name} ${on ? 'on' : 'off'}\n`);
      const answer = await next(`an answer to ${name} ${on ? 'on' : 'off'}`);
      if (!answer.startsWith('ok ')) throw new Error(`printer emulator: ${answer}`);
    },
    stop,
  };
}
