// Starts the real `tingwu serve` binary on kernel-chosen ports, like the
// end-to-end tests do (tests/e2e/helpers.py): a fresh --data dir, the small
// test hall, and the `tingwu ready http=… mqtt=…` line on stdout.

import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
export const SMALL_HALL = join(REPO, 'tests/e2e/fixtures/small_hall.toml');
export const HOST = '127.0.0.1';

const READY_LINE = /^tingwu ready http=([0-9.]+):(\d+) mqtt=([0-9.]+):(\d+)$/;

export function tingwuBinary() {
  if (process.env.TINGWU_BIN) return resolve(REPO, process.env.TINGWU_BIN);
  return resolve(REPO, process.env.CARGO_TARGET_DIR || 'target', 'debug', 'tingwu');
}

/** The hall id of a hall config (`[hall] id = "…"`). */
export function hallIdOf(configPath) {
  const text = readFileSync(configPath, 'utf8');
  const m = /^\[hall\][^\[]*?^id\s*=\s*"([^"]+)"/m.exec(text);
  if (!m) throw new Error(`no [hall] id in ${configPath}`);
  return m[1];
}

export class Server {
  /**
   * `config`: the hall's TOML (null: the binary's own hall, e.g. with
   * `--demo --demo-hall large`; then `hall` names its id). `args`: more
   * `serve` arguments, e.g. `['--demo', '--demo-speed', '60']`.
   */
  constructor({ dataDir, logPath, config = SMALL_HALL, hall = null, args = [], binary = tingwuBinary() }) {
    this.binary = binary;
    this.config = config;
    this.extraArgs = args;
    this.dataDir = dataDir;
    this.logPath = logPath;
    this.hall = hall || hallIdOf(config);
    this.proc = null;
    this.exited = null; // promise of {code, signal}
    this.httpPort = 0;
    this.mqttPort = 0;
  }

  get running() {
    return this.proc !== null && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  get base() {
    return `http://${HOST}:${this.httpPort}`;
  }

  /**
   * Starts the server and waits for its ready line. `samePorts`: listen on
   * the ports of the previous run (a restart the open pages reconnect to).
   */
  async start(timeoutMs = 20_000, { samePorts = false } = {}) {
    if (!existsSync(this.binary)) {
      throw new Error(`tingwu binary not found at ${this.binary}: run \`cargo build --bin tingwu\` or set TINGWU_BIN`);
    }
    const [http, mqtt] = samePorts ? [this.httpPort, this.mqttPort] : [0, 0];
    const args = ['serve', ...(this.config ? ['--config', this.config] : []), '--data', this.dataDir,
      '--http', `${HOST}:${http}`, '--mqtt', `${HOST}:${mqtt}`, ...this.extraArgs];
    mkdirSync(this.dataDir, { recursive: true }); // also the server's working directory
    const log = createWriteStream(this.logPath, { flags: 'a' });
    await new Promise((ok) => log.once('open', ok));
    log.write(`===== ${this.binary} ${args.join(' ')}\n`);
    const proc = spawn(this.binary, args, {
      cwd: this.dataDir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { RUST_BACKTRACE: '1', ...process.env },
    });
    this.proc = proc;
    proc.stderr.pipe(log);
    this.exited = new Promise((ok) => proc.once('exit', (code, signal) => ok({ code, signal })));
    const stdout = [];
    const lines = createInterface({ input: proc.stdout });
    const ready = new Promise((ok, fail) => {
      lines.on('line', (line) => {
        stdout.push(line);
        const m = READY_LINE.exec(line);
        if (m) ok(m);
      });
      proc.once('error', fail);
      this.exited.then(({ code, signal }) => fail(new Error(`tingwu exited before it was ready (code ${code}, signal ${signal})`)));
    });
    let timer;
    const timeout = new Promise((_, fail) => {
      timer = setTimeout(() => fail(new Error(`tingwu did not print its ready line within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      const m = await Promise.race([ready, timeout]);
      if (m[1] !== HOST || m[3] !== HOST) throw new Error(`server must listen on ${HOST} only: ${m[0]}`);
      this.httpPort = Number(m[2]);
      this.mqttPort = Number(m[4]);
    } catch (err) {
      await this.stop();
      err.message += `\ncommand: ${this.binary} ${args.join(' ')}\nstdout:\n${stdout.slice(-20).join('\n')}` +
        `\nstderr (last lines):\n${this.stderrTail()}`;
      throw err;
    } finally {
      clearTimeout(timer);
    }
    return this;
  }

  /** SIGTERM, then SIGKILL if it has not exited within `timeoutMs`. Returns the exit status. */
  async stop(timeoutMs = 10_000) {
    if (!this.proc) return null;
    if (this.running) {
      this.proc.kill('SIGTERM');
      let timer;
      const late = new Promise((ok) => { timer = setTimeout(() => ok(null), timeoutMs); });
      const status = await Promise.race([this.exited, late]);
      clearTimeout(timer);
      if (status === null) {
        this.proc.kill('SIGKILL');
      }
    }
    return this.exited;
  }

  /** Stops the server (SIGTERM) and starts it again on the same data and ports. */
  async restart(timeoutMs = 20_000) {
    const status = await this.stop();
    this.staff = null; // a token of the previous run
    await this.start(timeoutMs, { samePorts: true });
    return status;
  }

  /** Last resort from a synchronous 'exit' handler. */
  killNow() {
    if (this.running) this.proc.kill('SIGKILL');
  }

  stderrTail(lines = 60) {
    try {
      // the server colours its log even into a file: strip the ANSI escapes
      return readFileSync(this.logPath, 'utf8').replace(/\x1b\[[0-9;]*m/g, '').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no stderr captured)';
    }
  }

  // -- HTTP

  async request(method, path, body, headers = {}) {
    const init = { method, headers: { ...headers }, signal: AbortSignal.timeout(5_000) };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers['content-type'] = 'application/json';
    }
    const res = await fetch(this.base + path, init);
    const text = await res.text();
    let json;
    try { json = JSON.parse(text); } catch { json = text; }
    return { status: res.status, body: json };
  }

  /** A supervisor's token (hall staff) for this run of the server; the
   * test halls' admin password is "secret". */
  async staffToken() {
    if (!this.staff || this.staff.base !== this.base) {
      const { status, body } = await this.request('POST', '/api/v1/login', { user: 'admin', password: 'secret' });
      if (status !== 200) throw new Error(`login: ${status} ${JSON.stringify(body)}`);
      this.staff = { base: this.base, token: body.token };
    }
    return this.staff.token;
  }

  /** POST /api/v1/tickets as hall staff (anonymous tickets need a kiosk's
   * or staff's credentials) and insist on 201. */
  async issue(fields) {
    const auth = { authorization: `Bearer ${await this.staffToken()}` };
    const { status, body } = await this.request('POST', '/api/v1/tickets', fields, auth);
    if (status !== 201) throw new Error(`issuing ${JSON.stringify(fields)} failed: ${status} ${JSON.stringify(body)}`);
    return body;
  }

  async windows() {
    const { status, body } = await this.request('GET', '/api/v1/windows');
    if (status !== 200) throw new Error(`GET /api/v1/windows: ${status} ${JSON.stringify(body)}`);
    return Object.fromEntries(body.windows.map((w) => [w.id, w]));
  }

  async queues() {
    const { status, body } = await this.request('GET', '/api/v1/queues');
    if (status !== 200) throw new Error(`GET /api/v1/queues: ${status} ${JSON.stringify(body)}`);
    return Object.fromEntries(body.queues.map((q) => [q.id, q]));
  }
}
