// perftrack dashboard in a real browser: Debian's chromium, headless, driven by
// puppeteer-core (web/node_modules; never a downloaded browser).
//
// 1. A history of 12 runs (perftrack compare --history), one benchmark 30%
//    slower from run 7, names with <img onerror>, <script> and quotes.
// 2. perftrack dashboard writes the page; it is opened from file:// with
//    every request that is not file: blocked and counted.
// 3. Fails on any console error or warning, page error, dialog (a name that
//    ran), network request, empty chart (a canvas of one colour), a hover value
//    other than `perftrack history trend` prints for that run, a regressions
//    table without the step, or a view state the URL fragment does not restore.
//    Recorded operations (--file): the heat map's cell under the pointer holds
//    the count computed here from the same records, and the charts are drawn.
// 4. Screenshots of each view go to ARTIFACTS (kept by CI); the time to the
//    first painted chart is printed as a figure, not checked.
//
//     node browser_test.mjs PERFTRACK ARTIFACTS
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(new URL('../../web/package.json', import.meta.url));
const puppeteer = require('puppeteer-core');

const [perftrack, artifacts] = process.argv.slice(2);
fs.mkdirSync(artifacts, { recursive: true });
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dashboard-'));
const fail = (why) => { console.error('FAIL: ' + why); process.exitCode = 1; throw new Error(why); };
const check = (ok, why) => { if (!ok) fail(why); };

const SLOW = 'db/insert <img src=x onerror=alert(1)>';
const STEADY = "agent/\"spawn\" </script><script>alert('x')</script>";

function results(i) {
  // Deterministic noise, a 30% step for SLOW from the 7th run.
  const noise = (k) => 1 + 0.01 * Math.sin(i * 7.1 + k * 3.3);
  const samples = (center) => Array.from({ length: 8 }, (_, k) => center * noise(k));
  return {
    schema_version: 1,
    environment: { cpu_model: 'test cpu', logical_cpus: 2, git_sha: `c0ffee${String(i).padStart(2, '0')}`, time: `2026-01-${String(i + 1).padStart(2, '0')}T00:00:00Z` },
    run: { quick: true },
    benchmarks: [
      { name: SLOW, category: 'db', kind: 'latency', unit: 'ns', status: 'ok', samples: samples(i < 6 ? 1000 : 1300),
        // CPU profiles (perftrack bench --profile) of the three compared runs.
        ...(i === 0 || i === 3 || i === 11 ? { profile: path.join(work, `prof${i}`) } : {}) },
      { name: STEADY, category: 'agent', kind: 'throughput', unit: 'ops/s', direction: 'higher_is_better', status: 'ok', samples: samples(5e5) },
    ],
  };
}

