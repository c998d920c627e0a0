// The dashboard's "大厅公告 Notice" panel (/dashboard/notice.js): a
// supervisor sends a notice to the hall's public screens (the whole hall,
// one area or one screen; for some minutes or until cleared) and clears
// the notices in force. It fills <section id="notice-section"> of
// dashboard.html on its own: it shares only the session token and the
// language with dashboard.js (sessionStorage / localStorage keys, and the
// data-zh / data-en texts dashboard.js switches on the language button).
// API: GET / POST /api/v1/notices, DELETE /api/v1/notices/{id}
// (README "大厅公告 Notices"). The screens show a notice within a frame of
// its commit; this panel re-reads the list after each change and every
// REFRESH_MS (to drop expired ones and see other supervisors' changes).
(() => {
  "use strict";

  const TOKEN_KEY = "tingwu.dashboard.token";
  const LANG_KEY = "tingwu.dashboard.lang";
  const REFRESH_MS = 15000;

  const $ = (id) => document.getElementById(id);
  const lang = () => (localStorage.getItem(LANG_KEY) === "en" ? "en" : "zh");
  const L = (zh, en) => (lang() === "en" ? en : zh);
  const token = () => sessionStorage.getItem(TOKEN_KEY);
  const state = { notices: [], areas: [], screens: [], timer: null, loaded: false };

  // An element with a zh/en text dashboard.js switches with the language.
  function t(tag, zh, en, attrs = {}) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
    el.dataset.zh = zh;
    el.dataset.en = en;
    el.textContent = L(zh, en);
    return el;
  }

  const STYLE = `
    #notice-section { flex: 0 0 auto; }
    #notice-form { display: grid; grid-template-columns: auto 1fr; gap: 4px 8px; align-items: center; }
    #notice-form input, #notice-form select { padding: 2px 4px; border: 1px solid #b9c3d8; border-radius: 4px; width: 100%; min-width: 0; }
    #notice-list { list-style: none; margin: 0 0 6px; padding: 0; max-height: 120px; overflow: auto; }
    #notice-list li { border-left: 4px solid #e0a800; background: #fff8db; padding: 3px 6px; margin-bottom: 4px;
                      display: grid; grid-template-columns: 1fr auto; gap: 2px 6px; align-items: center; }
    #notice-list .zh { font-weight: 600; overflow-wrap: anywhere; }
    #notice-list .en, #notice-list .meta { color: var(--muted); font-size: 11px; grid-column: 1; overflow-wrap: anywhere; }
    #notice-list button { grid-column: 2; grid-row: 1 / span 3; font-size: 12px; }
    #notice-message[data-ok="false"] { color: #b42318; }
    #notice-message[data-ok="true"] { color: #1f7a45; }`;

  function build() {
    const section = $("notice-section");
    if (!section || section.dataset.built) return section;
    section.dataset.built = "1";
    const style = document.createElement("style");
    style.textContent = STYLE;
    document.head.appendChild(style);
    const h2 = document.createElement("h2");
    h2.appendChild(t("span", "大厅公告", "Hall notices"));
    const count = document.createElement("span");
    count.id = "notice-count";
    count.className = "sub";
    h2.appendChild(count);
    section.appendChild(h2);
    const list = document.createElement("ul");
    list.id = "notice-list";
    section.appendChild(list);
    const form = document.createElement("form");
    form.id = "notice-form";
    form.autocomplete = "off";
    const field = (id, zh, en, input) => {
      form.appendChild(t("label", zh, en, { for: id }));
      input.id = id;
      form.appendChild(input);
      return input;
    };
    const zh = field("notice-zh", "内容（中文）", "Text (Chinese)", document.createElement("input"));
    zh.maxLength = 200;
    zh.required = true;
    const en = field("notice-en", "内容（英文，可选）", "Text (English, optional)", document.createElement("input"));
    en.maxLength = 400;
    field("notice-scope", "范围", "Shown on", document.createElement("select"));
    const minutes = field("notice-minutes", "有效（分钟）", "For (minutes)", document.createElement("input"));
    minutes.type = "number";
    minutes.min = "1";
    minutes.max = "10080";
    minutes.step = "1";
    minutes.placeholder = L("留空：撤下前一直有效", "empty: until cleared");
    form.appendChild(document.createElement("span"));
    form.appendChild(t("button", "发布", "Send", { id: "notice-send", type: "submit", class: "primary" }));
    section.appendChild(form);
    const message = document.createElement("div");
    message.id = "notice-message";
    message.setAttribute("role", "status");
    section.appendChild(message);
    form.addEventListener("submit", send);
    return section;
  }

  async function api(method, path, body) {
    const headers = { Authorization: `Bearer ${token()}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const data = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error((data.error && data.error.message) || `HTTP ${r.status}`);
    return data;
  }

  function say(ok, text) {
    const m = $("notice-message");
    m.dataset.ok = ok ? "true" : "false";
    m.textContent = text;
  }

  const time = (ts) => new Date(ts).toLocaleTimeString(lang() === "en" ? "en-GB" : "zh-CN",
    { hour: "2-digit", minute: "2-digit" });

  function scopeText(n) {
    const name = (list, id) => {
      const x = list.find((e) => e.id === id);
      return x ? L(x.name, x.name_en || x.name) : id;
    };
    const parts = [
      ...(n.areas || []).map((a) => name(state.areas, a)),
      ...(n.screens || []).map((s) => name(state.screens, s)),
    ];
    return parts.length ? parts.join("、") : L("全厅", "Whole hall");
  }

  function renderScopes() {
    const select = $("notice-scope");
    const keep = select.value;
    select.innerHTML = "";
    const opt = (value, text) => {
      const o = document.createElement("option");
      o.value = value;
      o.textContent = text;
      select.appendChild(o);
    };
    opt("hall", L("全厅（所有公共屏）", "Whole hall (every public screen)"));
    for (const a of state.areas) opt(`area:${a.id}`, `${L("区域", "Area")}：${L(a.name, a.name_en || a.name)}`);
    for (const s of state.screens) opt(`screen:${s.id}`, `${L("显示屏", "Screen")}：${L(s.name, s.name_en || s.name)}`);
    if ([...select.options].some((o) => o.value === keep)) select.value = keep;
  }

  function render() {
    if (!build()) return;
    renderScopes();
    $("notice-minutes").placeholder = L("留空：撤下前一直有效", "empty: until cleared");
    $("notice-count").textContent = state.notices.length ? `${state.notices.length} ${L("条生效", "in force")}` : "";
    const list = $("notice-list");
    list.innerHTML = "";
    if (!state.notices.length) {
      const li = t("li", "暂无生效公告", "No notice in force", { class: "muted" });
      li.style.background = "none";
      li.style.borderLeft = "0";
      list.appendChild(li);
      return;
    }
    for (const n of state.notices) {
      const li = document.createElement("li");
      li.dataset.notice = n.id;
      const zh = document.createElement("span");
      zh.className = "zh";
      zh.textContent = n.text_zh;
      li.appendChild(zh);
      const clear = t("button", "撤下", "Clear", { type: "button" });
      clear.addEventListener("click", () => remove(n.id, clear));
      li.appendChild(clear);
      if (n.text_en) {
        const en = document.createElement("span");
        en.className = "en";
        en.textContent = n.text_en;
        li.appendChild(en);
      }
      const meta = document.createElement("span");
      meta.className = "meta";
      const until = n.expires_at ? `${L("至", "until")} ${time(n.expires_at)}` : L("撤下前一直有效", "until cleared");
      meta.textContent = `${scopeText(n)} · ${until} · ${n.by}`;
      li.appendChild(meta);
      list.appendChild(li);
    }
  }

  async function load() {
    if (!token() || !$("notice-section")) return;
    try {
      const data = await api("GET", "/api/v1/notices");
      state.notices = data.notices || [];
      state.areas = data.areas || [];
      state.screens = data.screens || [];
      state.loaded = true;
      render();
    } catch (e) {
      build();
      say(false, `${L("公告读取失败", "Could not read the notices")}: ${e.message}`);
    }
  }

  async function send(ev) {
    ev.preventDefault();
    const body = { text_zh: $("notice-zh").value };
    const en = $("notice-en").value.trim();
    if (en) body.text_en = en;
    const scope = $("notice-scope").value;
    if (scope.startsWith("area:")) body.areas = [scope.slice(5)];
    if (scope.startsWith("screen:")) body.screens = [scope.slice(7)];
    const minutes = $("notice-minutes").value.trim();
    if (minutes) body.minutes = Number(minutes);
    $("notice-send").disabled = true;
    try {
      const n = await api("POST", "/api/v1/notices", body);
      say(true, `${L("已发布", "Sent")}: ${n.text_zh}`);
      $("notice-zh").value = "";
      $("notice-en").value = "";
      await load();
    } catch (e) {
      say(false, e.message);
    } finally {
      $("notice-send").disabled = false;
    }
  }

  async function remove(id, button) {
    button.disabled = true;
    try {
      await api("DELETE", `/api/v1/notices/${encodeURIComponent(id)}`);
      say(true, L("已撤下", "Cleared"));
    } catch (e) {
      say(false, e.message);
    }
    await load();
  }

  // Loaded while the dashboard is shown (after its login), refreshed
  // every REFRESH_MS; the language button re-renders the lists.
  function watch() {
    const app = $("app");
    const tick = () => {
      if (app && !app.hidden && token()) {
        if (!state.timer) {
          load();
          state.timer = setInterval(load, REFRESH_MS);
        }
      } else if (state.timer) {
        clearInterval(state.timer);
        state.timer = null;
      }
    };
    if (app) new MutationObserver(tick).observe(app, { attributes: true, attributeFilter: ["hidden"] });
    const button = $("lang");
    if (button) button.addEventListener("click", () => setTimeout(render, 0));
    tick();
  }

  build();
  watch();
})();
