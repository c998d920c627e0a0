// The kiosk page's script (/kiosk/app.js). See dashboards/README.md,
// "kiosk.html", for what it shows, the ids and the APIs it calls.
(() => {
  "use strict";

  const KIOSK = decodeURIComponent(location.pathname.split("/").filter(Boolean).pop() || "");
  const PASSWORD_KEY = `tingwu.kiosk.${KIOSK}.password`;
  const LANG_KEY = "tingwu.kiosk.lang";
  const POLL_MS = 1500;            // card-read events
  const ITEMS_EVERY_MS = 30000;    // open / closed items
  const TICKET_EVERY_MS = 5000;    // people ahead while the ticket is shown
  const TICKET_SHOWN_S = 30;       // then back to the items
  const RECENT_MS = 60000;         // after a reset, events younger than this are still shown
  const CODE_KEYS = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"; // core::booking::CODE_ALPHABET

  // Refusals: [zh, en] for citizens; the server's own message goes below.
  const REFUSALS = {
    item_closed: ["该事项当前不办理", "This service is not available now"],
    no_open_window: ["该事项窗口均已停用，请咨询导办台", "No window is open for this service; please ask at the help desk"],
    limit_reached: ["今日该事项取号次数已达上限", "You have reached today's ticket limit for this service"],
    too_many_requests: ["操作过于频繁，请稍后再试", "Too many requests; please try again shortly"],
    too_many_attempts: ["密码错误次数过多，请稍后再试", "Too many wrong passwords; please try again later"],
    priority_not_allowed: ["特殊人群密码错误", "Wrong special-group password"],
    invalid_phone: ["手机号码无效，请重新输入", "This phone number is not valid; please try again"],
    invalid_id_number: ["身份证号码无效", "This ID number is not valid"],
    kiosk_unauthorized: ["本机认证失败，请联系工作人员", "This kiosk could not authenticate; please call staff"],
    unknown_item: ["没有这个事项", "No such service"],
    no_calendar: ["今日无法确定是否为工作日，暂停取号", "Tickets are paused: the working-day calendar is missing"],
    busy: ["系统繁忙，请稍后再试", "The system is busy; please try again"],
    timeout: ["系统繁忙，请稍后再试", "The system is busy; please try again"],
    unavailable: ["系统暂不可用，请联系工作人员", "The system is unavailable; please call staff"],
    invalid_code: ["预约码为 8 位字母和数字", "A booking code is 8 letters and digits"],
    unknown_booking: ["未找到该预约", "No such appointment"],
    not_found: ["未找到该预约", "No such appointment"],
    cancelled: ["该预约已取消", "This appointment was cancelled"],
    too_early: ["签到时间未到", "Too early to check in"],
    already_checked_in: ["该预约已签到", "This appointment is already checked in"],
    network: ["网络连接失败，请稍后再试", "Network error; please try again"],
  };
  const PRINT = {
    printed: ["号票已打印，请取走号票", "Your ticket has been printed; please take it"],
    queued: ["号票正在打印…", "Your ticket is printing…"],
    out_of_service: ["打印机暂停服务，号票未打印", "The printer is out of service; no paper ticket"],
    none: ["请记住您的号码，或扫码查看排队进度", "Remember your number, or scan the code to follow the queue"],
  };

  const $ = (id) => document.getElementById(id);
  let lang = localStorage.getItem(LANG_KEY) === "en" ? "en" : "zh";
  const L = (zh, en) => (lang === "en" ? en : zh);

  const st = {
    password: localStorage.getItem(PASSWORD_KEY),
    view: null, kioskName: "",
    items: [], item: null,
    keypad: null,             // {mode: "phone" | "code", value}
    ticket: null, ticketTimer: null, countdown: 0, countdownTimer: null,
    feed: { seq: null, epoch: null, timer: null, retry: POLL_MS, conn: "connecting" },
    refusal: null, itemsTimer: null, busy: false,
  };

  // ---------------------------------------------------------------- texts

  function applyLang() {
    document.documentElement.lang = lang === "en" ? "en" : "zh-CN";
    document.querySelectorAll("[data-zh]").forEach((el) => { el.textContent = L(el.dataset.zh, el.dataset.en); });
    $("lang").textContent = lang === "en" ? "中文" : "English";
    $("hall-name").textContent = L("厅务 · 自助取号机", "Tingwu · self-service kiosk");
    $("kiosk-name").textContent = st.kioskName || KIOSK;
    renderConn();
    renderItems();
    renderChosen();
    renderKeypad();
    renderTicket();
    renderRefusal();
    if (st.view === "setup") renderSetupMode();
  }

  const two = (n) => String(n).padStart(2, "0");
  /** `HH:MM` of an RFC 3339 time in this device's time zone (the hall's). */
  const hhmm = (iso) => {
    if (!iso) return "--:--";
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? "--:--" : `${two(d.getHours())}:${two(d.getMinutes())}`;
  };
  const tick = () => {
    const d = new Date();
    $("clock").textContent = `${two(d.getHours())}:${two(d.getMinutes())}`;
  };

  // ---------------------------------------------------------------- HTTP

  const basic = () => "Basic " + btoa(unescape(encodeURIComponent(`${KIOSK}:${st.password || ""}`)));

  /** fetch → {status, body}; status 0 for a network failure. */
  async function call(method, path, { body, auth = false, headers = {} } = {}) {
    const init = { method, headers: { ...headers }, signal: AbortSignal.timeout(8000) };
    if (auth) init.headers.authorization = basic();
    if (body !== undefined) {
      init.headers["content-type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    try {
      const res = await fetch(path, init);
      const text = await res.text();
      let json = null;
      try { json = JSON.parse(text); } catch { json = null; }
      return { status: res.status, body: json, retryAfter: res.headers.get("retry-after") };
    } catch {
      return { status: 0, body: null };
    }
  }

  const errorOf = (r) => (r.body && r.body.error) || { code: r.status === 0 ? "network" : "unavailable", message: "" };

  // ---------------------------------------------------------------- views

  function show(view) {
    st.view = view;
    for (const id of ["setup", "items", "method", "keypad-view", "special-view", "ticket-view"]) {
      $(id).hidden = id !== view;
    }
    $("reset").hidden = view === "setup";
    if (view !== "ticket-view") stopTicket();
    if (view === "items") loadItems();
  }

  // ---------------------------------------------------------------- set-up

  let setupMode = "setup"; // or "reset": staff confirm the current password first

  function renderSetupMode() {
    const reset = setupMode === "reset";
    $("setup-cancel").hidden = !reset;
    $("setup-text").textContent = reset
      ? L("重设本机：请输入当前的设备密码。", "Reset this kiosk: enter the current device password.")
      : L($("setup-text").dataset.zh, $("setup-text").dataset.en);
  }

  function openSetup(mode, message) {
    setupMode = mode;
    show("setup");
    renderSetupMode();
    $("setup-password").value = "";
    $("setup-error").textContent = message || "";
    $("setup-password").focus();
  }

  async function saveSetup() {
    const typed = $("setup-password").value;
    if (setupMode === "reset") {
      if (typed !== st.password) {
        $("setup-error").textContent = L("密码不正确，本机未重设", "Wrong password; the kiosk was not reset");
        return;
      }
      localStorage.removeItem(PASSWORD_KEY);
      st.password = null;
      stopFeed();
      openSetup("setup");
      return;
    }
    if (!typed) {
      $("setup-error").textContent = L("请输入设备密码", "Enter the device password");
      return;
    }
    $("setup-save").disabled = true;
    const before = st.password;
    st.password = typed;
    const r = await call("GET", `/api/v1/kiosks/${encodeURIComponent(KIOSK)}/events`, { auth: true });
    $("setup-save").disabled = false;
    if (r.status === 200) {
      localStorage.setItem(PASSWORD_KEY, typed);
      startFeed(r.body);
      show("items");
      return;
    }
    st.password = before;
    const e = errorOf(r);
    const text = {
      kiosk_unauthorized: ["设备密码错误，请重新输入", "Wrong device password; please try again"],
      too_many_attempts: [`密码错误次数过多，请 ${r.retryAfter || "稍后"} 秒后再试`,
        `Too many wrong passwords; try again in ${r.retryAfter || "a few"} s`],
      not_found: ["本取号机不在大厅配置中", "This kiosk is not in the hall's configuration"],
    }[e.code] || REFUSALS[e.code] || [e.message, e.message];
    $("setup-error").textContent = `${text[0]} / ${text[1]}`;
    $("setup-error").dataset.code = e.code;
  }

  // ---------------------------------------------------------------- items

  async function loadItems() {
    const r = await call("GET", "/api/v1/items");
    if (r.status !== 200 || !r.body) {
      $("items-error").textContent = L("事项列表暂时无法加载，正在重试…", "The services could not be loaded; retrying…");
      return;
    }
    $("items-error").textContent = "";
    st.items = r.body.items || [];
    renderItems();
  }

  function renderItems() {
    const list = $("item-list");
    list.textContent = "";
    const depts = new Map();
    for (const it of st.items) {
      if (!depts.has(it.department)) depts.set(it.department, { item: it, categories: new Map() });
      const cats = depts.get(it.department).categories;
      const cat = it.category || "";
      if (!cats.has(cat)) cats.set(cat, []);
      cats.get(cat).push(it);
    }
    for (const [dept, { item: first, categories }] of depts) {
      const box = document.createElement("div");
      box.className = "dept";
      box.dataset.department = dept;
      const h = document.createElement("h3");
      h.textContent = L(first.department_name || dept, first.department_name_en || first.department_name || dept);
      box.appendChild(h);
      for (const [cat, items] of categories) {
        const group = document.createElement("div");
        group.className = "category";
        group.dataset.category = cat;
        if (cat) {
          const h4 = document.createElement("h4");
          h4.textContent = L(cat, items[0].category_en || cat);
          group.appendChild(h4);
        }
        const tiles = document.createElement("div");
        tiles.className = "tiles";
        for (const it of items) tiles.appendChild(itemTile(it));
        group.appendChild(tiles);
        box.appendChild(group);
      }
      list.appendChild(box);
    }
  }

  function itemTile(it) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "item";
    b.dataset.item = it.id;
    b.dataset.open = String(!!it.open);
    b.appendChild(document.createTextNode(L(it.name, it.name_en || it.name)));
    if (lang === "zh" && it.name_en) {
      const en = document.createElement("span");
      en.className = "en";
      en.textContent = it.name_en;
      b.appendChild(en);
    }
    if (!it.open) {
      const why = document.createElement("span");
      why.className = "reason";
      const c = it.closed || {};
      why.dataset.code = c.code || "";
      why.textContent = c.zh || L("暂停取号", "Not available");
      const en = document.createElement("span");
      en.className = "en";
      en.textContent = c.en || "";
      why.appendChild(en);
      b.appendChild(why);
    }
    b.addEventListener("click", () => {
      if (!it.open) {
        const c = it.closed || { code: "item_closed" };
        refuse({ code: c.code || "item_closed", zh: c.zh, en: c.en, message: c.message || "" });
        return;
      }
      st.item = it;
      renderChosen();
      show("method");
    });
    return b;
  }

  function renderChosen() {
    const it = st.item;
    $("chosen-item").textContent = it ? L(it.name, it.name_en || it.name) : "";
    $("chosen-item-en").textContent = it && lang === "zh" ? it.name_en || "" : "";
  }

  // ---------------------------------------------------------------- keypad

  function openKeypad(mode) {
    st.keypad = { mode, value: "" };
    renderKeypad();
    show("keypad-view");
  }

  function renderKeypad() {
    const k = st.keypad;
    if (!k) return;
    const phone = k.mode === "phone";
    $("keypad-title").textContent = phone
      ? L("请输入手机号码", "Enter your mobile number")
      : L("请输入预约码", "Enter your booking code");
    $("entry-hint").textContent = phone
      ? L("11 位手机号码，可接收叫号短信", "11 digits; we may text you when you are called")
      : L("8 位字母和数字，见预约短信", "8 letters and digits, from your booking message");
    $("entry").textContent = k.value || "\u00a0";
    $("entry").dataset.value = k.value;
    const keys = $("keys");
    keys.className = phone ? "" : "letters";
    keys.textContent = "";
    const labels = phone ? ["1", "2", "3", "4", "5", "6", "7", "8", "9", "clear", "0", "del"] : [...CODE_KEYS, "clear", "del"];
    for (const key of labels) {
      const b = document.createElement("button");
      b.type = "button";
      b.dataset.key = key;
      b.textContent = key === "clear" ? L("清空", "Clear") : key === "del" ? "⌫" : key;
      b.addEventListener("click", () => press(key));
      keys.appendChild(b);
    }
    $("key-ok").disabled = phone ? k.value.length !== 11 : k.value.length !== 8;
  }

  function press(key) {
    const k = st.keypad;
    const max = k.mode === "phone" ? 11 : 8;
    if (key === "clear") k.value = "";
    else if (key === "del") k.value = k.value.slice(0, -1);
    else if (k.value.length < max) k.value += key;
    renderKeypad();
  }

  // ---------------------------------------------------------------- taking a ticket

  const newKey = () => `kiosk-${KIOSK}-${Date.now()}-${Math.random().toString(36).slice(2, 10)}`;

  /** POST /api/v1/tickets as this kiosk; a network failure is retried with the same Idempotency-Key. */
  async function takeTicket(fields, source) {
    if (st.busy) return;
    st.busy = true;
    $("busy").hidden = false;
    const key = newKey();
    let r;
    for (const wait of [0, 500, 1500]) {
      if (wait) await new Promise((ok) => setTimeout(ok, wait));
      r = await call("POST", "/api/v1/tickets", { auth: true, body: fields, headers: { "idempotency-key": key } });
      if (r.status !== 0 && r.status < 500) break;
    }
    st.busy = false;
    $("busy").hidden = true;
    if (r.status === 200 || r.status === 201) {
      showTicket({ ticket: r.body, print: r.body.print, fallback: r.body.fallback, source });
      return;
    }
    const e = errorOf(r);
    if (e.code === "kiosk_unauthorized") {
      openSetup("setup", L("设备密码已失效，请重新设置", "The device password no longer works; set it up again"));
      return;
    }
    refuse({ ...e, retryAfter: r.retryAfter });
  }

  async function checkIn(code) {
    if (st.busy) return;
    st.busy = true;
    $("busy").hidden = false;
    const r = await call("POST", "/api/v1/appointments/checkin", { body: { code, kiosk: KIOSK } });
    st.busy = false;
    $("busy").hidden = true;
    if (r.status === 201 || r.status === 200) {
      const late = r.body.checkin === "late_walkin";
      showTicket({
        ticket: r.body.ticket,
        source: late
          ? L("已超过签到时间，按现场取号排队", "Past your check-in time: you wait as a walk-in")
          : L(`预约签到成功（${r.body.booking.start}-${r.body.booking.end}）`,
            `Checked in for ${r.body.booking.start}-${r.body.booking.end}`),
      });
      return;
    }
    const e = errorOf(r);
    if (e.code === "too_early" && e.opens_local) {
      refuse({ ...e, zh: `签到时间未到，${e.opens_local} 起可签到`, en: `Too early to check in; from ${e.opens_local}` });
      return;
    }
    refuse(e);
  }

  // ---------------------------------------------------------------- the ticket

  function itemOf(ticket) {
    return st.items.find((i) => i.id === ticket.item) || st.items.find((i) => i.queue === ticket.queue) || null;
  }

  function showTicket(t) {
    st.ticket = t;
    st.countdown = TICKET_SHOWN_S;
    show("ticket-view");
    renderTicket();
    clearInterval(st.ticketTimer);
    st.ticketTimer = setInterval(refreshTicket, TICKET_EVERY_MS);
    clearInterval(st.countdownTimer);
    st.countdownTimer = setInterval(() => {
      st.countdown -= 1;
      if (st.countdown <= 0) show("items");
      else $("t-countdown").textContent = `(${st.countdown})`;
    }, 1000);
  }

  function stopTicket() {
    clearInterval(st.ticketTimer);
    clearInterval(st.countdownTimer);
    st.ticket = null;
  }

  async function refreshTicket() {
    if (!st.ticket) return;
    const r = await call("GET", `/api/v1/tickets/${encodeURIComponent(st.ticket.ticket.id)}`);
    if (r.status === 200 && st.ticket && r.body.id === st.ticket.ticket.id) {
      st.ticket.ticket = { ...st.ticket.ticket, ...r.body };
      renderTicket();
    }
  }

  function renderTicket() {
    const t = st.ticket;
    if (!t) return;
    const tk = t.ticket;
    const it = itemOf(tk);
    $("t-number").textContent = tk.number;
    $("t-number").dataset.ticket = tk.id;
    $("t-item").textContent = it ? L(it.name, it.name_en || it.name) : tk.queue;
    $("t-direction").textContent = it && it.direction ? it.direction : "";
    $("t-ahead").textContent = String(tk.people_ahead ?? "-");
    $("t-ahead").dataset.value = String(tk.people_ahead ?? "");
    $("t-eta").textContent = tk.wait_unknown ? L("待定", "Unknown") : hhmm(tk.expected_call_at);
    $("t-eta").dataset.value = tk.expected_call_at || "";
    $("t-source").textContent = t.source || "";
    const status = t.print ? t.print.status : "none";
    $("t-print").dataset.status = status;
    const p = PRINT[status] || PRINT.none;
    $("t-print").textContent = `${p[0]} / ${p[1]}`;
    const out = status === "out_of_service";
    const qrPath = (t.fallback && t.fallback.qr) || `/t/${tk.id}`;
    $("t-fallback").hidden = !(out || status === "none");
    $("t-fallback").dataset.qr = qrPath;
    $("t-fallback-zh").textContent = out ? "请用手机扫码保存电子号票，并留意叫号" : "扫码在手机上查看排队进度";
    $("t-fallback-en").textContent = out ? "Scan to keep your ticket on your phone and follow the queue" : "Scan to follow the queue on your phone";
    const sms = !!(t.fallback && t.fallback.sms);
    $("t-sms").hidden = !sms;
    $("t-sms").textContent = sms ? L("叫号时将发送短信到您的手机", "We will text you when you are called") : "";
    drawQr(new URL(qrPath, location.origin).href);
    $("t-countdown").textContent = `(${st.countdown})`;
  }

  function drawQr(url) {
    const box = $("t-qr");
    if (box.dataset.url === url) return;
    box.dataset.url = url;
    box.textContent = "";
    if (typeof window.qrcode !== "function") return;
    const qr = window.qrcode(0, "M");
    qr.addData(url);
    qr.make();
    const img = document.createElement("img");
    img.alt = url;
    img.src = qr.createDataURL(8, 2);
    box.appendChild(img);
  }

  // ---------------------------------------------------------------- refusals

  /** Shows a refusal: `{code, message, zh?, en?, retryAfter?, who?}`. */
  function refuse(e) {
    st.refusal = e;
    renderRefusal();
    $("refusal").hidden = false;
  }

  function renderRefusal() {
    const e = st.refusal;
    if (!e) return;
    const known = REFUSALS[e.code];
    let zh = e.zh || (known ? known[0] : "未能取号");
    let en = e.en || (known ? known[1] : "No ticket");
    if (e.code === "item_closed" && !e.zh) {
      const it = st.item && st.items.find((i) => i.id === st.item.id);
      if (it && it.closed) { zh = it.closed.zh; en = it.closed.en; }
    }
    if (e.retryAfter && (e.code === "too_many_requests" || e.code === "too_many_attempts")) {
      zh += `（${e.retryAfter} 秒后）`;
      en += ` (in ${e.retryAfter} s)`;
    }
    $("refusal").dataset.code = e.code;
    $("refusal-zh").textContent = zh;
    $("refusal-en").textContent = en;
    $("refusal-who").textContent = e.who || "";
    $("refusal-detail").textContent = e.message || "";
  }

  function closeRefusal() {
    $("refusal").hidden = true;
    st.refusal = null;
    // Back to the start for the next citizen (a staff member typing the
    // special-group password may try again).
    if (st.view === "special-view") return;
    if (st.view !== "setup") show("items");
  }

  // ---------------------------------------------------------------- card reads (events)

  function renderConn() {
    const c = $("conn");
    c.dataset.state = st.feed.conn;
    c.textContent = {
      connecting: L("连接中…", "Connecting…"),
      open: L("已连接", "Connected"),
      reconnecting: L("正在重连…", "Reconnecting…"),
    }[st.feed.conn];
  }

  function setConn(state) {
    if (st.feed.conn !== state) {
      st.feed.conn = state;
      renderConn();
    }
  }

  function startFeed(first) {
    stopFeed();
    if (first) {
      st.feed.seq = first.seq;
      st.feed.epoch = first.epoch;
      setConn("open");
    }
    st.feed.retry = POLL_MS;
    st.feed.timer = setTimeout(poll, first ? POLL_MS : 0);
  }

  function stopFeed() {
    clearTimeout(st.feed.timer);
    st.feed.timer = null;
  }

  async function poll() {
    st.feed.timer = null;
    if (!st.password) return;
    const q = st.feed.seq === null ? "" : `?since=${st.feed.seq}&epoch=${st.feed.epoch}`;
    const r = await call("GET", `/api/v1/kiosks/${encodeURIComponent(KIOSK)}/events${q}`, { auth: true });
    if (!st.password) return;
    if (r.status === 200 && r.body) {
      setConn("open");
      st.feed.retry = POLL_MS;
      const fresh = st.feed.seq === null;
      const now = Date.parse(r.body.now);
      for (const ev of r.body.events || []) {
        const recent = !r.body.reset || now - Date.parse(ev.ts) <= RECENT_MS;
        if (!fresh && recent) onEvent(ev);
      }
      st.feed.seq = r.body.seq;
      st.feed.epoch = r.body.epoch;
      st.feed.timer = setTimeout(poll, POLL_MS);
      return;
    }
    const e = errorOf(r);
    if (e.code === "kiosk_unauthorized") {
      openSetup("setup", L("设备密码已失效，请重新设置", "The device password no longer works; set it up again"));
      return;
    }
    // Anything else: keep the last position and try again, backing off to 30 s.
    setConn("reconnecting");
    st.feed.retry = Math.min(st.feed.retry * 2, 30000);
    st.feed.timer = setTimeout(poll, st.feed.retry);
  }

  function onEvent(ev) {
    const p = ev.payload || {};
    const who = [p.name_masked, p.id_masked].filter(Boolean).join(" ");
    if (ev.type === "card_ticket") {
      $("refusal").hidden = true;
      showTicket({
        ticket: {
          id: p.ticket, number: p.number, item: p.item, queue: p.queue, priority: p.priority,
          people_ahead: p.people_ahead, expected_call_at: p.expected_call_at,
          wait_unknown: !p.expected_call_at,
        },
        print: p.print ? { status: p.print } : null,
        fallback: p.print === "out_of_service" ? { qr: `/t/${p.ticket}`, sms: false } : null,
        source: `${L("身份证取号", "ID card")} ${who}`,
      });
    } else if (ev.type === "card_refused") {
      refuse({ code: p.code, message: p.message, who: `${L("身份证", "ID card")} ${who}` });
    }
  }

  // ---------------------------------------------------------------- wiring

  async function loadKiosk() {
    const r = await call("GET", "/api/v1/kiosks");
    const k = r.status === 200 && r.body ? (r.body.kiosks || []).find((x) => x.id === KIOSK) : null;
    if (k) {
      st.kioskName = k.name;
      $("kiosk-name").textContent = k.name;
      // Only a kiosk with an ID-card reader invites a card.
      $("card-hint").hidden = k.card_reader === false;
    }
  }

  function wire() {
    $("lang").addEventListener("click", () => {
      lang = lang === "en" ? "zh" : "en";
      localStorage.setItem(LANG_KEY, lang);
      applyLang();
    });
    $("setup-save").addEventListener("click", saveSetup);
    $("setup-password").addEventListener("keydown", (e) => { if (e.key === "Enter") saveSetup(); });
    $("setup-cancel").addEventListener("click", () => show("items"));
    $("reset").addEventListener("click", () => openSetup("reset"));
    $("appt-btn").addEventListener("click", () => { st.item = null; openKeypad("code"); });
    $("m-plain").addEventListener("click", () => takeTicket({ item: st.item.id }, ""));
    $("m-phone").addEventListener("click", () => openKeypad("phone"));
    $("m-special").addEventListener("click", () => {
      $("special-password").value = "";
      $("special-error").textContent = "";
      show("special-view");
      $("special-password").focus();
    });
    $("m-back").addEventListener("click", () => show("items"));
    $("key-back").addEventListener("click", () => show(st.keypad && st.keypad.mode === "phone" ? "method" : "items"));
    $("key-ok").addEventListener("click", () => {
      const k = st.keypad;
      if (k.mode === "phone") {
        takeTicket({ item: st.item.id, phone: k.value },
          L(`手机号 ${k.value.slice(0, 3)}****${k.value.slice(7)}`, `Phone ${k.value.slice(0, 3)}****${k.value.slice(7)}`));
      } else {
        checkIn(k.value);
      }
    });
    $("special-back").addEventListener("click", () => show("method"));
    $("special-ok").addEventListener("click", () => {
      const pw = $("special-password").value;
      if (!pw) {
        $("special-error").textContent = L("请输入特殊人群密码", "Enter the special-group password");
        return;
      }
      takeTicket({ item: st.item.id, priority: "special", priority_password: pw },
        L("特殊人群优先", "Special group (priority)"));
    });
    $("t-done").addEventListener("click", () => show("items"));
    $("refusal-ok").addEventListener("click", closeRefusal);
  }

  function start() {
    wire();
    applyLang();
    tick();
    setInterval(tick, 1000);
    loadKiosk();
    st.itemsTimer = setInterval(() => { if (st.view === "items") loadItems(); }, ITEMS_EVERY_MS);
    if (st.password) {
      show("items");
      startFeed(null);
    } else {
      openSetup("setup");
      setConn("connecting");
    }
  }

  start();
})();
