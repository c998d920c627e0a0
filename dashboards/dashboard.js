// The supervisor dashboard's script (/dashboard/app.js). See
// dashboards/README.md, "dashboard.html", for what it shows and the ids.
(() => {
  "use strict";

  const TOKEN_KEY = "tingwu.dashboard.token";
  const LANG_KEY = "tingwu.dashboard.lang";
  const STATES = {
    logged_out: ["未登录", "Logged out"],
    idle: ["空闲", "Idle"],
    called: ["已呼叫", "Calling"],
    serving: ["正在办理", "Serving"],
    paused: ["暂停办理", "Paused"],
    attendance_anomaly: ["考勤异常", "Attendance anomaly"],
  };
  const CHANNELS = [["onsite", "现场", "On-site", "#2f6fe0"], ["appointment", "预约", "Appointment", "#1f9d55"],
    ["online", "网上", "Online", "#e07b1a"]];
  // Calling orders a supervisor picks from (classes: core::strategy::Class).
  const PRESETS = [
    ["default", "默认：回呼、绿色通道、预约、特殊人群、现场", "Default: returned, green, appointment, special, walk-in",
      { order: ["returned", "green", "appointment", "special", "walkin"], blend: [] }],
    ["walkin_first", "现场优先于预约", "Walk-ins before appointments",
      { order: ["returned", "green", "special", "walkin", "appointment"], blend: [] }],
    ["blend_2_1", "预约与现场 2:1 交替", "Appointments and walk-ins 2:1",
      { order: ["returned", "green", "special", "appointment", "walkin"],
        blend: [{ class: "appointment", weight: 2 }, { class: "walkin", weight: 1 }] }],
  ];
  const STATS_EVERY_MS = 30000;
  const STATS_AFTER_EVENT_MS = 5000;

  const $ = (id) => document.getElementById(id);
  let lang = localStorage.getItem(LANG_KEY) === "en" ? "en" : "zh";
  const L = (zh, en) => (lang === "en" ? en : zh);

  const st = {
    token: sessionStorage.getItem(TOKEN_KEY),
    ws: null, seq: null, retry: 1000, retryTimer: null, live: false,
    windows: new Map(), queues: new Map(), alarms: new Map(),
    predicted: new Map(), // queue id → estimated wait (s) told to its newest ticket
    today: null, range: null, hall: "", hallEn: "",
    statsTimer: null, statsSoon: null, charts: {}, strategy: null,
  };

  // ---------------------------------------------------------------- texts

  function applyLang() {
    document.documentElement.lang = lang === "en" ? "en" : "zh-CN";
    document.querySelectorAll("[data-zh]").forEach((el) => { el.textContent = L(el.dataset.zh, el.dataset.en); });
    $("lang").textContent = lang === "en" ? "中文" : "English";
    $("hall-name").textContent = L(st.hall, st.hallEn || st.hall);
    $("legend").innerHTML = "";
    for (const [key, names] of Object.entries(STATES)) {
      const s = document.createElement("span");
      s.dataset.state = key;
      s.innerHTML = '<i style="background:var(--st)"></i>';
      s.appendChild(document.createTextNode(L(names[0], names[1])));
      $("legend").appendChild(s);
    }
    renderConn();
    renderFloor();
    renderQueues();
    renderAlarms();
    renderPresets();
    renderStrategy();
    renderCharts();
  }

  const fmtDur = (ms) => {
    if (ms == null) return "—";
    const s = Math.max(0, Math.round(ms / 1000));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    const two = (n) => String(n).padStart(2, "0");
    return h > 0 ? `${h}:${two(m)}:${two(sec)}` : `${two(m)}:${two(sec)}`;
  };
  const today = () => {
    const d = new Date();
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
  };

  // ---------------------------------------------------------------- HTTP

  async function api(method, path, body) {
    const headers = { Authorization: `Bearer ${st.token}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if (r.status === 401) { loggedOut(); throw new Error("unauthorized"); }
    const type = r.headers.get("Content-Type") || "";
    const data = type.includes("json") ? await r.json() : await r.blob();
    if (!r.ok) {
      const e = new Error((data && data.error && data.error.message) || `HTTP ${r.status}`);
      e.code = data && data.error && data.error.code;
      throw e;
    }
    return data;
  }

  // ---------------------------------------------------------------- login

  async function login(ev) {
    ev.preventDefault();
    $("login-error").textContent = "";
    $("login-btn").disabled = true;
    try {
      const r = await fetch("/api/v1/login", {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ user: $("user").value.trim(), password: $("password").value }),
      });
      const data = await r.json().catch(() => ({}));
      if (!r.ok) {
        const msg = (data.error && data.error.message) || `HTTP ${r.status}`;
        // A 401 is the wrong password, said once in the page's language; any
        // other refusal (a lockout, a full session table) is the server's own words.
        $("login-error").textContent = r.status === 401 ? L("用户名或密码错误", "Wrong user or password") : msg;
        return;
      }
      st.token = data.token;
      sessionStorage.setItem(TOKEN_KEY, st.token);
      $("password").value = "";
      start();
    } catch (e) {
      $("login-error").textContent = `${L("无法连接服务器", "Cannot reach the server")}: ${e.message}`;
    } finally {
      $("login-btn").disabled = false;
    }
  }

  function loggedOut() {
    st.token = null;
    sessionStorage.removeItem(TOKEN_KEY);
    st.live = false;
    if (st.ws) { st.ws.onclose = null; st.ws.close(); st.ws = null; }
    clearTimeout(st.retryTimer);
    clearInterval(st.statsTimer);
    $("app").hidden = true;
    $("logout").hidden = true;
    $("range").hidden = true;
    $("login").hidden = false;
  }

  function start() {
    $("login").hidden = true;
    $("app").hidden = false;
    $("logout").hidden = false;
    $("range").hidden = false;
    st.live = true;
    st.seq = null;
    if (!$("from").value) { $("from").value = today(); $("to").value = today(); }
    connect();
    loadStats();
    loadStrategy();
    clearInterval(st.statsTimer);
    st.statsTimer = setInterval(loadStats, STATS_EVERY_MS);
    applyLang();
  }

  // ---------------------------------------------------------------- stream

  function renderConn() {
    const c = $("conn");
    const names = { connecting: ["连接中…", "Connecting…"], open: ["实时", "Live"], reconnecting: ["正在重连…", "Reconnecting…"] };
    const n = names[c.dataset.state] || names.connecting;
    c.textContent = L(n[0], n[1]);
  }

  function setConn(state) { $("conn").dataset.state = state; renderConn(); }

  function connect() {
    if (!st.live || !st.token) return;
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    let url = `${proto}//${location.host}/ws/dashboard?token=${encodeURIComponent(st.token)}`;
    if (st.seq != null) url += `&since=${st.seq}`;
    const ws = new WebSocket(url);
    st.ws = ws;
    let opened = false;
    ws.onopen = () => { opened = true; setConn("open"); };
    ws.onmessage = (m) => {
      st.retry = 1000;
      let env;
      try { env = JSON.parse(m.data); } catch (e) { return; }
      onFrame(env);
    };
    ws.onclose = () => {
      if (st.ws !== ws) return;
      st.ws = null;
      if (!st.live) return;
      setConn("reconnecting");
      // A refused handshake may be an expired session: ask the API.
      if (!opened) api("GET", "/api/v1/strategies").catch(() => {});
      const delay = Math.min(st.retry, 30000) * (1 + Math.random() * 0.2);
      st.retry = Math.min(st.retry * 2, 30000);
      st.retryTimer = setTimeout(connect, delay);
    };
  }

  function onFrame(env) {
    if (env.type === "reset") {
      st.seq = null;
      if (st.ws) st.ws.close();
      return;
    }
    if (env.type === "command_result" || env.type === "error") return;
    if (env.type === "snapshot") {
      const p = env.payload || {};
      st.seq = env.seq;
      st.hall = p.hall || ""; st.hallEn = p.hall_en || "";
      st.windows = new Map((p.windows || []).map((w) => [w.id, w]));
      st.queues = new Map((p.queues || []).map((q) => [q.id, q]));
      st.alarms = new Map((p.alarms || []).filter((a) => a.active !== false).map((a) => [a.id, a]));
      $("hall-name").textContent = L(st.hall, st.hallEn || st.hall);
      renderFloor(); renderQueues(); renderAlarms();
      return;
    }
    if (st.seq == null || typeof env.seq !== "number" || env.seq <= st.seq) return;
    st.seq = env.seq;
    const p = env.payload || {};
    switch (env.type) {
      case "window": {
        const old = st.windows.get(p.id);
        if (old && typeof old.version === "number" && p.version < old.version) break;
        st.windows.set(p.id, p);
        renderTile(p);
        break;
      }
      case "queue":
        st.queues.set(p.id, p);
        renderQueues();
        break;
      case "call": {
        const tile = document.querySelector(`.tile[data-window="${CSS.escape(p.window)}"]`);
        if (tile) { tile.classList.remove("flash"); void tile.offsetWidth; tile.classList.add("flash"); }
        break;
      }
      case "ticket":
        if (p.status === "waiting" && !p.wait_unknown) st.predicted.set(p.waiting_in || p.queue, p.estimated_wait_s);
        statsSoon();
        break;
      case "alarm":
        if (p.active === false) st.alarms.delete(p.id); else st.alarms.set(p.id, p);
        renderAlarms();
        break;
      default:
        break;
    }
  }

  // ---------------------------------------------------------------- floor map

  function areaLabel(id) {
    const a = st.range && st.range.by_area.find((g) => g.key === id)
      || st.today && st.today.by_area.find((g) => g.key === id);
    return a ? L(a.label_zh, a.label_en) : id || "—";
  }

  function renderFloor() {
    const floor = $("floor");
    floor.innerHTML = "";
    const byArea = new Map();
    [...st.windows.values()].sort((a, b) => a.number - b.number).forEach((w) => {
      if (!byArea.has(w.area)) byArea.set(w.area, []);
      byArea.get(w.area).push(w);
    });
    for (const [area, list] of byArea) {
      const box = document.createElement("div");
      box.className = "area";
      box.dataset.area = area;
      const h = document.createElement("h3");
      h.textContent = areaLabel(area);
      const tiles = document.createElement("div");
      tiles.className = "tiles";
      list.forEach((w) => tiles.appendChild(tileOf(w)));
      box.append(h, tiles);
      floor.appendChild(box);
    }
  }

  function tileOf(w) {
    const t = document.createElement("div");
    t.className = "tile";
    t.dataset.window = w.id;
    fillTile(t, w);
    return t;
  }

  function renderTile(w) {
    const t = document.querySelector(`.tile[data-window="${CSS.escape(w.id)}"]`);
    if (t && t.closest(".area").dataset.area === w.area) fillTile(t, w); else renderFloor();
  }

  function fillTile(t, w) {
    // The displayed state: 考勤异常 over the window's own state while an
    // attendance anomaly holds (display_state; older events have none).
    const shown = w.display_state || w.state;
    const s = STATES[shown] || [w.state_zh || shown, shown];
    t.dataset.state = shown;
    t.dataset.version = w.version == null ? "" : String(w.version);
    t.dataset.enabled = String(w.enabled !== false);
    t.dataset.busySince = w.busy_since && (w.state === "called" || w.state === "serving") ? w.busy_since : "";
    t.title = w.pause_reason ? `${L("暂停原因", "Pause reason")}: ${w.pause_reason}` : "";
    t.innerHTML = "";
    const top = document.createElement("div");
    top.className = "top";
    const name = document.createElement("span");
    name.textContent = L(w.name, w.name_en || w.name);
    const state = document.createElement("span");
    state.className = "state";
    state.textContent = L(s[0], s[1]);
    top.append(name, state);
    const staff = document.createElement("div");
    staff.className = "staff";
    staff.textContent = w.staff ? `${w.staff.name} · ${w.staff.id}` : "—";
    const ticket = document.createElement("div");
    ticket.className = "ticket";
    const num = document.createElement("b");
    num.className = "number";
    num.textContent = w.ticket ? w.ticket.number : "";
    const timer = document.createElement("span");
    timer.className = "timer";
    ticket.append(num, " ", timer);
    t.append(top, staff, ticket);
    tickTile(t, Date.now());
  }

  function tickTile(t, now) {
    const timer = t.querySelector(".timer");
    if (!timer) return;
    const since = t.dataset.busySince;
    timer.textContent = since ? fmtDur(now - Date.parse(since)) : "";
  }

  // ---------------------------------------------------------------- queues

  function renderQueues() {
    const body = $("queues");
    body.innerHTML = "";
    const served = new Map(), longest = new Map(), predicted = new Map();
    const gen = st.today ? Date.parse(st.today.generated_at) : 0;
    if (st.today) st.today.by_queue.forEach((q) => {
      served.set(q.key, q.served);
      if (q.longest_wait_ms != null) longest.set(q.key, q.longest_wait_ms - gen);
      if (q.predicted_wait_ms != null) predicted.set(q.key, q.predicted_wait_ms);
    });
    for (const q of st.queues.values()) {
      const tr = document.createElement("tr");
      tr.dataset.queue = q.id;
      const cells = [
        [`${q.prefix} · ${L(q.name, q.name_en || q.name)}`, ""],
        [String(q.waiting), "n waiting"],
        ["", "n longest"],
        [st.predicted.has(q.id) ? fmtDur(st.predicted.get(q.id) * 1000)
          : predicted.has(q.id) ? fmtDur(predicted.get(q.id)) : "—", "n predicted"],
        [served.has(q.id) ? String(served.get(q.id)) : "—", "n served"],
      ];
      for (const [text, cls] of cells) {
        const td = document.createElement("td");
        td.className = cls;
        td.textContent = text;
        tr.appendChild(td);
      }
      const cell = tr.querySelector(".longest");
      cell.dataset.base = q.waiting > 0 && longest.has(q.id) ? String(longest.get(q.id)) : "";
      body.appendChild(tr);
    }
    tickQueues(Date.now());
  }

  function tickQueues(now) {
    document.querySelectorAll("#queues .longest").forEach((c) => {
      c.textContent = c.dataset.base ? fmtDur(Number(c.dataset.base) + now) : "—";
    });
  }

  // ---------------------------------------------------------------- alarms

  function renderAlarms() {
    const ul = $("alarms");
    ul.innerHTML = "";
    const list = [...st.alarms.values()].sort((a, b) => String(b.raised_at).localeCompare(String(a.raised_at)));
    $("alarm-count").textContent = `${list.length}`;
    if (!list.length) {
      const li = document.createElement("li");
      li.className = "muted";
      li.dataset.severity = "info";
      li.textContent = L("暂无告警", "No active alarms");
      li.dataset.empty = "true";
      ul.appendChild(li);
      return;
    }
    for (const a of list) {
      const li = document.createElement("li");
      li.dataset.alarm = a.id;
      li.dataset.severity = a.severity;
      const msg = document.createElement("div");
      msg.textContent = L(a.message_zh, a.message_en || a.message_zh);
      const when = document.createElement("div");
      when.className = "when";
      when.textContent = `${new Date(a.raised_at).toLocaleTimeString(lang === "en" ? "en-GB" : "zh-CN")} · ${a.source} · ${a.kind}`;
      li.append(msg, when, ackPart(a));
      ul.appendChild(li);
    }
  }

  // An acknowledged alarm says who and when; an open one offers 确认 with a note.
  function ackPart(a) {
    const div = document.createElement("div");
    div.className = "ack";
    if (a.acknowledged) {
      const k = a.acknowledged;
      const at = new Date(k.at).toLocaleTimeString(lang === "en" ? "en-GB" : "zh-CN");
      div.dataset.acknowledged = "true";
      div.textContent = L(`已确认：${k.by} ${at}`, `Acknowledged by ${k.by} at ${at}`) + (k.note ? ` · ${k.note}` : "");
      return div;
    }
    const note = document.createElement("input");
    note.type = "text";
    note.maxLength = 500;
    note.placeholder = L("备注（可选）", "Note (optional)");
    const btn = document.createElement("button");
    btn.type = "button";
    btn.className = "ack-button";
    btn.textContent = L("确认", "Acknowledge");
    const err = document.createElement("span");
    err.className = "error";
    btn.addEventListener("click", async () => {
      btn.disabled = true;
      try {
        const r = await api("POST", "/api/v1/alarms/ack", { id: a.id, note: note.value });
        st.alarms.set(a.id, { ...a, ...r.alarm });
        renderAlarms();
      } catch (e) {
        err.textContent = e.message;
        btn.disabled = false;
      }
    });
    div.append(note, btn, err);
    return div;
  }

  // ---------------------------------------------------------------- statistics

  async function loadStats() {
    if (!st.token) return;
    const from = $("from").value || today(), to = $("to").value || today();
    try {
      const todays = await api("GET", "/api/v1/stats");
      st.today = todays;
      const isToday = from === todays.from && to === todays.to;
      st.range = isToday ? todays : await api("GET", `/api/v1/stats?from=${from}&to=${to}`);
      $("stats-error").textContent = "";
    } catch (e) {
      $("stats-error").textContent = e.message;
      return;
    }
    renderQueues();
    renderCharts();
    document.querySelectorAll(".area h3").forEach((h) => { h.textContent = areaLabel(h.parentElement.dataset.area); });
  }

  function statsSoon() {
    if (st.statsSoon) return;
    st.statsSoon = setTimeout(() => { st.statsSoon = null; loadStats(); }, STATS_AFTER_EVENT_MS);
  }

  async function downloadCsv() {
    const from = $("from").value || today(), to = $("to").value || today();
    try {
      const blob = await api("GET", `/api/v1/stats?from=${from}&to=${to}&format=csv`);
      const a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = `tingwu-stats-${from}-${to}.csv`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 1000);
    } catch (e) {
      $("stats-error").textContent = e.message;
    }
  }

  function chart(id) {
    if (!st.charts[id]) st.charts[id] = echarts.init($(id), null, { renderer: "canvas" });
    return st.charts[id];
  }

  function renderCharts() {
    const r = st.range;
    if (!r || typeof echarts === "undefined" || $("app").hidden) return;
    // Hours with tickets, and the usual opening hours around them.
    const used = r.by_hour.filter((g) => g.tickets > 0).map((g) => Number(g.key));
    const lo = Math.min(8, ...used), hi = Math.max(18, ...used);
    const hours = r.by_hour.filter((g) => Number(g.key) >= lo && Number(g.key) <= hi);
    chart("chart-hourly").setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { top: 0, itemWidth: 10, itemHeight: 8, textStyle: { fontSize: 11 } },
      grid: { left: 30, right: 8, top: 24, bottom: 20 },
      xAxis: { type: "category", data: hours.map((g) => g.key), axisLabel: { fontSize: 10 } },
      yAxis: { type: "value", minInterval: 1, axisLabel: { fontSize: 10 } },
      series: CHANNELS.map(([key, zh, en, color]) => ({
        name: L(zh, en), type: "bar", stack: "tickets", color, data: hours.map((g) => g[key]),
      })),
    });
    const queues = r.by_queue;
    const min = (ms) => (ms == null ? 0 : Math.round(ms / 600) / 100);
    chart("chart-waits").setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { top: 0, itemWidth: 10, itemHeight: 8, textStyle: { fontSize: 11 } },
      grid: { left: 34, right: 8, top: 24, bottom: 20 },
      xAxis: { type: "category", data: queues.map((q) => q.key), axisLabel: { fontSize: 10 } },
      yAxis: { type: "value", axisLabel: { fontSize: 10 } },
      series: [
        { name: L("平均", "Average"), type: "bar", color: "#2f6fe0", data: queues.map((q) => min(q.avg_wait_ms)) },
        { name: "P90", type: "bar", color: "#d33a3a", data: queues.map((q) => min(q.p90_wait_ms)) },
      ],
    });
    chart("chart-areas").setOption({
      animation: false,
      tooltip: { trigger: "item" },
      series: [{
        type: "pie", radius: ["35%", "65%"], label: { fontSize: 10 },
        data: r.by_area.map((g) => ({ name: L(g.label_zh, g.label_en), value: g.tickets })),
      }],
    });
  }

  // ---------------------------------------------------------------- strategy

  function presetOf(s) {
    const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
    const p = PRESETS.find(([, , , v]) => same(v.order, s.order) && same(v.blend, s.blend || []));
    return p ? p[0] : null;
  }

  function renderPresets() {
    const sel = $("strategy-preset");
    const keep = sel.value;
    sel.innerHTML = "";
    for (const [key, zh, en] of PRESETS) {
      const o = document.createElement("option");
      o.value = key;
      o.textContent = L(zh, en);
      sel.appendChild(o);
    }
    if (keep) sel.value = keep;
  }

  function renderStrategy() {
    const s = st.strategy;
    const cur = $("strategy-current");
    if (!s) { cur.textContent = ""; return; }
    const p = PRESETS.find(([k]) => k === presetOf(s.hall));
    const order = p ? L(p[1], p[2]) : s.hall.order.join(" › ");
    const cap = s.hall.max_wait_s ? ` · ${L("最长等候", "wait cap")} ${Math.round(s.hall.max_wait_s / 60)} ${L("分钟", "min")}` : "";
    const own = Object.keys(s.windows || {}).length;
    cur.textContent = `${L("当前", "Now")}: ${order}${cap}` + (own ? ` · ${own} ${L("个窗口另有策略", "windows have their own")}` : "");
  }

  async function loadStrategy() {
    try {
      st.strategy = await api("GET", "/api/v1/strategies");
      const key = presetOf(st.strategy.hall);
      if (key) $("strategy-preset").value = key;
      $("strategy-max-wait").value = st.strategy.hall.max_wait_s ? Math.round(st.strategy.hall.max_wait_s / 60) : "";
      renderStrategy();
    } catch (e) { /* shown on the next attempt */ }
  }

  async function applyStrategy(ev) {
    ev.preventDefault();
    const msg = $("strategy-message");
    const preset = PRESETS.find(([k]) => k === $("strategy-preset").value);
    if (!preset) return;
    const strategy = Object.assign({}, st.strategy ? st.strategy.hall : {}, preset[3]);
    const cap = Number($("strategy-max-wait").value);
    strategy.max_wait_s = cap > 0 ? Math.round(cap * 60) : null;
    const reason = $("strategy-reason").value.trim() || null;
    msg.dataset.ok = "pending";
    msg.textContent = L("提交中…", "Applying…");
    try {
      st.strategy = await api("PUT", "/api/v1/strategies/hall", { strategy, reason });
      msg.dataset.ok = "true";
      msg.textContent = L("已应用", "Applied");
      renderStrategy();
    } catch (e) {
      msg.dataset.ok = "false";
      msg.textContent = e.message;
    }
  }

  // ---------------------------------------------------------------- wiring

  function tick() {
    const now = Date.now();
    $("clock").textContent = new Date(now).toLocaleTimeString(lang === "en" ? "en-GB" : "zh-CN");
    document.querySelectorAll(".tile").forEach((t) => tickTile(t, now));
    tickQueues(now);
  }

  $("login").addEventListener("submit", login);
  $("logout").addEventListener("click", loggedOut);
  $("lang").addEventListener("click", () => {
    lang = lang === "en" ? "zh" : "en";
    localStorage.setItem(LANG_KEY, lang);
    applyLang();
  });
  $("range-apply").addEventListener("click", loadStats);
  $("csv").addEventListener("click", downloadCsv);
  $("strategy-form").addEventListener("submit", applyStrategy);
  window.addEventListener("resize", () => Object.values(st.charts).forEach((c) => c.resize()));
  setInterval(tick, 1000);
  applyLang();
  tick();
  if (st.token) start(); else $("user").focus();
})();