const history = path.join(work, 'history.db');
fs.writeFileSync(path.join(work, 'r0.json'), JSON.stringify(results(0)));
for (let i = 0; i < 12; ++i) {
  const file = path.join(work, `r${i}.json`);
  fs.writeFileSync(file, JSON.stringify(results(i)));
  try {
    execFileSync(perftrack, ['compare', '--results', file, '--baseline', path.join(work, 'r0.json'), '--history', history, '--fail-on', 'never'], { stdio: 'pipe' });
  } catch (e) { fail(`perftrack compare: ${e.stderr}`); }
}
// 600 records a second apart: OP takes 1.3 ms but 50 ms for 10 of them.
const OP = 'task_claim <b>"x"</b>';
const t0 = Date.parse('2026-01-01T00:00:00Z');
const lines = [];
const events = [];
for (let k = 0; k < 600; ++k) {
  const ms = k >= 300 && k < 310 ? 50 : 1.3;
  events.push({ k, ms });
  lines.push(JSON.stringify({ timestamp: new Date(t0 + k * 1000).toISOString(), operation_type: OP, duration_ms: ms, success: k % 100 !== 0 }));
  lines.push(JSON.stringify({ timestamp: new Date(t0 + k * 1000).toISOString(), operation_type: 'message_send', duration_ms: 0.2, success: true }));
  // Slows with OP (a joint step), with its own wander: the pair to rank first.
  const wander = 2 + Math.sin(k / 40) + 0.05 * Math.abs(Math.sin(k * 1.7));
  lines.push(JSON.stringify({ timestamp: new Date(t0 + k * 1000).toISOString(), operation_type: 'queue_wait', duration_ms: k >= 300 && k < 310 ? 40 * wander : wander, success: true }));
}
// 1,000,000 events at 1 ms, five to a millisecond, one of them 100 ms:
// decimation must not hide it (issue 15: one 100x outlier among 1,000,000).
const SPIKE_AT = 654321;
for (let k = 0; k < 1000000; ++k) {
  lines.push(`{"timestamp":"${new Date(t0 + Math.floor(k / 5)).toISOString()}","operation_type":"spiky","duration_ms":${k === SPIKE_AT ? 100 : 1},"success":true}`);
}
const jsonl = path.join(work, 'metrics.jsonl');
fs.writeFileSync(jsonl, lines.join('\n') + '\n');
// The recorder's resource samples beside it: memory follows queue_wait's slow
// wander (the process holds more while its queue is slow); CPU use wanders on
// its own.
const samples = [];
let cpuSeconds = 0;
for (let k = 0; k < 600; ++k) {
  const rss = 50 * 1048576 * (2 + Math.sin(k / 40));
  cpuSeconds += 0.3 + 0.2 * Math.sin(k * 0.37);
  samples.push(JSON.stringify({ timestamp: new Date(t0 + k * 1000 + 500).toISOString(), pid: 4242, rss_bytes: Math.round(rss), cpu_seconds: cpuSeconds }));
}
fs.writeFileSync(path.join(work, 'perf-resources.ndjson'), samples.join('\n') + '\n');
// The page's columns and rows, computed here: 120 columns over the span, rows
// at 10^(i/4) ms for i = -12..20 (an event at or below a bound is in its row).
const columns = 120, spanNs = 599e9 + 1, widthNs = Math.ceil(spanNs / columns);
const bounds = Array.from({ length: 33 }, (_, i) => Math.pow(10, (i - 12) / 4));
const rowOf = (ms) => { const i = bounds.findIndex((b) => b >= ms); return i < 0 ? bounds.length : i; };
const slowRow = rowOf(50), slowColumn = Math.floor(300e9 / widthNs);
const expectedCount = events.filter((e) => rowOf(e.ms) === slowRow && Math.floor(e.k * 1e9 / widthNs) === slowColumn).length;

// fsync's share of the samples: 30% in r0, 50% in r3, 60/130 in r11.
const folded = { 0: 'main;insert;fsync 30\nmain;insert;encode 70\n', 3: 'main;insert;fsync 50\nmain;insert;encode 50\n', 11: 'main;insert;fsync 60\nmain;insert;encode 70\n' };
for (const [i, text] of Object.entries(folded)) {
  fs.mkdirSync(path.join(work, `prof${i}`));
  fs.writeFileSync(path.join(work, `prof${i}`, 'profile.folded'), text);
}
const page = path.join(work, 'page.html');
const markdown = path.join(work, 'dashboard.md');
// Three results files to compare: r0 (base by default), r3, r11 (head by default).
const compared = [0, 3, 11];
execFileSync(perftrack, ['dashboard', '--history', history, '--file', jsonl, '--out', page, '--markdown', markdown, '--commit-url-template', 'https://git.example/c/{sha}',
  ...compared.flatMap((i) => ['--results', path.join(work, `r${i}.json`)])]);
const trend = execFileSync(perftrack, ['history', 'trend', '--history', history, '--benchmark', SLOW, '--limit', '100']).toString();
// | run | time | git sha | median | n | vs first |
const medians = trend.split('\n').filter((l) => /^\| \d+ \|/.test(l)).map((l) => Number(l.split('|')[4]));
check(medians.length === 12, `perftrack history trend gave ${medians.length} runs:\n${trend}`);

