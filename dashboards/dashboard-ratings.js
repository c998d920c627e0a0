// The dashboard's 好差评 (ratings) panel (/dashboard/ratings.js), beside
// /dashboard/app.js. See dashboards/README.md, "dashboard.html".
//
// - 满意度分布: ★5 非常满意 … ★1 非常不满意 and 未评价 (not rated) for the
//   header's range (GET /api/v1/ratings/summary?from=&to=), with the
//   satisfaction rate 满意率 (基本满意 or better ÷ ratings given);
// - 月度排名: the month of the range's last day, by window or by staff
//   member, best first (GET /api/v1/ratings/monthly?month=);
// - 差评回访: the open follow-ups of bad ratings, overdue ones red
//   (GET /api/v1/ratings/follow-ups).
//
// It shares the page's session (the token app.js keeps), its language (the
// same stored choice, redrawn when the 中文/English button is pressed) and
// its range (the header's dates and 查询 button); it runs while the app is
// shown (logged in) and stops when it is hidden.
(() => {
  "use strict";

  const TOKEN_KEY = "tingwu.dashboard.token";
  const LANG_KEY = "tingwu.dashboard.lang";
  const EVERY_MS = 30000;
  // [stars, zh, en, colour], best first; index 0 of by_stars is ★1.
  const GRADES = [[5, "非常满意", "Very satisfied", "#1f9d55"], [4, "满意", "Satisfied", "#6cbf4a"],
    [3, "基本满意", "Basically satisfied", "#e0b01a"], [2, "不满意", "Dissatisfied", "#e07b1a"],
    [1, "非常不满意", "Very dissatisfied", "#d33a3a"]];
  const NOT_RATED = ["未评价", "Not rated", "#9aa3b5"];
  const STEPS = { call_back: ["待回访核实", "call back"], rectify: ["待整改", "rectify"], feedback: ["待反馈", "feedback"] };

  const $ = (id) => document.getElementById(id);
  const L = (zh, en) => (localStorage.getItem(LANG_KEY) === "en" ? en : zh);
  const st = { summary: null, monthly: null, followUps: null, who: "windows", timer: null, chart: null, busy: false };

  const pad = (n) => String(n).padStart(2, "0");
  const today = () => { const d = new Date(); return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`; };
  const rate = (permille) => (permille == null ? "—" : `${(permille / 10).toFixed(1)}%`);

  async function get(path) {
    const r = await fetch(path, { headers: { Authorization: `Bearer ${sessionStorage.getItem(TOKEN_KEY)}` } });
    const data = await r.json().catch(() => null);
    if (!r.ok) throw new Error((data && data.error && data.error.message) || `HTTP ${r.status}`);
    return data;
  }

  async function load() {
    if (st.busy || !sessionStorage.getItem(TOKEN_KEY) || $("app").hidden) return;
    st.busy = true;
    const from = $("from").value || today(), to = $("to").value || today();
    try {
      const [summary, monthly, followUps] = await Promise.all([
        get(`/api/v1/ratings/summary?from=${from}&to=${to}`),
        get(`/api/v1/ratings/monthly?month=${to.slice(0, 7)}`),
        get("/api/v1/ratings/follow-ups"),
      ]);
      Object.assign(st, { summary, monthly, followUps: followUps.follow_ups });
      $("ratings-error").textContent = "";
    } catch (e) {
      $("ratings-error").textContent = e.message;
    } finally {
      st.busy = false;
    }
    render();
  }

  // ------------------------------------------------------------ the chart

  function renderChart() {
    const s = st.summary;
    if (!s || typeof echarts === "undefined") return;
    if (!st.chart) st.chart = echarts.init($("chart-ratings"), null, { renderer: "canvas" });
    $("ratings-rate").textContent = `${L("满意率", "Satisfied")} ${rate(s.satisfaction_permille)} · ` +
      `${L("评价", "rated")} ${s.rated} · ${L("差评", "bad")} ${s.bad}`;
    const rows = GRADES.map(([stars, zh, en, color]) => ({ name: `★${stars} ${L(zh, en)}`, value: s.by_stars[stars - 1], color }))
      .concat([{ name: L(NOT_RATED[0], NOT_RATED[1]), value: s.not_rated, color: NOT_RATED[2] }]);
    st.chart.setOption({
      animation: false,
      tooltip: { trigger: "item" },
      grid: { left: 96, right: 26, top: 2, bottom: 2 },
      xAxis: { type: "value", show: false, minInterval: 1 },
      yAxis: { type: "category", inverse: true, data: rows.map((r) => r.name), axisTick: { show: false },
        axisLabel: { fontSize: 10 } },
      series: [{ type: "bar", barWidth: "62%", label: { show: true, position: "right", fontSize: 10 },
        data: rows.map((r) => ({ value: r.value, itemStyle: { color: r.color } })) }],
    });
  }

  // ------------------------------------------------------------ the ranking

  function cell(tr, text, cls) {
    const td = document.createElement("td");
    td.className = cls || "";
    td.textContent = text;
    tr.appendChild(td);
  }

  function renderRanking() {
    const m = st.monthly;
    const windows = st.who === "windows";
    $("ranking-windows").setAttribute("aria-pressed", String(windows));
    $("ranking-staff").setAttribute("aria-pressed", String(!windows));
    const head = $("ranking-who");
    head.dataset.zh = windows ? "窗口" : "人员";
    head.dataset.en = windows ? "Window" : "Staff";
    head.textContent = L(head.dataset.zh, head.dataset.en);
    const body = $("ranking");
    body.innerHTML = "";
    if (!m) return;
    $("ranking-month").textContent = m.month;
    const list = windows ? m.window_ranking : m.staff_ranking;
    if (!list.length) {
      const tr = document.createElement("tr");
      cell(tr, L("本月暂无评价", "No ratings this month"), "muted");
      tr.firstChild.colSpan = 6;
      body.appendChild(tr);
      return;
    }
    list.forEach((r, i) => {
      const tr = document.createElement("tr");
      tr.dataset.id = r.id;
      const name = windows ? L(r.name || r.id, r.name_en || r.name || r.id) : `${r.name || ""} ${r.id}`.trim();
      cell(tr, String(i + 1), "n");
      cell(tr, name, "name");
      cell(tr, rate(r.satisfaction_permille), "n");
      cell(tr, String(r.tally.rated), "n");
      cell(tr, String(r.tally.bad), "n bad");
      cell(tr, String(r.tally.not_rated), "n");
      body.appendChild(tr);
    });
  }

  // ------------------------------------------------------------ follow-ups

  function renderFollowUps() {
    const ul = $("rating-follow-ups");
    ul.innerHTML = "";
    const list = (st.followUps || []).slice().sort((a, b) =>
      (a.colour === "red" ? 0 : 1) - (b.colour === "red" ? 0 : 1) || String(a.due).localeCompare(String(b.due)));
    const red = list.filter((f) => f.colour === "red").length;
    $("follow-up-count").textContent = st.followUps ? `${list.length}` + (red ? ` · ${L("逾期", "overdue")} ${red}` : "") : "";
    if (!list.length) {
      const li = document.createElement("li");
      li.className = "muted";
      li.textContent = st.followUps ? L("暂无待办回访", "No open follow-ups") : "";
      ul.appendChild(li);
      return;
    }
    for (const f of list) {
      const li = document.createElement("li");
      li.dataset.followUp = f.id;
      li.dataset.colour = f.colour;
      // Only 差评 have follow-ups: 不满意 ★2 or 非常不满意 ★1.
      const stars = f.grade === "very_dissatisfied" ? 1 : 2;
      const g = GRADES.find(([n]) => n === stars);
      const step = f.stage && STEPS[f.stage.awaiting];
      li.textContent = `${f.service.number} · ${L(`${f.service.window}号窗口`, `window ${f.service.window}`)} · ★${stars}` +
        (step ? ` · ${L(step[0], `to ${step[1]}`)}` : "") + (f.due ? ` · ${L("限", "due")} ${f.due.slice(5)}` : "") +
        (f.colour === "red" ? ` · ${L("逾期", "overdue")}` : "");
      li.title = `${li.textContent} · ${L(g[1], g[2])}` + (f.service.staff ? ` · ${f.service.staff}` : "") +
        (f.due ? ` · ${f.due}` : "");
      ul.appendChild(li);
    }
  }

  function render() {
    if ($("app").hidden) return;
    renderChart();
    renderRanking();
    renderFollowUps();
  }

  // ------------------------------------------------------------ wiring

  function shown() {
    if ($("app").hidden) {
      clearInterval(st.timer);
      st.timer = null;
      return;
    }
    if (st.timer) return;
    st.timer = setInterval(load, EVERY_MS);
    // app.js fills the range when the app is shown; read it after.
    setTimeout(load, 0);
  }

  new MutationObserver(shown).observe($("app"), { attributes: true, attributeFilter: ["hidden"] });
  $("lang").addEventListener("click", render);
  $("range-apply").addEventListener("click", load);
  $("ranking-windows").addEventListener("click", () => { st.who = "windows"; renderRanking(); });
  $("ranking-staff").addEventListener("click", () => { st.who = "staff"; renderRanking(); });
  window.addEventListener("resize", () => { if (st.chart) st.chart.resize(); });
  shown();
})();
