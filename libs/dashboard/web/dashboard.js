// perftrack dashboard: builds the page from the embedded data (no request of
// any kind). Every text from the data goes in through textContent.
(function () {
  'use strict';
  const data = JSON.parse(document.getElementById('perftrack-data').textContent);
  const app = document.getElementById('app');
  const charts = new Map();  // chart id -> uPlot
  const runIndex = new Map(data.runs.map((r, i) => [r.id, i]));
  const DEFAULT_RUNS = 50;

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') e.className = v; else if (k.startsWith('on')) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v);
    }
    for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return e;
  }

  // ---- view state in the URL fragment -----------------------------------------
  function readState() {
    const p = new URLSearchParams(location.hash.slice(1));
    return { q: p.get('q') || '', chart: p.get('chart') || '', log: p.get('log') === '1', x: p.get('x') === 'date' ? 'date' : 'run' };
  }
  const state = readState();
  function writeState() {
    const p = new URLSearchParams();
    if (state.q) p.set('q', state.q);
    if (state.chart) p.set('chart', state.chart);
    if (state.log) p.set('log', '1');
    if (state.x === 'date') p.set('x', 'date');
    history.replaceState(null, '', '#' + p.toString());
  }

  // ---- numbers --------------------------------------------------------------------
  function fmtValue(v, metric) {
    if (v == null || !isFinite(v)) return '-';
    const timed = ['latency', 'time', 'real_time', 'cpu_time'].includes(metric);
    if (timed) {
      const a = Math.abs(v);
      if (a >= 1e9) return (v / 1e9).toPrecision(4) + ' s';
      if (a >= 1e6) return (v / 1e6).toPrecision(4) + ' ms';
      if (a >= 1e3) return (v / 1e3).toPrecision(4) + ' us';
      return v.toPrecision(4) + ' ns';
    }
    return Math.abs(v) >= 1e4 ? Math.round(v).toLocaleString('en') : v.toPrecision(4);
  }
  const pct = (c) => (c == null ? '-' : (c >= 0 ? '+' : '') + (100 * c).toFixed(1) + '%');
  const shortSha = (s) => (s || '').slice(0, 12);
  function commitLink(sha) {
    if (!sha) return document.createTextNode('-');
    if (!data.commit_url) return document.createTextNode(shortSha(sha));
    return el('a', { href: data.commit_url.split('{sha}').join(encodeURIComponent(sha)) }, shortSha(sha));
  }
  const chartId = (t) => t.benchmark + '\u001f' + t.metric;

  // ---- regressions first ------------------------------------------------------------
  function regressions() {
    const section = el('section', { id: 'regressions' }, el('h2', {}, 'Regressions and steps'));
    for (const n of data.notes) section.append(el('p', { class: 'note' }, n));
    if (!data.changes.length) {
      section.append(el('p', { class: 'empty' }, 'No lasting step of 5% or more in any benchmark\u2019s history.'));
      return section;
    }
    const cols = [
      ['benchmark', (c) => c.benchmark], ['metric', (c) => c.metric],
      ['commits', (c) => c.before.sha + '..' + c.after.sha], ['change', (c) => c.change],
      ['before', (c) => c.before.median], ['after', (c) => c.after.median]];
    const table = el('table', { id: 'regressions-table' });
    const body = el('tbody');
    let sortBy = 3, descending = true;
    function fill() {
      const rows = data.changes.slice().sort((a, b) => {
        const x = cols[sortBy][1](a), y = cols[sortBy][1](b);
        const cmp = typeof x === 'number' ? (sortBy === 3 ? Math.abs(x) - Math.abs(y) : x - y) : String(x).localeCompare(String(y));
        return descending ? -cmp : cmp;
      });
      body.replaceChildren(...rows.map((c) => {
        const worse = c.change > 0;  // a larger median; direction is per metric, shown as the sign
        const link = el('a', { href: '#', onclick: (e) => { e.preventDefault(); focusChart(chartId(c)); } }, c.benchmark);
        return el('tr', {},
          el('td', {}, link), el('td', {}, c.metric),
          el('td', {}, commitLink(c.before.sha), '..', commitLink(c.after.sha)),
          el('td', { class: 'num ' + (worse ? 'worse' : 'better') }, pct(c.change)),
          el('td', { class: 'num' }, fmtValue(c.before.median, c.metric)),
          el('td', { class: 'num' }, fmtValue(c.after.median, c.metric)));
      }));
    }
    const head = el('tr', {}, ...cols.map(([name], i) => el('th', { onclick: () => {
      descending = sortBy === i ? !descending : true; sortBy = i; fill();
    } }, name)));
    table.append(el('thead', {}, head), body);
    fill();
    section.append(table);
    return section;
  }

  // ---- trends -----------------------------------------------------------------------
  function seriesData(t) {
    const xs = [], ys = [], steps = [];
    const stepAt = new Set(data.changes.filter((c) => c.benchmark === t.benchmark && c.metric === t.metric).map((c) => c.after.run));
    for (const [run, median] of t.points) {
      const i = runIndex.get(run);
      xs.push(state.x === 'date' ? Date.parse(data.runs[i].time) / 1000 : i + 1);
      ys.push(median);
      steps.push(stepAt.has(run) ? median : null);
    }
    return [xs, ys, steps];
  }

  function draw(card, t) {
    const id = chartId(t);
    const hover = card.querySelector('.hover');
    const width = Math.max(300, card.clientWidth - 16);
    const u = new uPlot({
      width, height: 200,
      scales: { x: { time: state.x === 'date' }, y: { distr: state.log ? 3 : 1 } },
      axes: [{ stroke: getComputedStyle(document.body).color }, { stroke: getComputedStyle(document.body).color, size: 70, values: (u, vals) => vals.map((v) => fmtValue(v, t.metric)) }],
      series: [
        { label: state.x === 'date' ? 'time' : 'run' },
        { label: t.metric, stroke: '#2563eb', width: 1.5, points: { show: t.points.length < 200 }, value: (u, v) => fmtValue(v, t.metric) },
        { label: 'step', stroke: '#c62828', width: 0, points: { show: true, size: 9, fill: '#c62828' }, value: (u, v) => (v == null ? '' : 'step') },
      ],
      cursor: { drag: { x: true, y: false } },
      hooks: { setCursor: [(u) => {
        const i = u.cursor.idx;
        if (i == null) { hover.textContent = ''; return; }
        const [run, median, n] = t.points[i];
        const r = data.runs[runIndex.get(run)];
        hover.replaceChildren(`run ${run}: ${fmtValue(median, t.metric)} (n ${n}), `, commitLink(r.sha), `, ${r.time}, ${r.machine || 'machine unknown'}`);
        hover.dataset.value = String(median);
      }] },
    }, seriesData(t), card.querySelector('.plot'));
    // The latest runs by default; double-click shows the whole history.
    if (t.points.length > DEFAULT_RUNS) {
      const xs = u.data[0];
      u.setScale('x', { min: xs[xs.length - DEFAULT_RUNS], max: xs[xs.length - 1] });
    }
    charts.set(id, u);
  }

  const observer = new IntersectionObserver((entries) => {
    for (const e of entries) {
      if (!e.isIntersecting) continue;
      observer.unobserve(e.target);
      draw(e.target, e.target.trend);
    }
  }, { rootMargin: '200px' });

  function trends() {
    const section = el('section', { id: 'trends' }, el('h2', {}, 'Trends'));
    const search = el('input', { type: 'search', placeholder: 'filter benchmarks (text)', value: state.q });
    const log = el('input', { type: 'checkbox' });
    log.checked = state.log;
    const byDate = el('input', { type: 'checkbox' });
    byDate.checked = state.x === 'date';
    section.append(el('div', { class: 'controls' }, search,
      el('label', {}, log, ' log scale'), el('label', {}, byDate, ' x by date'),
      el('span', { class: 'note' }, `${data.trends.length} metrics over ${data.runs.length} runs; drag to zoom, double-click for the whole history`)));
    const groups = new Map();
    for (const t of data.trends) {
      const category = t.benchmark.includes('/') ? t.benchmark.slice(0, t.benchmark.indexOf('/')) : '(none)';
      if (!groups.has(category)) groups.set(category, []);
      groups.get(category).push(t);
    }
    const cards = [];
    for (const [category, list] of groups) {
      const grid = el('div', { class: 'grid' });
      for (const t of list) {
        const card = el('div', { class: 'card' }, el('h4', {}, `${t.benchmark} \u00b7 ${t.metric}`), el('div', { class: 'plot' }), el('div', { class: 'hover' }));
        card.trend = t;
        card.dataset.chart = chartId(t);
        cards.push(card);
        grid.append(card);
      }
      section.append(el('h3', {}, category), grid);
    }
    function filter() {
      const q = state.q.toLowerCase();
      for (const c of cards) c.style.display = !q || (c.trend.benchmark + ' ' + c.trend.metric).toLowerCase().includes(q) ? '' : 'none';
    }
    search.addEventListener('input', () => { state.q = search.value; writeState(); filter(); });
    const redraw = () => {
      state.log = log.checked; state.x = byDate.checked ? 'date' : 'run'; writeState();
      for (const c of cards) {
        const u = charts.get(c.dataset.chart);
        if (u) { u.destroy(); charts.delete(c.dataset.chart); draw(c, c.trend); }
      }
    };
    log.addEventListener('change', redraw);
    byDate.addEventListener('change', redraw);
    filter();
    for (const c of cards) observer.observe(c);
    return section;
  }

  function focusChart(id) {
    state.chart = id; writeState();
    for (const c of document.querySelectorAll('.card')) c.classList.toggle('highlight', c.dataset.chart === id);
    const card = [...document.querySelectorAll('.card')].find((c) => c.dataset.chart === id);
    if (card) { card.style.display = ''; card.scrollIntoView({ block: 'center' }); }
  }

  app.append(regressions(), trends());
  // A view linked or typed in: built again from its fragment.
  window.addEventListener('hashchange', () => location.reload());
  if (state.chart) focusChart(state.chart);
  // For tests and the console: the charts by id and the data.
  window.perftrack = { charts, data, chartId };
})();
