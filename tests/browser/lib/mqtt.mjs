// A minimal MQTT 3.1.1 client over `net`, just enough to be a window's call
// terminal (呼叫器): CONNECT (with will), SUBSCRIBE to the window's reply
// topic, PUBLISH commands with QoS 1 and read the replies (QoS 0 or 1).
// No npm dependency; see firmware-protocols/docs/mqtt-terminal.md.

import { connect as tcpConnect } from 'node:net';
import { randomUUID } from 'node:crypto';

const CONNECT = 1, CONNACK = 2, PUBLISH = 3, PUBACK = 4, SUBSCRIBE = 8, SUBACK = 9,
  PINGREQ = 12, PINGRESP = 13, DISCONNECT = 14;

function encodeString(s) {
  const bytes = Buffer.from(s, 'utf8');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(bytes.length);
  return Buffer.concat([len, bytes]);
}

function encodeLength(n) {
  const out = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return Buffer.from(out);
}

function packet(firstByte, ...parts) {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([firstByte]), encodeLength(body.length), body]);
}

function u16(n) {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

function withTimeout(promise, ms, what) {
  let timer;
  const late = new Promise((_, fail) => { timer = setTimeout(() => fail(new Error(`${what}: no answer within ${ms} ms`)), ms); });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

let serial = 0;

/** A command with a fresh, unique id. */
export function newCommand(action, fields = {}) {
  serial += 1;
  return { id: `browser-${randomUUID().slice(0, 12)}-${serial}`, action, ...fields };
}

export class Terminal {
  /**
   * @param {{host: string, port: number, hall: string, device: string, password: string, window: string}} opts
   */
  constructor({ host, port, hall, device, password, window }) {
    Object.assign(this, { host, port, hall, device, password, window: String(window) });
    this.prefix = `tingwu/v1/${hall}`;
    this.socket = null;
    this.buffer = Buffer.alloc(0);
    this.nextId = 1;
    this.pending = new Map(); // packet id -> resolve (PUBACK / SUBACK)
    this.replies = []; // every reply received, in order
    this.waiters = [];
    this.connack = null;
    this.closed = false;
    this.error = null;
    this.pinger = null;
  }

  cmdTopic() { return `${this.prefix}/window/${this.window}/cmd`; }
  replyTopic() { return `${this.prefix}/window/${this.window}/reply`; }

  async connect(timeoutMs = 5_000) {
    const socket = tcpConnect({ host: this.host, port: this.port });
    this.socket = socket;
    socket.setNoDelay(true);
    const connacked = new Promise((ok, fail) => {
      this.connack = { ok, fail };
      socket.once('error', (err) => { this.error = err; fail(err); });
      socket.once('close', () => fail(new Error(`terminal ${this.device}: connection closed before CONNACK`)));
    });
    connacked.catch(() => {}); // awaited below; avoid an unhandled rejection if TCP fails first
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('error', (err) => { this.error = err; });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    await withTimeout(new Promise((ok, fail) => { socket.once('connect', ok); socket.once('error', fail); }),
      timeoutMs, `terminal ${this.device}: TCP connect`);

    const keepalive = 30;
    // username, password, will retain, will QoS 1, will flag, clean session
    const flags = 0x80 | 0x40 | 0x20 | 0x08 | 0x04 | 0x02;
    socket.write(packet(CONNECT << 4,
      encodeString('MQTT'), Buffer.from([4, flags]), u16(keepalive),
      encodeString(this.device),
      encodeString(`${this.prefix}/device/${this.device}/status`), encodeString('offline'),
      encodeString(this.device), encodeString(this.password)));
    const rc = await withTimeout(connacked, timeoutMs, `terminal ${this.device}: CONNACK`);
    if (rc !== 0) throw new Error(`terminal ${this.device}: CONNACK refused with return code ${rc}`);
    this.pinger = setInterval(() => this.send(packet(PINGREQ << 4)), (keepalive / 2) * 1000);
    this.pinger.unref();
    await this.subscribe(this.replyTopic(), timeoutMs);
    return this;
  }

  send(buf) {
    if (this.socket && !this.closed) this.socket.write(buf);
  }

  packetId() {
    const id = this.nextId;
    this.nextId = this.nextId >= 0xffff ? 1 : this.nextId + 1;
    return id;
  }

  async subscribe(topic, timeoutMs = 5_000) {
    const id = this.packetId();
    const acked = new Promise((ok) => this.pending.set(`sub${id}`, ok));
    this.send(packet((SUBSCRIBE << 4) | 0x02, u16(id), encodeString(topic), Buffer.from([1])));
    const codes = await withTimeout(acked, timeoutMs, `terminal ${this.device}: SUBACK for ${topic}`);
    if (codes.some((c) => c === 0x80)) throw new Error(`terminal ${this.device}: subscription to ${topic} refused`);
  }

  /** PUBLISH QoS 1 on the window's cmd topic; resolves on PUBACK. */
  async publish(payload, timeoutMs = 5_000) {
    const id = this.packetId();
    const acked = new Promise((ok) => this.pending.set(`pub${id}`, ok));
    const body = Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload), 'utf8');
    this.send(packet((PUBLISH << 4) | 0x02, encodeString(this.cmdTopic()), u16(id), body));
    await withTimeout(acked, timeoutMs, `terminal ${this.device}: PUBACK`);
  }

  /** Publishes a command and returns the reply carrying the same id. */
  async request(command, timeoutMs = 5_000) {
    const mark = this.replies.length;
    await this.publish(command, timeoutMs);
    return this.waitReply(mark, (r) => r.id === command.id, timeoutMs);
  }

  /** Sends an action and insists on ok=true; returns the reply. */
  async act(action, fields = {}, timeoutMs = 5_000) {
    const reply = await this.request(newCommand(action, fields), timeoutMs);
    if (reply.ok !== true) {
      throw new Error(`window ${this.window} ${action} failed: ${JSON.stringify(reply)}`);
    }
    return reply;
  }

  waitReply(since, match, timeoutMs) {
    return new Promise((ok, fail) => {
      const waiter = {
        check: () => {
          const found = this.replies.slice(since).find(match);
          if (found) { ok(found); return true; }
          if (this.closed) {
            fail(new Error(`terminal ${this.device}: connection closed while waiting for a reply` +
              (this.error ? ` (${this.error.message})` : '')));
            return true;
          }
          return false;
        },
      };
      if (waiter.check()) return;
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        fail(new Error(`terminal ${this.device}: no matching reply within ${timeoutMs} ms; ` +
          `replies seen: ${JSON.stringify(this.replies.slice(since))}`));
      }, timeoutMs);
      const check = waiter.check;
      waiter.check = () => { const done = check(); if (done) clearTimeout(timer); return done; };
      this.waiters.push(waiter);
    });
  }

  wake() {
    this.waiters = this.waiters.filter((w) => !w.check());
  }

  onData(chunk) {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      if (this.buffer.length < 2) return;
      let length = 0, multiplier = 1, pos = 1, byte;
      do {
        if (pos >= this.buffer.length) return; // length not complete yet
        byte = this.buffer[pos++];
        length += (byte & 0x7f) * multiplier;
        multiplier *= 128;
      } while (byte & 0x80);
      if (this.buffer.length < pos + length) return;
      const first = this.buffer[0];
      const body = this.buffer.subarray(pos, pos + length);
      this.buffer = this.buffer.subarray(pos + length);
      this.onPacket(first >> 4, first & 0x0f, body);
    }
  }

  onPacket(type, flags, body) {
    switch (type) {
      case CONNACK:
        if (this.connack) this.connack.ok(body[1]);
        break;
      case SUBACK: {
        const resolve = this.pending.get(`sub${body.readUInt16BE(0)}`);
        this.pending.delete(`sub${body.readUInt16BE(0)}`);
        if (resolve) resolve([...body.subarray(2)]);
        break;
      }
      case PUBACK: {
        const resolve = this.pending.get(`pub${body.readUInt16BE(0)}`);
        this.pending.delete(`pub${body.readUInt16BE(0)}`);
        if (resolve) resolve();
        break;
      }
      case PUBLISH: {
        const qos = (flags >> 1) & 3;
        const topicLen = body.readUInt16BE(0);
        const topic = body.subarray(2, 2 + topicLen).toString('utf8');
        let pos = 2 + topicLen;
        if (qos > 0) {
          const id = body.readUInt16BE(pos);
          pos += 2;
          this.send(packet(PUBACK << 4, u16(id))); // we only subscribe with QoS 1
        }
        const text = body.subarray(pos).toString('utf8');
        let reply;
        try { reply = JSON.parse(text); } catch { reply = { _unparsable: text }; }
        if (reply && typeof reply === 'object') reply._topic = topic;
        this.replies.push(reply);
        this.wake();
        break;
      }
      case PINGRESP:
        break;
      default:
        break;
    }
  }

  async close() {
    clearInterval(this.pinger);
    if (!this.socket || this.closed) return;
    const closed = new Promise((ok) => this.socket.once('close', ok));
    this.send(packet(DISCONNECT << 4));
    this.socket.end();
    await withTimeout(closed, 5_000, `terminal ${this.device}: close`).catch(() => this.socket.destroy());
  }
}
