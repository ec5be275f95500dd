// perftrack profile cpu for real: Linux perf samples a program whose burn_70
// does 70% of the work and burn_30 30%. The folded stacks must give them
// 60-80% and 20-40%; the pprof file, decoded by an independent reader (npm's
// pprof-format), and the speedscope file must agree with the folded totals
// exactly; the flame graph must open in Debian's chromium from file:// with no
// console error and no request, zoom on a click and report a search's share.
//
//     node profile_test.mjs PERFTRACK PROFILE_HOT ARTIFACTS
import { createRequire } from 'node:module';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';

const require = createRequire(new URL('../../web/package.json', import.meta.url));
const puppeteer = require('puppeteer-core');
const { Profile } = require('pprof-format');
const [perftrack, hot, artifacts] = process.argv.slice(2);
fs.mkdirSync(artifacts, { recursive: true });
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'perftrack-profile-'));
const fail = (message) => { console.error('FAIL: ' + message); process.exitCode = 1; throw new Error(message); };
const check = (ok, message) => { if (!ok) fail(message); };

try {
  // 1. Profile the program (about 2 s of CPU at 99 Hz: some 200 samples).
  const out = path.join(work, 'cpu');
  const run = spawnSync(perftrack, ['profile', 'cpu', '--out', out, '--', hot, '20000000'], { encoding: 'utf8' });
  check(run.status === 0, `perftrack profile cpu exited ${run.status}:\n${run.stdout}\n${run.stderr}`);
  for (const f of ['profile.folded', 'flamegraph.html', 'flamegraph.svg', 'profile.speedscope.json', 'profile.pb.gz', 'summary.md'])
    check(fs.existsSync(path.join(out, f)), `${f} is missing from ${out}`);

  // 2. The folded stacks: per function, the samples with it on the stack.
  const folded = fs.readFileSync(path.join(out, 'profile.folded'), 'utf8').trim().split('\n');
  const foldedTotals = new Map();
  let all = 0;
  for (const line of folded) {
    const at = line.lastIndexOf(' ');
    const n = Number(line.slice(at + 1));
    all += n;
    for (const f of new Set(line.slice(0, at).split(';'))) foldedTotals.set(f, (foldedTotals.get(f) || 0) + n);
  }
  const share = (f) => (foldedTotals.get(f) || 0) / all;
  console.log(`profile: ${all} samples; burn_70 ${(100 * share('burn_70')).toFixed(1)}%, burn_30 ${(100 * share('burn_30')).toFixed(1)}%`);
  check(all >= 50, `only ${all} samples`);
  check(share('burn_70') >= 0.6 && share('burn_70') <= 0.8, `burn_70 has ${share('burn_70')} of the samples`);
  check(share('burn_30') >= 0.2 && share('burn_30') <= 0.4, `burn_30 has ${share('burn_30')} of the samples`);
  check(folded.every((l, i) => i === 0 || folded[i - 1] !== l), 'a stack appears twice');

  // 3. pprof, decoded by pprof-format: per-function totals equal the folded ones.
  const pprof = Profile.decode(zlib.gunzipSync(fs.readFileSync(path.join(out, 'profile.pb.gz'))));
  const str = (i) => pprof.stringTable.strings[Number(i)];
  check(str(pprof.sampleType[0].type) === 'samples' && str(pprof.sampleType[1].type) === 'cpu-clock' && str(pprof.sampleType[1].unit) === 'nanoseconds',
    'pprof sample types: ' + pprof.sampleType.map((t) => `${str(t.type)}/${str(t.unit)}`).join(', '));
  const fnName = new Map(pprof.function.map((f) => [Number(f.id), str(f.name)]));
  const locFn = new Map(pprof.location.map((l) => [Number(l.id), fnName.get(Number(l.line[0].functionId))]));
  const pprofTotals = new Map();
  for (const s of pprof.sample) {
    for (const f of new Set(s.locationId.map((id) => locFn.get(Number(id))))) pprofTotals.set(f, (pprofTotals.get(f) || 0) + Number(s.value[0]));
  }
  check(pprofTotals.size === foldedTotals.size && [...foldedTotals].every(([f, n]) => pprofTotals.get(f) === n),
    `pprof totals ${JSON.stringify([...pprofTotals])} differ from folded ${JSON.stringify([...foldedTotals])}`);
  const leaf = str(pprof.function.find((f) => Number(f.id) === Number(pprof.location.find((l) => Number(l.id) === Number(pprof.sample[0].locationId[0])).line[0].functionId)).name);
  const first = folded[0].slice(0, folded[0].lastIndexOf(' ')).split(';');
  check(pprof.sample.some((s) => locFn.get(Number(s.locationId[0])) === first[first.length - 1]), `pprof locations are not leaf first (${leaf})`);

  // 4. speedscope: the same totals.
  const ss = JSON.parse(fs.readFileSync(path.join(out, 'profile.speedscope.json'), 'utf8'));
  const ssTotals = new Map();
  const prof = ss.profiles[0];
  check(prof.type === 'sampled' && prof.samples.length === prof.weights.length, 'speedscope profile shape');
  prof.samples.forEach((stack, i) => {
    for (const f of new Set(stack.map((k) => ss.shared.frames[k].name))) ssTotals.set(f, (ssTotals.get(f) || 0) + prof.weights[i]);
  });
  check([...foldedTotals].every(([f, n]) => ssTotals.get(f) === n), 'speedscope totals differ from folded');

  // 5. The flame graph in chromium, every non-file: request blocked.
  const browser = await puppeteer.launch({
    executablePath: '/usr/bin/chromium', headless: true, protocolTimeout: 60000,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-dev-shm-usage'],
    userDataDir: path.join(work, 'chromium'),
  });
  try {
    const tab = await browser.newPage();
    await tab.setViewport({ width: 1200, height: 700 });
    const problems = [];
    await tab.setRequestInterception(true);
    tab.on('request', (r) => { if (r.url().startsWith('file:')) return r.continue(); problems.push('request ' + r.url()); return r.abort(); });
    tab.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warn') problems.push(`console ${m.type()}: ${m.text()}`); });
    tab.on('pageerror', (e) => problems.push('page error: ' + e.message));
    await tab.goto('file://' + path.join(out, 'flamegraph.html'), { waitUntil: 'load' });
    await tab.waitForFunction(() => window.perftrackFlame, { timeout: 30000 });
    // Click the middle of burn_70's frame: the focus moves to it.
    const target = await tab.evaluate(() => {
      const f = window.perftrackFlame, d = f.data;
      const i = d.name.findIndex((k) => d.names[k] === 'burn_70');
      const canvas = document.getElementById('flame'), scroller = document.getElementById('scroller');
      for (let y = 0; y < scroller.clientHeight; y += 4) {
        for (let x = 0; x < scroller.clientWidth; x += 4) if (f.nodeAt(x, y) === i) return { i, x, y, top: canvas.getBoundingClientRect().top, left: canvas.getBoundingClientRect().left };
      }
      return { i, x: -1 };
    });
    check(target.x >= 0, 'burn_70 is not drawn');
    await tab.mouse.click(target.left + target.x, target.top + target.y);
    const focus = await tab.evaluate(() => window.perftrackFlame.focus);
    check(focus === target.i, `a click on burn_70 focused node ${focus}, not ${target.i}`);
    await tab.screenshot({ path: path.join(artifacts, 'zoomed.png') }).catch((e) => console.log('note: screenshot skipped: ' + e.message));
    await tab.type('input[type=search]', 'burn_30');
    const matched = await tab.$eval('#matched', (e) => e.textContent);
    check(matched === `matched ${(100 * share('burn_30')).toFixed(2)}%`, `search share "${matched}", folded ${share('burn_30')}`);
    check(problems.length === 0, 'the page misbehaved:\n' + problems.join('\n'));

    // A differential flame graph: b went from 30% to 70% of the samples.
    fs.writeFileSync(path.join(work, 'base.folded'), 'main;a 70\nmain;b 30\n');
    fs.writeFileSync(path.join(work, 'head.folded'), 'main;a 60\nmain;b 140\n');
    execFileSync(perftrack, ['profile', 'diff', path.join(work, 'base.folded'), path.join(work, 'head.folded'), '--out', path.join(work, 'diff')]);
    const md = fs.readFileSync(path.join(work, 'diff', 'diff.md'), 'utf8');
    const grew = md.split('## Grew most (self)')[1].split('\n').find((l) => l.startsWith('| b '));
    check(grew && grew.includes('+40.0 pp'), 'diff.md: ' + md);
    await tab.goto('file://' + path.join(work, 'diff', 'diff.html'), { waitUntil: 'load' });
    await tab.waitForFunction(() => window.perftrackFlame, { timeout: 30000 });
    const deltas = await tab.evaluate(() => {
      const d = window.perftrackFlame.data;
      return Object.fromEntries(d.name.map((k, i) => [d.names[k], d.delta[i]]));
    });
    check(Math.abs(deltas.b - 0.4) < 1e-9 && Math.abs(deltas.a + 0.4) < 1e-9 && Math.abs(deltas.main) < 1e-9, 'diff deltas ' + JSON.stringify(deltas));
    await tab.screenshot({ path: path.join(artifacts, 'diff.png') }).catch((e) => console.log('note: screenshot skipped: ' + e.message));
    check(problems.length === 0, 'the diff page misbehaved:\n' + problems.join('\n'));
  } finally {
    await browser.close();
  }

  // 6. A folded file from elsewhere renders too; a broken one names its line.
  fs.writeFileSync(path.join(work, 'in.folded'), 'main;<script>x 3\nmain;b 1\n');
  execFileSync(perftrack, ['profile', 'render', path.join(work, 'in.folded'), '--out', path.join(work, 'r')]);
  const svg = fs.readFileSync(path.join(work, 'r', 'flamegraph.svg'), 'utf8');
  check(svg.includes('&lt;script&gt;') && !svg.includes('<script>'), 'the SVG does not escape a name');
  fs.writeFileSync(path.join(work, 'bad.folded'), 'main;a 3\nmain;b x\n');
  const bad = spawnSync(perftrack, ['profile', 'render', path.join(work, 'bad.folded'), '--out', path.join(work, 'b')], { encoding: 'utf8' });
  check(bad.status === 2 && bad.stderr.includes('line 2'), `a broken folded file: exit ${bad.status}, ${bad.stderr}`);
  // 7. Latency heat maps of recorded operations: 100 events at 1 ms and 10
  // at 100 ms, under a name that must stay text.
  const jsonl = [];
  for (let k = 0; k < 110; ++k)
    jsonl.push(JSON.stringify({ timestamp: new Date(Date.UTC(2026, 0, 1) + k * 1000).toISOString(), operation_type: '<b>op', duration_ms: k < 100 ? 1 : 100, success: true }));
  fs.writeFileSync(path.join(work, 'ops.jsonl'), jsonl.join('\n') + '\n');
  execFileSync(perftrack, ['profile', 'latency', '--file', path.join(work, 'ops.jsonl'), '--out', path.join(work, 'lat')]);
  const heat = fs.readFileSync(path.join(work, 'lat', 'latency-1.svg'), 'utf8');
  const histogram = [...heat.matchAll(/fill="#2563eb"><title>([^<]*): (\d+) events</g)].map((m) => [m[1], Number(m[2])]).filter(([, n]) => n > 0);
  check(JSON.stringify(histogram) === JSON.stringify([['562 us to 1 ms', 100], ['56.2 ms to 100 ms', 10]]), 'latency histogram ' + JSON.stringify(histogram));
  check(heat.includes('&lt;b&gt;op') && !heat.includes('<b>op'), 'the heat map does not escape the name');
  check(fs.readFileSync(path.join(work, 'lat', 'latency.html'), 'utf8').includes('id="perftrack-data"'), 'latency.html is not the dashboard page');
  fs.copyFileSync(path.join(work, 'lat', 'latency-1.svg'), path.join(artifacts, 'latency-1.svg'));
  for (const f of ['flamegraph.html', 'flamegraph.svg', 'summary.md']) fs.copyFileSync(path.join(out, f), path.join(artifacts, f));
  console.log('profile: outputs agree; flame graph opened, zoomed and searched');
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
