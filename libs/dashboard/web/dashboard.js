// perftrack dashboard: builds the page from the embedded data (no request of
// any kind). Every text from the data goes in through textContent.
(function () {
  'use strict';
  performance.mark('perftrack-script');
  const data = JSON.parse(document.getElementById('perftrack-data').textContent);
  performance.mark('perftrack-data');
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
    const index = (k) => (p.has(k) ? Number(p.get(k)) : null);
    return { q: p.get('q') || '', chart: p.get('chart') || '', log: p.get('log') === '1', x: p.get('x') === 'date' ? 'date' : 'run',
      base: index('base'), head: index('head'), cmp: p.get('cmp') || '' };
  }
  const state = readState();
  function writeState() {
    const p = new URLSearchParams();
    if (state.q) p.set('q', state.q);
    if (state.chart) p.set('chart', state.chart);
    if (state.log) p.set('log', '1');
    if (state.x === 'date') p.set('x', 'date');
    if (state.base != null) p.set('base', state.base);
    if (state.head != null) p.set('head', state.head);
    if (state.cmp) p.set('cmp', state.cmp);
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

  // ---- compare two runs ---------------------------------------------------------------
  // head/base as the Hodges-Lehmann ratio with its 95% interval, the same
  // definition as stats::hodges_lehmann_ratio in C++ (the browser test checks
  // that the two agree on the default pair).
  const Z95 = 1.959963984540054;
  function hodgesLehmann(base, head) {
    const ok = (xs) => xs && xs.length && xs.every((v) => v > 0 && isFinite(v));
    if (!ok(base) || !ok(head)) return null;
    const d = new Float64Array(base.length * head.length);
    let k = 0;
    for (const h of head) for (const b of base) d[k++] = Math.log(h) - Math.log(b);
    d.sort();
    const n = d.length, nb = base.length, nh = head.length;
    const median = n % 2 ? d[(n - 1) / 2] : (d[n / 2 - 1] + d[n / 2]) / 2;
    const lo = Math.max(1, Math.floor(n / 2 - Z95 * Math.sqrt(nb * nh * (nb + nh + 1) / 12))) - 1;
    return { estimate: Math.exp(median), low: Math.exp(d[lo]), high: Math.exp(d[n - 1 - lo]) };
  }

  const sampleCache = new Map();
  function samplesOf(m, run) {
    const key = m.benchmark + '\u001f' + m.metric + '\u001f' + run;
    if (!sampleCache.has(key)) {
      const b64 = m.samples[run];
      sampleCache.set(key, b64 == null ? null : Array.from(new Float64Array(decodeBytes(b64))).sort((a, b) => a - b));
    }
    return sampleCache.get(key);
  }
  // Linear interpolation between closest ranks (numpy's default) of a sorted array.
  function quantile(sorted, q) {
    const h = (sorted.length - 1) * q, lo = Math.floor(h);
    return lo + 1 >= sorted.length ? sorted[sorted.length - 1] : sorted[lo] + (h - lo) * (sorted[lo + 1] - sorted[lo]);
  }

  function compareRows(base, head) {
    const c = data.comparison, rows = [];
    c.metrics.forEach((m) => {
      const b = samplesOf(m, base), h = samplesOf(m, head);
      const r = base === head ? null : hodgesLehmann(b, h);
      rows.push({ m, b, h, change: r ? r.estimate - 1 : null, low: r ? r.low - 1 : null, high: r ? r.high - 1 : null });
    });
    return rows.sort((x, y) => (y.change == null ? -1 : Math.abs(y.change)) - (x.change == null ? -1 : Math.abs(x.change)));
  }

  function ecdf(b, h) {
    const xs = [...new Set([...b, ...h])].sort((x, y) => x - y);
    const at = (s) => { let i = 0; return xs.map((x) => { while (i < s.length && s[i] <= x) ++i; return i / s.length; }); };
    return [xs, at(b), at(h)];
  }

  function compareCharts(detail, row, runs) {
    for (const id of ['cdf', 'pct']) { const u = charts.get(id + '\u001fcompare'); if (u) { u.destroy(); charts.delete(id + '\u001fcompare'); } }
    const m = row.m;
    detail.replaceChildren(el('h4', {}, `${m.benchmark} \u00b7 ${m.metric}`));
    if (!row.b || !row.h) { detail.append(el('p', { class: 'empty' }, 'This metric has no raw samples in one of the two runs.')); return; }
    const width = Math.max(600, Math.min(944, (detail.parentElement || detail).clientWidth - 16));
    const fmt = (v) => fmtValue(v, m.metric);
    const side = (label, stroke, show) => ({ label, stroke, width: 1.5, value: (u, v) => (v == null ? '-' : show(v)) });
    const cdfBox = el('div', { class: 'plot cdf' }), pctBox = el('div', { class: 'plot percentiles' });
    const hover = el('div', { class: 'hover' });
    detail.append(el('div', { class: 'caption' }, 'empirical CDF of the samples'), cdfBox,
      el('div', { class: 'caption' }, 'percentiles on a log scale of 1 - p, to p99.99 (above 1 - 1/n a percentile is the largest sample)'), pctBox, hover);
    const stepped = uPlot.paths.stepped ? uPlot.paths.stepped({ align: 1 }) : undefined;
    const cdf = new uPlot({
      width, height: 200, scales: { x: { time: false } },
      axes: [{ stroke: getComputedStyle(document.body).color, values: (u, vals) => vals.map(fmt) }, { stroke: getComputedStyle(document.body).color }],
      series: [{ label: m.metric, value: (u, v) => fmt(v) },
        Object.assign(side(`base: ${runs[0].label}`, '#64748b', (v) => v.toFixed(3)), { paths: stepped }),
        Object.assign(side(`head: ${runs[1].label}`, '#c62828', (v) => v.toFixed(3)), { paths: stepped })],
    }, ecdf(row.b, row.h), cdfBox);
    charts.set('cdf\u001fcompare', cdf);
    const vs = Array.from({ length: 201 }, (_, i) => i * 0.02);
    const pname = (v) => 'p' + String(+(100 * (1 - Math.pow(10, -v))).toPrecision(6));
    const pct = new uPlot({
      width, height: 200, scales: { x: { time: false }, y: { distr: 3 } },
      axes: [{ stroke: getComputedStyle(document.body).color, splits: () => [0, Math.log10(2), 1, 2, 3, 4], values: (u, vals) => vals.map(pname) },
        { stroke: getComputedStyle(document.body).color, size: 70, values: (u, vals) => vals.map(fmt) }],
      series: [{ label: 'percentile', value: (u, v) => pname(v) },
        side(`base: ${runs[0].label}`, '#64748b', fmt), side(`head: ${runs[1].label}`, '#c62828', fmt)],
      hooks: { setCursor: [(u) => {
        const i = u.cursor.idx;
        if (i == null) return;
        hover.textContent = `${pname(vs[i])}: base ${fmt(u.data[1][i])}, head ${fmt(u.data[2][i])}`;
        hover.dataset.base = String(u.data[1][i]);
      }] },
    }, [vs, vs.map((v) => quantile(row.b, 1 - Math.pow(10, -v))), vs.map((v) => quantile(row.h, 1 - Math.pow(10, -v)))], pctBox);
    charts.set('pct\u001fcompare', pct);
  }

  function compare() {
    const section = el('section', { id: 'compare' }, el('h2', {}, 'Compare two runs'));
    const c = data.comparison;
    if (!c || !c.runs.length) {
      section.append(el('p', { class: 'empty' }, 'No results files: give perftrack dashboard --results A.json --results B.json to compare two runs.'));
      return section;
    }
    const last = c.runs.length - 1;
    const valid = (i) => i != null && Number.isInteger(i) && i >= 0 && i <= last;
    if (!valid(state.base)) state.base = 0;
    if (!valid(state.head)) state.head = last;
    const runText = (r, i) => `${i + 1}: ${r.label}${r.sha ? ' @ ' + shortSha(r.sha) : ''}${r.time ? ' ' + r.time : ''}`;
    const select = (value) => {
      const s = el('select', {}, ...c.runs.map((r, i) => el('option', { value: String(i) }, runText(r, i))));
      s.value = String(value);
      return s;
    };
    const baseSel = select(state.base), headSel = select(state.head);
    baseSel.id = 'compare-base'; headSel.id = 'compare-head';
    section.append(el('div', { class: 'controls' }, el('label', {}, 'base ', baseSel), el('label', {}, 'head ', headSel),
      el('span', { class: 'note' }, 'change: head/base as the Hodges-Lehmann estimate (the median of every head/base ratio) with its 95% interval from the Mann-Whitney distribution; click a row for its distributions')));
    const machines = new Set(c.runs.map((r) => r.machine).filter((m) => m));
    if (machines.size > 1) section.append(el('p', { class: 'note' }, 'The runs come from different machines (comparability keys differ): a change may be the machine.'));
    // CPU profiles (perftrack bench --profile): each side's flame graph and,
    // when both sides have one, their differential flame graph (the
    // benchmark's diff page, told the pair in its fragment).
    const profiled = c.runs.some((r) => r.profiles && Object.keys(r.profiles).length);
    const profileLinks = (bench) => {
      const links = [];
      const add = (text, href) => { if (href) links.push(el('a', { href, target: '_blank', rel: 'noopener' }, text), ' '); };
      const base = (c.runs[state.base].profiles || {})[bench], head = (c.runs[state.head].profiles || {})[bench];
      add('base', base);
      add('head', head);
      const d = (c.diffs || []).find((x) => x.benchmark === bench);
      add('diff', d && base && head && `${d.href}#base=${state.base}&head=${state.head}`);
      return el('td', { class: 'profile' }, ...links);
    };
    const table = el('table', { id: 'compare-table' }, el('thead', {}, el('tr', {},
      ...['benchmark', 'metric', 'base median', 'head median', 'change', '95% interval', 'n base', 'n head']
        .concat(profiled ? ['CPU profile'] : []).map((h) => el('th', {}, h)))));
    const body = el('tbody');
    table.append(body);
    const detail = el('div', { class: 'card', id: 'compare-detail' });
    function fill() {
      const runs = [c.runs[state.base], c.runs[state.head]];
      const rows = compareRows(state.base, state.head);
      body.replaceChildren(...rows.map((r) => {
        const clear = r.change != null && (r.low > 0 || r.high < 0);
        const worse = r.change != null && (r.change > 0) === r.m.lower_is_better;
        const tr = el('tr', { class: 'clickable', onclick: () => { state.cmp = chartId(r.m); writeState(); compareCharts(detail, r, runs); } },
          el('td', {}, r.m.benchmark), el('td', {}, r.m.metric),
          el('td', { class: 'num' }, r.b ? fmtValue(quantile(r.b, 0.5), r.m.metric) : '-'),
          el('td', { class: 'num' }, r.h ? fmtValue(quantile(r.h, 0.5), r.m.metric) : '-'),
          el('td', { class: 'num change ' + (clear ? (worse ? 'worse' : 'better') : '') }, pct(r.change)),
          el('td', { class: 'num' }, r.change == null ? (state.base === state.head ? 'the same run' : 'cannot compare') : `${pct(r.low)} to ${pct(r.high)}`),
          el('td', { class: 'num' }, r.b ? r.b.length : 0), el('td', { class: 'num' }, r.h ? r.h.length : 0),
          ...(profiled ? [profileLinks(r.m.benchmark)] : []));
        tr.dataset.metric = chartId(r.m);
        return tr;
      }));
      const chosen = rows.find((r) => chartId(r.m) === state.cmp) || rows[0];
      if (chosen) compareCharts(detail, chosen, runs);
    }
    const change = () => { state.base = Number(baseSel.value); state.head = Number(headSel.value); writeState(); fill(); };
    baseSel.addEventListener('change', change);
    headSel.addEventListener('change', change);
    section.append(table, detail);
    queueMicrotask(fill);  // once the section is in the page (its width is known)
    return section;
  }

  // ---- trends -----------------------------------------------------------------------
  // A trend's points, [run index, median, n, low, high] (null for NaN),
  // decoded from its typed arrays once, when its chart is first drawn.
  // The points of the trends past the first the page shows come after this
  // script (.perftrack-late blocks, their arrays joined), so that the first
  // charts are drawn while the browser still reads them; those trends' cards
  // wait for the document.
  let late = null;
  const hasPoints = (t) => t.late == null || document.readyState !== 'loading';
  function payloadOf(t) {
    if (t.late == null) return t;
    if (!late) late = [...document.querySelectorAll('script.perftrack-late')].flatMap((s) => JSON.parse(s.textContent));
    return late[t.late];
  }
  const pointCache = new Map();
  function pointsOf(t) {
    if (!pointCache.has(t)) {
      const p = payloadOf(t);
      const runs = p.runs != null ? new Uint32Array(decodeBytes(p.runs)) : Uint32Array.from({ length: t.count }, (_, i) => t.runs_from + i);
      const ns = p.n != null ? new Uint32Array(decodeBytes(p.n)) : new Uint32Array(t.count).fill(t.n_each);
      const medians = new Float64Array(decodeBytes(p.median));
      const lows = new Float32Array(decodeBytes(p.low)), highs = new Float32Array(decodeBytes(p.high));
      const orNull = (v) => (Number.isNaN(v) ? null : v);
      pointCache.set(t, Array.from(runs, (run, i) => [run, medians[i], ns[i], orNull(lows[i]), orNull(highs[i])]));
    }
    return pointCache.get(t);
  }

  // Min/max decimation (never averages or LTTB: a spike stays drawn). Of
  // the points i in [from, to) (x ascending), when there are more than two
  // per column, each of `columns` equal columns of x keeps the points with
  // its least and greatest y, and every point keep(i) asks for. Returns the
  // kept indices in order, each one's column (-1: not decimated) and, given
  // a band (lows, highs), each one's band: its column's lowest low and
  // highest high, so no interval hides either.
  function decimate(xs, ys, from, to, columns, keep, lows = [], highs = []) {
    const kept = [], column = [], low = [], high = [];
    if (to - from <= 2 * columns) {
      for (let i = from; i < to; ++i) { kept.push(i); column.push(-1); low.push(lows[i]); high.push(highs[i]); }
      return { kept, column, low, high };
    }
    const x0 = xs[from], span = Math.max(xs[to - 1] - x0, 1e-300);
    let col = -1, lo = -1, hi = -1, extra = [], bandLow = null, bandHigh = null;
    const flush = () => {
      const ids = [...new Set([lo, hi, ...extra].filter((i) => i >= 0))].sort((a, b) => a - b);
      for (const i of ids) { kept.push(i); column.push(col); low.push(bandLow); high.push(bandHigh); }
    };
    for (let i = from; i < to; ++i) {
      const c = Math.min(columns - 1, Math.floor(((xs[i] - x0) / span) * columns));
      if (c !== col) { flush(); col = c; lo = hi = -1; extra = []; bandLow = bandHigh = null; }
      if (keep(i)) extra.push(i);
      if (lows[i] != null) bandLow = bandLow == null ? lows[i] : Math.min(bandLow, lows[i]);
      if (highs[i] != null) bandHigh = bandHigh == null ? highs[i] : Math.max(bandHigh, highs[i]);
      if (ys[i] == null) continue;
      if (lo < 0 || ys[i] < ys[lo]) lo = i;
      if (hi < 0 || ys[i] > ys[hi]) hi = i;
    }
    flush();
    return { kept, column, low, high };
  }

  // x, the medians, the steps, and the band (each run's 95% interval of the
  // median from its stored samples, null once they are pruned), decimated
  // per pixel column inside [xmin, xmax] and as coarsely outside it, so the
  // whole history stays in the data (double-click zooms out to it). Also
  // returns which point each drawn one is.
  const allSeries = new Map();
  function seriesData(t, xmin, xmax, columns) {
    if (!allSeries.has(t) || allSeries.get(t).x !== state.x) {
      const pts = pointsOf(t);
      const stepAt = new Set(data.changes.filter((c) => c.benchmark === t.benchmark && c.metric === t.metric).map((c) => runIndex.get(c.after.run)));
      allSeries.set(t, {
        x: state.x,
        xs: pts.map(([i]) => (state.x === 'date' ? Date.parse(data.runs[i].time) / 1000 : i + 1)),
        ys: pts.map((p) => p[1]), lows: pts.map((p) => p[3]), highs: pts.map((p) => p[4]),
        step: pts.map(([i]) => stepAt.has(i)),
      });
    }
    const a = allSeries.get(t), n = a.xs.length;
    const lower = (x) => { let lo = 0, hi = n; while (lo < hi) { const m = (lo + hi) >> 1; if (a.xs[m] < x) lo = m + 1; else hi = m; } return lo; };
    const from = xmin == null ? 0 : lower(xmin), to = xmax == null ? n : Math.max(from, lower(xmax + 1e-9));
    const parts = [[0, from], [from, to], [to, n]].map(([f, e]) => decimate(a.xs, a.ys, f, e, columns, (i) => a.step[i], a.lows, a.highs));
    const kept = parts.flatMap((p) => p.kept);
    return {
      kept,
      data: [kept.map((i) => a.xs[i]), kept.map((i) => a.ys[i]), kept.map((i) => (a.step[i] ? a.ys[i] : null)),
        parts.flatMap((p) => p.low), parts.flatMap((p) => p.high)],
    };
  }

  function draw(card, t) {
    const id = chartId(t);
    const hover = card.querySelector('.hover');
    const width = Math.max(300, card.clientWidth - 16);
    const columns = Math.max(50, width - 80);  // about a column per pixel of the plot
    let shown = seriesData(t, null, null, columns);
    // Zooming decimates the new range afresh, after uPlot has set the scale.
    let pending = false;
    const redecimate = (u) => {
      if (pending || t.count <= 2 * columns) return;
      pending = true;
      queueMicrotask(() => {
        pending = false;
        shown = seriesData(t, u.scales.x.min, u.scales.x.max, columns);
        u.setData(shown.data, false);
      });
    };
    const u = new uPlot({
      width, height: 200,
      scales: { x: { time: state.x === 'date' }, y: { distr: state.log ? 3 : 1 } },
      axes: [{ stroke: getComputedStyle(document.body).color }, { stroke: getComputedStyle(document.body).color, size: 70, values: (u, vals) => vals.map((v) => (v == null ? '' : fmtValue(v, t.metric))) }],
      series: [
        { label: state.x === 'date' ? 'time' : 'run' },
        { label: t.metric, stroke: '#2563eb', width: 1.5, points: { show: t.count < 200 }, value: (u, v) => fmtValue(v, t.metric) },
        { label: 'step', stroke: '#c62828', width: 0, points: { show: true, size: 9, fill: '#c62828' }, value: (u, v) => (v == null ? '' : 'step') },
        { label: '95% low', stroke: 'rgba(37, 99, 235, 0.35)', width: 0.5, points: { show: false }, value: (u, v) => fmtValue(v, t.metric) },
        { label: '95% high', stroke: 'rgba(37, 99, 235, 0.35)', width: 0.5, points: { show: false }, value: (u, v) => fmtValue(v, t.metric) },
      ],
      bands: [{ series: [4, 3], fill: 'rgba(37, 99, 235, 0.15)' }],
      cursor: { drag: { x: true, y: false } },
      hooks: { setCursor: [(u) => {
        const i = u.cursor.idx;
        if (i == null) { hover.textContent = ''; return; }
        const [index, median, n, low, high] = pointsOf(t)[shown.kept[i]];
        const r = data.runs[index], run = r.id;
        const band = low == null ? 'samples pruned' : `95% ${fmtValue(low, t.metric)} to ${fmtValue(high, t.metric)}`;
        hover.replaceChildren(`run ${run}: ${fmtValue(median, t.metric)} (n ${n}, ${band}), `, commitLink(r.sha), `, ${r.time}, ${r.machine || 'machine unknown'}`);
        hover.dataset.value = String(median);
        hover.dataset.low = String(low);
        hover.dataset.high = String(high);
      }], setScale: [(u, key) => { if (key === 'x') redecimate(u); }] },
    }, shown.data, card.querySelector('.plot'));
    // The latest runs by default; double-click shows the whole history.
    if (t.count > DEFAULT_RUNS) {
      const xs = u.data[0];
      u.setScale('x', { min: xs[xs.length - DEFAULT_RUNS], max: xs[xs.length - 1] });
    }
    charts.set(id, u);
    if (charts.size === 1) performance.mark('perftrack-first-chart');
  }

  const observer = new IntersectionObserver((entries) => {
    for (const e of entries) {
      if (!e.isIntersecting) continue;
      observer.unobserve(e.target);
      const card = e.target;
      if (hasPoints(card.trend)) draw(card, card.trend);
      else document.addEventListener('DOMContentLoaded', () => draw(card, card.trend));
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

  // ---- operations: percentiles over time, histogram, heat map ------------------------
  function decodeBytes(b64) {
    const bin = atob(b64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; ++i) bytes[i] = bin.charCodeAt(i);
    return bytes.buffer;
  }
  const decodeU32 = (b64) => new Uint32Array(decodeBytes(b64));
  // float64 with NaN for "no event" as uPlot's null.
  const decodeF64 = (b64) => Array.from(new Float64Array(decodeBytes(b64)), (v) => (Number.isNaN(v) ? null : v));
  const fmtMs = (ms) => (ms == null ? '' : fmtValue(ms * 1e6, 'latency'));
  const heatColour = (t) => `hsl(${Math.round(45 - 45 * t)}, 95%, ${Math.round(88 - 48 * t)}%)`;

  function sizedCanvas(canvas, height) {
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.parentElement.clientWidth - 16;
    canvas.style.width = width + 'px';
    canvas.style.height = height + 'px';
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    const ctx = canvas.getContext('2d');
    ctx.scale(ratio, ratio);
    return { ctx, width, height };
  }

  function bucketText(ops, row) {
    const b = ops.bounds_ms;
    if (row === 0) return `up to ${fmtMs(b[0])}`;
    if (row >= b.length) return `over ${fmtMs(b[b.length - 1])}`;
    return `${fmtMs(b[row - 1])} to ${fmtMs(b[row])}`;
  }

  // Brendan Gregg's latency heat map: time on x, log-spaced latency buckets on
  // y (the rows that have events), colour = count on a log scale.
  function drawHeat(card, ops, op, heat) {
    const rows = ops.bounds_ms.length + 1, cols = ops.columns;
    let lo = rows, hi = -1, max = 0;
    for (let r = 0; r < rows; ++r) for (let c = 0; c < cols; ++c) {
      const v = heat[r * cols + c];
      if (v) { lo = Math.min(lo, r); hi = Math.max(hi, r); max = Math.max(max, v); }
    }
    // At least two decades tall, so that one busy bucket is not the whole map.
    while (hi - lo < 7 && (lo > 0 || hi < rows - 1)) { if (lo > 0) --lo; if (hi - lo < 7 && hi < rows - 1) ++hi; }
    const canvas = card.querySelector('canvas.heat');
    const { ctx, width, height } = sizedCanvas(canvas, 180);
    const left = 70, plotW = width - left, shown = hi - lo + 1;
    const cellW = plotW / cols, cellH = height / shown;
    ctx.fillStyle = getComputedStyle(document.body).color;
    ctx.font = '11px system-ui';
    for (let r = lo; r <= hi; ++r) {
      if (r > 0 && (r - 1) % 4 === 0) ctx.fillText(fmtMs(ops.bounds_ms[r - 1]), 2, height - (r - lo) * cellH + 4);
      for (let c = 0; c < cols; ++c) {
        const v = heat[r * cols + c];
        if (!v) continue;
        ctx.fillStyle = heatColour(Math.log1p(v) / Math.log1p(max));
        ctx.fillRect(left + c * cellW, height - (r - lo + 1) * cellH, Math.ceil(cellW), Math.ceil(cellH));
      }
      ctx.fillStyle = getComputedStyle(document.body).color;
    }
    const legend = card.querySelector('.legend');
    legend.replaceChildren('colour: events per cell, 1 ', ...[0, 0.25, 0.5, 0.75, 1].map((t) => {
      const s = el('span', { class: 'swatch' });
      s.style.background = heatColour(t);
      return s;
    }), ` ${max}`);
    const hover = card.querySelector('.hover');
    canvas.addEventListener('mousemove', (e) => {
      const box = canvas.getBoundingClientRect();
      const c = Math.floor((e.clientX - box.left - left) / cellW);
      const r = lo + Math.floor((height - (e.clientY - box.top)) / cellH);
      if (c < 0 || c >= cols || r < lo || r > hi) { hover.textContent = ''; return; }
      let total = 0, below = 0;
      for (let k = 0; k < rows; ++k) { total += heat[k * cols + c]; if (k <= r) below += heat[k * cols + c]; }
      const from = new Date((ops.start_s + c * ops.width_s) * 1000).toISOString();
      const count = heat[r * cols + c];
      hover.textContent = `${from} + ${ops.width_s.toPrecision(3)} s, ${bucketText(ops, r)}: ${count} events; ` +
        `${total ? (100 * below / total).toFixed(1) : '0.0'}% of the column at or below`;
      hover.dataset.count = String(count);
    });
    canvas.heatGeometry = { left, cellW, cellH, lo, height };
  }

  function drawHistogram(card, ops, heat) {
    const rows = ops.bounds_ms.length + 1, cols = ops.columns;
    const sums = new Array(rows).fill(0);
    for (let r = 0; r < rows; ++r) for (let c = 0; c < cols; ++c) sums[r] += heat[r * cols + c];
    const used = sums.map((v, r) => (v ? r : -1)).filter((r) => r >= 0);
    const lo = used[0], hi = used[used.length - 1];
    const canvas = card.querySelector('canvas.histogram');
    const { ctx, width, height } = sizedCanvas(canvas, 110);
    const max = Math.max(...sums), barW = (width - 10) / (hi - lo + 1);
    ctx.font = '11px system-ui';
    for (let r = lo; r <= hi; ++r) {
      const h = (height - 16) * sums[r] / max;
      ctx.fillStyle = '#2563eb';
      ctx.fillRect(5 + (r - lo) * barW, height - 16 - h, Math.max(1, barW - 1), h);
      if (r > 0 && (r - 1) % 4 === 0) { ctx.fillStyle = getComputedStyle(document.body).color; ctx.fillText(fmtMs(ops.bounds_ms[r - 1]), 5 + (r - lo) * barW, height - 3); }
    }
  }

  function drawOperation(card) {
    const ops = data.operations, op = card.operation;
    const xs = Array.from({ length: ops.columns }, (_, i) => ops.start_s + i * ops.width_s);
    const sparse = ops.columns < 60 || op.count < 500;
    const series = (label, stroke) => ({ label, stroke, width: 1.5, spanGaps: true, points: { show: sparse }, value: (u, v) => (v == null ? '-' : fmtMs(v)) });
    const u = new uPlot({
      width: Math.max(300, card.clientWidth - 16), height: 180,
      scales: { x: { time: true }, y: { distr: 3 } },
      axes: [{ stroke: getComputedStyle(document.body).color }, { stroke: getComputedStyle(document.body).color, size: 70, values: (u, vals) => vals.map(fmtMs) }],
      series: [{ label: 'time' }, series('p50', '#2e7d32'), series('p95', '#f59e0b'), series('p99', '#c62828')],
    }, [xs, op.p50, op.p95, op.p99], card.querySelector('.plot'));
    charts.set('op\u001f' + op.name, u);
    if (charts.size === 1) performance.mark('perftrack-first-chart');
    // Every event, decimated to min/max columns (in C++): a spike stays visible.
    const ex = Array.from({ length: ops.event_columns }, (_, i) => ops.start_s + i * ops.event_width_s);
    const events = new uPlot({
      width: Math.max(300, card.clientWidth - 16), height: 150,
      scales: { x: { time: true }, y: { distr: 3 } },
      axes: [{ stroke: getComputedStyle(document.body).color }, { stroke: getComputedStyle(document.body).color, size: 70, values: (u, vals) => vals.map(fmtMs) }],
      series: [{ label: 'time' },
        { label: 'least', stroke: '#93c5fd', width: 1, spanGaps: false, value: (u, v) => (v == null ? '-' : fmtMs(v)) },
        { label: 'greatest', stroke: '#1d4ed8', width: 1, spanGaps: false, value: (u, v) => (v == null ? '-' : fmtMs(v)) }],
      bands: [{ series: [2, 1], fill: 'rgba(37, 99, 235, 0.25)' }],
    }, [ex, decodeF64(op.events_min), decodeF64(op.events_max)], card.querySelector('.events'));
    charts.set('events\u001f' + op.name, events);
    const heat = decodeU32(op.heat);
    drawHistogram(card, ops, heat);
    drawHeat(card, ops, op, heat);
  }

  const opObserver = new IntersectionObserver((entries) => {
    for (const e of entries) {
      if (!e.isIntersecting) continue;
      opObserver.unobserve(e.target);
      drawOperation(e.target);
    }
  }, { rootMargin: '200px' });

  function operations() {
    const section = el('section', { id: 'operations' }, el('h2', {}, 'Operations'));
    const ops = data.operations;
    if (!ops || !ops.list.length) {
      section.append(el('p', { class: 'empty' }, ops ? 'The recorded files hold no operation.' : 'No recorded operations: give perftrack dashboard --file metrics.jsonl.'));
      return section;
    }
    section.append(el('p', { class: 'note' }, `${ops.records} records in ${ops.columns} columns of ${ops.width_s.toPrecision(3)} s`));
    const grid = el('div', { class: 'grid' });
    for (const op of ops.list) {
      const card = el('div', { class: 'card op' },
        el('h4', {}, `${op.name} \u00b7 ${op.count} events, ${op.errors} failed`),
        el('div', { class: 'plot' }),
        el('div', { class: 'caption' }, 'every event: the least and greatest latency of each column'), el('div', { class: 'events' }),
        el('div', { class: 'caption' }, 'latency histogram'), el('canvas', { class: 'histogram' }),
        el('div', { class: 'caption' }, 'latency heat map'), el('canvas', { class: 'heat' }),
        el('div', { class: 'legend' }), el('div', { class: 'hover' }));
      card.operation = op;
      card.dataset.operation = op.name;
      grid.append(card);
      opObserver.observe(card);
    }
    section.append(grid, correlations(ops), resources(ops));
    return section;
  }

  // The processes' memory and CPU the recorder sampled, and how each
  // operation's p95 moves with them.
  function resources(ops) {
    const box = el('div', { id: 'resources' }, el('h3', {}, 'Operations and resources'));
    if (!ops.resources.length) {
      box.append(el('p', { class: 'empty' }, 'No resource samples: the recorder writes them to perf-resources.ndjson beside the metrics file (PERFTRACK_RESOURCE_INTERVAL_MS).'));
      return box;
    }
    const xs = Array.from({ length: ops.columns }, (_, i) => ops.start_s + i * ops.width_s);
    const [rss, cpu] = ops.resources;
    const card = el('div', { class: 'card' }, el('h4', {}, `resident memory and CPU of the recording processes (${ops.resource_samples} samples)`), el('div', { class: 'plot' }));
    box.append(card);
    const mib = (v) => (v == null ? '-' : (v / 1048576).toFixed(1) + ' MiB');
    const cores = (v) => (v == null ? '-' : v.toFixed(2) + ' cores');
    queueMicrotask(() => {
      const u = new uPlot({
        width: Math.max(300, card.clientWidth - 16), height: 180,
        scales: { x: { time: true }, rss: {}, cpu: {} },
        axes: [{ stroke: getComputedStyle(document.body).color },
          { scale: 'rss', stroke: getComputedStyle(document.body).color, size: 80, values: (u, vals) => vals.map(mib) },
          { scale: 'cpu', side: 1, stroke: getComputedStyle(document.body).color, size: 80, grid: { show: false }, values: (u, vals) => vals.map(cores) }],
        series: [{ label: 'time' },
          { label: 'RSS', scale: 'rss', stroke: '#7c3aed', width: 1.5, spanGaps: true, value: (u, v) => mib(v) },
          { label: 'CPU', scale: 'cpu', stroke: '#0891b2', width: 1.5, spanGaps: true, value: (u, v) => cores(v) }],
      }, [xs, rss.values, cpu.values], card.querySelector('.plot'));
      charts.set('resources', u);
    });
    if (!ops.resource_correlations.length) {
      box.append(el('p', { class: 'empty' }, 'No operation shares 5 time columns with the resource samples.'));
      return box;
    }
    box.append(el('p', { class: 'note' }, 'Spearman rank correlation of each operation\u2019s p95 with a resource over the time columns both have (n), strongest first. rss_bytes: resident memory added over processes; cpu_cores: CPU seconds per second.'),
      rankTable('resources-table', ['operation', 'resource'], ops.resource_correlations.map((c) => [c.operation, c.resource, c.rho, c.n])));
    return box;
  }

  // A table of ranked correlations: two names, rho and n per row.
  function rankTable(id, names, rows) {
    const table = el('table', { id }, el('thead', {}, el('tr', {}, ...[...names, 'rho', 'n'].map((h) => el('th', {}, h)))));
    table.append(el('tbody', {}, ...rows.map(([a, b, rho, n]) => el('tr', {}, el('td', {}, a), el('td', {}, b),
      el('td', { class: 'num' }, rho.toFixed(3)), el('td', { class: 'num' }, n)))));
    return table;
  }

  function correlations(ops) {
    const box = el('div', { id: 'correlations' }, el('h3', {}, 'Operations that slow together'));
    if (!ops.correlations.length) {
      box.append(el('p', { class: 'empty' }, 'No pair of operations to correlate: none shares 5 time columns with another, or their p95 does not vary.'));
      return box;
    }
    box.append(el('p', { class: 'note' }, 'Spearman rank correlation of each pair\u2019s p95 over the time columns both have events in (n), strongest first.'),
      rankTable('correlations-table', ['operation', 'operation'], ops.correlations.map((c) => [c.a, c.b, c.rho, c.n])));
    return box;
  }

  function focusChart(id) {
    state.chart = id; writeState();
    for (const c of document.querySelectorAll('.card')) c.classList.toggle('highlight', c.dataset.chart === id);
    const card = [...document.querySelectorAll('.card')].find((c) => c.dataset.chart === id);
    if (card) { card.style.display = ''; card.scrollIntoView({ block: 'center' }); }
  }

  app.append(regressions(), compare(), trends(), operations());
  performance.mark('perftrack-built');
  // The trend charts already in view are drawn now, before the browser reads
  // the rest of the document (the late points); the observer draws the others.
  for (const card of document.querySelectorAll('#trends .card')) {
    const box = card.getBoundingClientRect();
    if (box.top > window.innerHeight) break;
    if (box.bottom < 0 || card.style.display === 'none' || !hasPoints(card.trend)) continue;
    observer.unobserve(card);
    draw(card, card.trend);
  }
  // A view linked or typed in: built again from its fragment.
  window.addEventListener('hashchange', () => location.reload());
  if (state.chart) focusChart(state.chart);
  // For tests and the console: the charts by id and the data.
  window.perftrack = { charts, data, chartId, hodgesLehmann, compareRows, decimate };
})();