// How many colours a chart's canvas holds (sampled): an empty chart has 1-3.
const chartColours = (tab, id) => tab.evaluate((id) => {
  const u = window.perftrack.charts.get(id);
  const c = u.ctx.getImageData(0, 0, u.ctx.canvas.width, u.ctx.canvas.height).data;
  const seen = new Set();
  for (let i = 0; i < c.length; i += 4 * 7) seen.add((c[i] << 16) | (c[i + 1] << 8) | c[i + 2] | (c[i + 3] << 24));
  return seen.size;
}, id);

// Screenshots are artifacts for people, not checks. Headless Chromium's full-page
// capture can stall under load (a CI run waited 180 s on one), so each one has a
// watchdog and resizes the viewport instead of capturing beyond it.
async function shoot(tab, name, fullPage = false) {
  const file = path.join(artifacts, name);
  let timer;
  const watchdog = new Promise((resolve) => { timer = setTimeout(() => resolve('timed out'), 30000); });
  const result = await Promise.race([
    tab.screenshot({ path: file, fullPage, captureBeyondViewport: false }).then(() => 'ok', (e) => e.message),
    watchdog]);
  clearTimeout(timer);
  if (result !== 'ok') console.log(`note: screenshot ${name} skipped (${result})`);
}

const browser = await puppeteer.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  userDataDir: path.join(work, 'profile'),
  protocolTimeout: 60000,
});
const problems = [];
try {
  const tab = await browser.newPage();
  await tab.setViewport({ width: 1280, height: 900 });
  await tab.setRequestInterception(true);
  tab.on('request', (r) => {
    if (r.url().startsWith('file:')) return r.continue();
    problems.push('request ' + r.url());
    return r.abort();
  });
  tab.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warn') problems.push(`console ${m.type()}: ${m.text()}`); });
  tab.on('pageerror', (e) => problems.push('page error: ' + e.message));
  tab.on('dialog', async (d) => { problems.push('dialog (a name ran): ' + d.message()); await d.dismiss(); });

  const url = 'file://' + page;
  const started = Date.now();
  await tab.goto(url, { waitUntil: 'load' });
  await tab.waitForFunction(() => window.perftrack && window.perftrack.charts.size > 0, { timeout: 30000 });
  const firstPaint = Date.now() - started;
  await shoot(tab, 'overview.png', true);

  // Regressions first: the step, its size, the commit link.
  const rows = await tab.$$eval('#regressions-table tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
  check(rows.length === 1, `regressions table rows: ${JSON.stringify(rows)}`);
  check(rows[0][0] === SLOW, `the row names ${rows[0][0]}`);
  check(/^\+(29|30|31)\.\d%$/.test(rows[0][3]), `change ${rows[0][3]}`);
  const link = await tab.$eval('#regressions-table tbody a[href^="https:"]', (a) => a.href);
  check(link.startsWith('https://git.example/c/c0ffee'), `commit link ${link}`);

  // The stepped benchmark's chart: focused from the table, drawn, not blank.
  await tab.click('#regressions-table tbody td a');
  const id = await tab.evaluate((name) => window.perftrack.chartId({ benchmark: name, metric: 'latency' }), SLOW);
  await tab.waitForFunction((id) => window.perftrack.charts.has(id), { timeout: 10000 }, id);
  const colours = await chartColours(tab, id);
  check(colours > 3, `the chart canvas has ${colours} colours: empty`);
  check(await tab.$eval('.card.highlight h4', (h) => h.textContent.startsWith('db/insert <img')), 'the focused card is not the step');

  // Hover the 4th and 10th runs: the values `perftrack history trend` prints.
  for (const i of [3, 9]) {
    const shown = await tab.evaluate((id, i) => {
      const u = window.perftrack.charts.get(id);
      u.setCursor({ left: u.valToPos(u.data[0][i], 'x'), top: u.valToPos(u.data[1][i], 'y') });
      const card = [...document.querySelectorAll('.card')].find((c) => c.dataset.chart === id);
      const d = card.querySelector('.hover').dataset;
      return { value: Number(d.value), low: Number(d.low), high: Number(d.high), text: card.querySelector('.hover').textContent };
    }, id, i);
    // 8 samples: the 95% interval of the median is their least and greatest
    // (binomial ranks 1 and 8), carried as float32 for the band.
    const own = results(i).benchmarks[0].samples;
    const near = (a, b) => Math.abs(a / b - 1) < 1e-6;
    check(near(shown.low, Math.min(...own)) && near(shown.high, Math.max(...own)), `band of run ${i + 1}: ${shown.low}..${shown.high}, samples ${own}`);
    check(Math.abs(shown.value / medians[i] - 1) < 1e-5, `hover of run ${i + 1}: ${shown.value} (${shown.text}), history trend says ${medians[i]}`);
    check(shown.text.includes(`run ${i + 1}:`), `hover text ${shown.text}`);
  }
  await shoot(tab, 'step.png');

  // A trend's decimation keeps a spike: one 100x outlier among 1,000,000
  // points, 1,000 columns; each column keeps its least and greatest, and a
  // step asked for stays too.
  const decimated = await tab.evaluate(() => {
    const n = 1000000, spike = 654321, step = 123457;
    const xs = Array.from({ length: n }, (_, i) => i + 1);
    const ys = Array.from({ length: n }, (_, i) => 1000 + 10 * Math.sin(i / 97));
    ys[spike] = 100000;
    const { kept, column } = window.perftrack.decimate(xs, ys, 0, n, 1000, (i) => i === step);
    const max = kept.reduce((m, i) => Math.max(m, ys[i]), 0);
    return { count: kept.length, spike: kept.includes(spike), step: kept.includes(step), max, sorted: kept.every((v, k) => k === 0 || v > kept[k - 1]), columns: new Set(column).size };
  });
  check(decimated.spike && decimated.max === 100000 && decimated.step && decimated.sorted && decimated.count <= 2001 && decimated.columns === 1000,
    `the decimation of 1,000,000 points: ${JSON.stringify(decimated)}`);

  // The view state is in the fragment: a filter and the log scale come back.
  await tab.goto(url + '#q=spawn&log=1', { waitUntil: 'load' });
  await tab.waitForFunction(() => window.perftrack && window.perftrack.charts.size > 0, { timeout: 30000 });
  const visible = await tab.$$eval('#trends .card', (cs) => cs.filter((c) => c.style.display !== 'none').map((c) => c.querySelector('h4').textContent));
  check(visible.length === 1 && visible[0].startsWith('agent/"spawn" </script>'), `filtered cards: ${JSON.stringify(visible)}`);
  check(await tab.$eval('.controls input[type=checkbox]', (b) => b.checked), 'log scale not restored');
  await shoot(tab, 'filtered.png', true);

  // Operations: the heat map cell of the slow events, hovered.
  await tab.goto(url, { waitUntil: 'load' });
  await tab.evaluate(() => document.getElementById('operations').scrollIntoView());
  await tab.waitForFunction(() => document.querySelectorAll('canvas.heat').length === 4 && [...document.querySelectorAll('canvas.heat')].every((c) => c.heatGeometry), { timeout: 10000 });
  const cell = await tab.evaluate((op, row, column) => {
    const card = [...document.querySelectorAll('.card.op')].find((c) => c.dataset.operation === op);
    const canvas = card.querySelector('canvas.heat');
    const g = canvas.heatGeometry, box = canvas.getBoundingClientRect();
    canvas.dispatchEvent(new MouseEvent('mousemove', {
      clientX: box.left + g.left + (column + 0.5) * g.cellW,
      clientY: box.top + g.height - (row - g.lo + 0.5) * g.cellH }));
    const hover = card.querySelector('.hover');
    return { count: Number(hover.dataset.count), text: hover.textContent, title: card.querySelector('h4').textContent };
  }, OP, slowRow, slowColumn);
  check(cell.count === expectedCount && expectedCount > 0, `heat map cell: ${JSON.stringify(cell)}, expected ${expectedCount}`);
  check(cell.title.includes('600 events, 6 failed'), `operation title ${cell.title}`);
  const pairs = await tab.$$eval('#correlations-table tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
  check(pairs.length >= 1 && [pairs[0][0], pairs[0][1]].sort().join('|') === ['queue_wait', OP].sort().join('|') && Number(pairs[0][2]) > 0.1,
    `operations that slow together: ${JSON.stringify(pairs)}`);
  // Operations and resources: queue_wait with memory first, of the four rows.
  const withResources = await tab.$$eval('#resources-table tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
  check(withResources.length === 4 && withResources[0][0] === 'queue_wait' && withResources[0][1] === 'rss_bytes' && Number(withResources[0][2]) > 0.5 &&
    Math.abs(Number(withResources[1][2])) < Number(withResources[0][2]),
    `operations and resources: ${JSON.stringify(withResources)}`);
  await tab.waitForFunction(() => window.perftrack.charts.has('resources'), { timeout: 10000 });
  const resourceColours = await chartColours(tab, 'resources');
  check(resourceColours > 3, `the resources chart has ${resourceColours} colours: empty`);
  await tab.evaluate(() => document.getElementById('resources').scrollIntoView());
  await shoot(tab, 'resources.png');
  // The spike among 1,000,000 events: in the greatest series, and painted there.
  const spike = await tab.evaluate(() => {
    const u = window.perftrack.charts.get('events\u001fspiky');
    const max = u.data[2];
    const i = max.findIndex((v) => v === 100);
    const x = Math.round(u.valToPos(u.data[0][i], 'x', true)), y = Math.round(u.valToPos(100, 'y', true));
    const px = u.ctx.getImageData(x - 2, y - 1, 5, 4).data;
    let inked = 0;
    for (let k = 0; k < px.length; k += 4) if (px[k + 3] > 0 && !(px[k] > 240 && px[k + 1] > 240 && px[k + 2] > 240)) ++inked;
    return { i, columns: max.length, others: max.filter((v) => v != null && v !== 1 && v !== 100).length, inked };
  });
  check(spike.i >= 0 && spike.inked > 0 && spike.others === 0, `the 100x spike: ${JSON.stringify(spike)}`);
  await tab.evaluate((op) => [...document.querySelectorAll('.card.op')].find((c) => c.dataset.operation === op).scrollIntoView(), OP);
  await shoot(tab, 'operations.png');

  // Compare two runs: r0 against r11 by default. The page's Hodges-Lehmann
  // figures equal the ones C++ embedded for that pair; SLOW is ~30% slower.
  await tab.evaluate(() => document.getElementById('compare').scrollIntoView());
  await tab.waitForFunction(() => document.querySelectorAll('#compare-table tbody tr').length === 2 && window.perftrack.charts.has('pct\u001fcompare'), { timeout: 10000 });
  const cmp = await tab.evaluate(() => {
    const c = window.perftrack.data.comparison;
    const rows = window.perftrack.compareRows(0, c.runs.length - 1);
    return { cpp: c.changes.map((ch) => ({ name: c.metrics[ch.metric].benchmark, change: ch.change, low: ch.low, high: ch.high })),
      js: rows.map((r) => ({ name: r.m.benchmark, change: r.change, low: r.low, high: r.high })),
      table: [...document.querySelectorAll('#compare-table tbody tr')].map((tr) => [...tr.cells].map((x) => x.textContent)) };
  });
  check(cmp.cpp.length === 2 && cmp.js.length === 2, `comparison rows: ${JSON.stringify(cmp)}`);
  for (let k = 0; k < 2; ++k) {
    for (const f of ['change', 'low', 'high']) {
      check(cmp.js[k].name === cmp.cpp[k].name && Math.abs(cmp.js[k][f] - cmp.cpp[k][f]) < 1e-9, `JS and C++ disagree on ${cmp.cpp[k].name} ${f}: ${cmp.js[k][f]} vs ${cmp.cpp[k][f]}`);
    }
  }
  check(cmp.table[0][0] === SLOW && /^\+(29|30|31)\.\d%$/.test(cmp.table[0][4]) && cmp.cpp[0].low > 0.25, `compare table: ${JSON.stringify(cmp.table)}`);
  // The percentile plot's hover at p99.99 gives the base's value there (linear between ranks).
  const base = results(0).benchmarks[0].samples.slice().sort((a, b) => a - b);
  const h = (base.length - 1) * 0.9999, lo = Math.floor(h);
  const p9999 = base[lo] + (h - lo) * (base[lo + 1] - base[lo]);
  const hovered = await tab.evaluate(() => {
    const u = window.perftrack.charts.get('pct\u001fcompare');
    const i = u.data[0].length - 1;
    u.setCursor({ left: u.valToPos(u.data[0][i], 'x'), top: u.valToPos(u.data[1][i], 'y') });
    const hover = document.querySelector('#compare-detail .hover');
    return { value: Number(hover.dataset.base), text: hover.textContent };
  });
  check(Math.abs(hovered.value / p9999 - 1) < 1e-12 && hovered.text.startsWith('p99.99:'), `percentile hover ${JSON.stringify(hovered)}, expected ${p9999}`);
  const cdfColours = await chartColours(tab, 'cdf\u001fcompare');
  check(cdfColours > 3, `the CDF chart has ${cdfColours} colours: empty`);
  // The default pair's CPU profiles: both flame graphs and the differential
  // one, a page beside the dashboard told the pair (only SLOW was profiled).
  const profileLinks = async () => {
    const links = await tab.$$eval('#compare-table tbody tr', (trs) => trs.map((tr) => [tr.cells[0].textContent, [...tr.querySelectorAll('td.profile a')].map((a) => [a.textContent, a.getAttribute('href')])]));
    return links.find(([name]) => name === SLOW)[1];
  };
  const slowLinks = await profileLinks();
  check(slowLinks.length === 3 && slowLinks[0][1] === 'file://' + path.join(work, 'prof0', 'flamegraph.html') && slowLinks[2][0] === 'diff' && slowLinks[2][1].endsWith('#base=0&head=2'), `profile links: ${JSON.stringify(slowLinks)}`);
  check(fs.existsSync(path.join(work, slowLinks[2][1].split('#')[0])), `the diff ${slowLinks[2][1]} was not written beside the page`);
  await shoot(tab, 'compare.png');
  // Each pair's differential flame graph, computed in its page: fsync's
  // change of share, on the head's frames.
  const diffDeltas = async (href) => {
    const d = await browser.newPage();
    d.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warn') problems.push(`diff page console ${m.type()}: ${m.text()}`); });
    d.on('pageerror', (e) => problems.push('diff page error: ' + e.message));
    await d.goto('file://' + path.join(work, href), { waitUntil: 'load' });
    await d.waitForFunction(() => window.perftrackFlame, { timeout: 30000 });
    const out = await d.evaluate(() => {
      const f = window.perftrackFlame.data;
      return { deltas: Object.fromEntries(f.name.map((k, i) => [f.names[k], f.delta[i]])), base: document.getElementById('base').value, head: document.getElementById('head').value };
    });
    await d.close();
    return out;
  };
  const whole = await diffDeltas(slowLinks[2][1]);
  check(Math.abs(whole.deltas.fsync - (60 / 130 - 0.3)) < 1e-9 && Math.abs(whole.deltas.main) < 1e-9, `r0 against r11: ${JSON.stringify(whole)}`);
  // Another pair chosen on the page: r0 against r3, no step; the fragment keeps it.
  await tab.select('#compare-head', '1');
  const pairLinks = await profileLinks();
  check(pairLinks[2][1].endsWith('#base=0&head=1'), `r0 against r3's diff link: ${JSON.stringify(pairLinks)}`);
  const pair = await diffDeltas(pairLinks[2][1]);
  check(Math.abs(pair.deltas.fsync - 0.2) < 1e-9 && Math.abs(pair.deltas.encode + 0.2) < 1e-9 && pair.base === '0' && pair.head === '1', `r0 against r3: ${JSON.stringify(pair)}`);
  const second = await tab.$$eval('#compare-table tbody tr', (trs) => trs.map((tr) => tr.cells[4].textContent));
  check(second.every((c) => /^[+-][0-2]\.\d%$/.test(c)), `r0 against r3: ${JSON.stringify(second)}`);
  check((await tab.evaluate(() => location.hash)).includes('head=1'), 'the pair is not in the fragment');
  await tab.goto('about:blank');
  await tab.goto(url + '#base=1&head=2', { waitUntil: 'load' });
  await tab.waitForFunction(() => document.querySelectorAll('#compare-table tbody tr').length === 2, { timeout: 10000 });
  check(await tab.$eval('#compare-base', (s) => s.value) === '1', 'the base run is not restored from the fragment');
  const mdCompare = fs.readFileSync(markdown, 'utf8').split('\n').find((l) => l.startsWith('| db/insert') && l.includes(' to '));
  const pctText = (c) => (c >= 0 ? '+' : '') + (100 * c).toFixed(1) + '%';
  check(mdCompare && mdCompare.includes(`| ${pctText(cmp.cpp[0].change)} | ${pctText(cmp.cpp[0].low)} to ${pctText(cmp.cpp[0].high)} |`), `Markdown comparison row: ${mdCompare}`);

  // Without JavaScript: the <noscript> summary, escaped.
  const plain = await browser.newPage();
  await plain.setJavaScriptEnabled(false);
  await plain.goto(url, { waitUntil: 'load' });
  const summary = await plain.$eval('noscript', (n) => n.textContent);
  check(summary.includes('12 runs') && summary.includes(SLOW), `noscript summary: ${summary.slice(0, 300)}`);
  check(await plain.$$eval('img, script[src], b', (e) => e.length) === 0, 'a name became an element');
  await shoot(plain, 'noscript.png', true);

  // The Markdown's numbers are the page's: the step's change, before and after.
  const data = await tab.evaluate(() => window.perftrack.data);
  const md = fs.readFileSync(markdown, 'utf8');
  const mdRow = md.split('\n').find((l) => l.startsWith('| db/insert'));
  check(mdRow, 'no step row in the Markdown:\n' + md.slice(0, 600));
  const cellsMd = mdRow.split(' | ').map((c) => c.trim());
  const toNs = (text) => { const [v, unit] = text.split(' '); return Number(v) * { ns: 1, us: 1e3, ms: 1e6, s: 1e9 }[unit]; };
  const step = data.changes[0];
  check(cellsMd[3] === (step.change >= 0 ? '+' : '') + (100 * step.change).toFixed(1) + '%', `Markdown change ${cellsMd[3]} vs ${step.change}`);
  check(Math.abs(toNs(cellsMd[4]) / step.before.median - 1) < 5e-4, `Markdown before ${cellsMd[4]} vs ${step.before.median}`);
  check(Math.abs(toNs(cellsMd[5].replace(/ \|$/, '')) / step.after.median - 1) < 5e-4, `Markdown after ${cellsMd[5]} vs ${step.after.median}`);
  check(md.includes('](dashboard-charts/step-1.svg)') && fs.existsSync(path.join(work, 'dashboard-charts', 'step-1.svg')), 'the step chart is missing');
  check(!/(^|[^\\])</m.test(md) && md.includes('\\<img'), 'a name is not escaped in the Markdown');
  const svg = path.join(work, 'dashboard-charts', 'step-1.svg');
  await tab.goto('file://' + svg, { waitUntil: 'load' });
  await shoot(tab, 'markdown-step.png');

  // Thin inputs: one operation with one record, one results file, no history.
  const thin = path.join(work, 'thin');
  fs.mkdirSync(thin);
  fs.writeFileSync(path.join(thin, 'one.jsonl'), JSON.stringify({ timestamp: '2026-01-01T00:00:00Z', operation_type: 'solo', duration_ms: 3.5, success: true }) + '\n');
  execFileSync(perftrack, ['dashboard', '--file', path.join(thin, 'one.jsonl'), '--results', path.join(work, 'r0.json'), '--out', path.join(thin, 'page.html')]);
  await tab.goto('file://' + path.join(thin, 'page.html'), { waitUntil: 'load' });
  await tab.waitForFunction(() => window.perftrack, { timeout: 30000 }).catch(() => fail('thin page: ' + problems.join('\n')));
  await new Promise((r) => setTimeout(r, 500));
  check(problems.length === 0, 'the thin page misbehaved:\n' + problems.join('\n'));
  const thinText = await tab.evaluate(() => document.body.innerText);
  check(thinText.includes('comparing needs two') && thinText.includes('the same run') && thinText.includes('solo \u00b7 1 events') && thinText.includes('No pair of operations to correlate'),
    `thin page: ${thinText.slice(0, 800)}`);
  await shoot(tab, 'thin.png', true);

  // Many trends: the points of those past the first 24 the page shows come
  // after its script (.perftrack-late blocks); scrolled into view, each is drawn
  // with its own points.
  const wide = path.join(work, 'wide');
  fs.mkdirSync(wide);
  const wideResults = (k) => ({
    schema_version: 1,
    environment: { cpu_model: 'test cpu', logical_cpus: 2, git_sha: `beef${k}`, time: `2026-02-0${k + 1}T00:00:00Z` },
    run: { quick: true },
    benchmarks: Array.from({ length: 30 }, (_, b) => ({ name: `cat${b % 3}/bench_${b}`, category: `cat${b % 3}`, kind: 'latency', unit: 'ns', status: 'ok',
      samples: Array.from({ length: 5 }, (_, j) => 1000 * (b + 1) + 10 * k + j) })),
  });
  for (let k = 0; k < 3; ++k) {
    fs.writeFileSync(path.join(wide, `w${k}.json`), JSON.stringify(wideResults(k)));
    execFileSync(perftrack, ['compare', '--results', path.join(wide, `w${k}.json`), '--baseline', path.join(wide, 'w0.json'), '--history', path.join(wide, 'h.db'), '--fail-on', 'never'], { stdio: 'pipe' });
  }
  execFileSync(perftrack, ['dashboard', '--history', path.join(wide, 'h.db'), '--out', path.join(wide, 'page.html')]);
  await tab.bringToFront();  // the diff pages above took the front: a hidden page draws no charts
  await tab.goto('file://' + path.join(wide, 'page.html'), { waitUntil: 'load' });
  await tab.waitForFunction(() => window.perftrack && window.perftrack.charts.size > 0, { timeout: 30000 })
    .catch(async () => fail(`wide page: no chart drawn: ${JSON.stringify(await tab.evaluate(() => [document.readyState, location.href, window.perftrack && window.perftrack.charts.size, window.innerWidth, window.innerHeight, document.visibilityState]))}; ${problems.join('; ')}`));
  const lateCount = await tab.evaluate(() => window.perftrack.data.trends.filter((t) => t.late != null).length);
  check(lateCount === 6, `${lateCount} of 30 trends' points come late, not 6`);
  await tab.evaluate(async () => {
    for (const c of document.querySelectorAll('#trends .card')) { c.scrollIntoView(); await new Promise((r) => requestAnimationFrame(r)); }
  });
  await tab.waitForFunction(() => window.perftrack.charts.size === 30, { timeout: 30000 }).catch(async () => fail(`wide page: ${await tab.evaluate(() => window.perftrack.charts.size)} of 30 charts drawn`));
  const drawn = await tab.evaluate(() => window.perftrack.data.trends.map((t) => [t.benchmark, t.late != null, Array.from(window.perftrack.charts.get(window.perftrack.chartId(t)).data[1])]));
  for (const [name, isLate, ys] of drawn) {
    const b = Number(name.split('_')[1]);
    const want = [0, 1, 2].map((k) => 1000 * (b + 1) + 10 * k + 2);  // each run's median
    check(ys.length === 3 && ys.every((y, k) => Math.abs(y - want[k]) < 1e-9), `${name} (late ${isLate}) drew ${ys}, not ${want}`);
  }
  check(problems.length === 0, 'the wide page misbehaved:\n' + problems.join('\n'));

  check(problems.length === 0, 'the page misbehaved:\n' + problems.join('\n'));
  console.log(`dashboard: first chart painted ${firstPaint} ms after navigation (${fs.statSync(page).size} bytes); screenshots in ${artifacts}`);
} finally {
  await browser.close();
  fs.rmSync(work, { recursive: true, force: true });
}
