// Continuous profiling for real: perftrack profile cpu --continuous samples
// the 70/30 program with 1 s windows, keeping 3 s. The ring must hold only
// the newest windows, each sample's time tagged and pointing at a stack of
// its window; a time range rebuilt by `profile scope --from --to` must hold
// exactly that range's samples; the scope page must open in chromium with no
// error and no request, and a drag over its heat map must build the flame
// graph of exactly the samples of the cells dragged over; at 19 Hz a 100 Hz
// loop's two phases must get about half the samples each.
//
//     node continuous_test.mjs PERFTRACK PROFILE_HOT
import { createRequire } from 'node:module';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(new URL('../../web/package.json', import.meta.url));
const puppeteer = require('puppeteer-core');
const [perftrack, hot] = process.argv.slice(2);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'perftrack-continuous-'));
const check = (ok, message) => { if (!ok) { console.error('FAIL: ' + message); process.exit(1); } };

try {
  const out = path.join(work, 'ring');
  const run = spawnSync(perftrack, ['profile', 'cpu', '--continuous', '--hz', '99', '--window', '1s', '--keep', '3s', '--out', out, '--', hot, '60000000'], { encoding: 'utf8' });
  check(run.status === 0, `profile cpu --continuous exited ${run.status}:\n${run.stdout}\n${run.stderr}`);
  console.log('continuous: ' + run.stdout.trim().split('\n')[0]);
  const pruned = Number(/(\d+) older windows removed/.exec(run.stdout)[1]);
  const dir = path.join(out, 'windows');
  const starts = fs.readdirSync(dir).filter((f) => f.endsWith('.folded')).map((f) => Number(f.slice(0, -7))).sort((a, b) => a - b);
  check(starts.length >= 2 && starts.length <= 4, `${starts.length} windows kept: ${starts}`);
  check(pruned >= 1, `no window was pruned (${run.stdout})`);
  check(starts[0] >= starts[starts.length - 1] - 3000, `a window older than 3 s is kept: ${starts}`);
  // Each window: its samples' times are in order, from its start, and point at
  // its stacks; their count per stack is the folded count.
  const samples = [];
  for (const s of starts) {
    const folded = fs.readFileSync(path.join(dir, `${s}.folded`), 'utf8').trim().split('\n');
    const counts = folded.map((l) => Number(l.slice(l.lastIndexOf(' ') + 1)));
    const seen = counts.map(() => 0);
    const times = fs.readFileSync(path.join(dir, `${s}.times`), 'utf8').trim().split('\n').map((l) => l.split(' ').map(Number));
    check(times[0][0] === s, `window ${s} starts at ${times[0][0]}`);
    times.forEach(([t, k], i) => {
      check(k < folded.length && (i === 0 || t >= times[i - 1][0]), `window ${s}: sample ${i} (${t} ${k})`);
      ++seen[k];
      samples.push([t, folded[k].slice(0, folded[k].lastIndexOf(' '))]);
    });
    check(seen.every((n, k) => n === counts[k]), `window ${s}: times ${seen} vs folded ${counts}`);
  }
  // A time range rebuilt: exactly its samples.
  const from = starts[1], to = starts[starts.length - 1] + 500;
  const iso = (ms) => new Date(ms).toISOString();
  const range = path.join(work, 'range');
  const sc = spawnSync(perftrack, ['profile', 'scope', out, '--from', iso(from), '--to', iso(to), '--out', range], { encoding: 'utf8' });
  check(sc.status === 0, `profile scope exited ${sc.status}: ${sc.stderr}`);
  const want = samples.filter(([t]) => t >= from && t < to).length;
  const got = fs.readFileSync(path.join(range, 'profile.folded'), 'utf8').trim().split('\n').reduce((a, l) => a + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  check(got === want && want > 0, `the range holds ${got} samples, not ${want}`);

  // The scope page: heat map, then a drag down its second column (a whole second).
  const browser = await puppeteer.launch({
    executablePath: '/usr/bin/chromium', headless: true, protocolTimeout: 60000,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-dev-shm-usage'],
    userDataDir: path.join(work, 'chromium'),
  });
  try {
    const tab = await browser.newPage();
    await tab.setViewport({ width: 1200, height: 900 });
    const problems = [];
    await tab.setRequestInterception(true);
    tab.on('request', (r) => { if (r.url().startsWith('file:')) return r.continue(); problems.push('request ' + r.url()); return r.abort(); });
    tab.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warn') problems.push(`console ${m.type()}: ${m.text()}`); });
    tab.on('pageerror', (e) => problems.push('page error: ' + e.message));
    await tab.goto('file://' + path.join(out, 'scope.html'), { waitUntil: 'load' });
    await tab.waitForFunction(() => window.perftrackScope && window.perftrackFlame, { timeout: 30000 });
    const all = await tab.evaluate(() => ({ cells: window.perftrackScope.counts.reduce((a, c) => a + c, 0), flame: window.perftrackFlame.data.total[0] }));
    check(all.cells === samples.length && all.flame === samples.length, `heat map ${all.cells}, flame graph ${all.flame}, files ${samples.length}`);
    const pick = await tab.evaluate(() => {
      const s = window.perftrackScope, box = document.getElementById('heat').getBoundingClientRect();
      return { x: box.left + 1.5 * s.cellWidth, top: box.top + s.cellHeight / 2, bottom: box.top + (s.rows - 0.5) * s.cellHeight,
               from: s.cellStart(s.rows), to: s.cellStart(2 * s.rows - 1) + 1000 / s.rows };
    });
    await tab.mouse.move(pick.x, pick.top);
    await tab.mouse.down();
    await tab.mouse.move(pick.x, pick.bottom, { steps: 5 });
    await tab.mouse.up();
    const inColumn = samples.filter(([t]) => t >= pick.from && t < pick.to).length;
    const shown = await tab.evaluate(() => window.perftrackFlame.data.total[0]);
    console.log(`continuous: ${samples.length} samples kept; the second column holds ${inColumn}, its flame graph ${shown}`);
    check(shown === inColumn, `the dragged range's flame graph holds ${shown} samples, not ${inColumn}`);
    const names = await tab.evaluate(() => { const d = window.perftrackFlame.data; return [...new Set(d.name.map((k) => d.names[k]))]; });
    check(names.includes('burn_70') || names.includes('burn_30'), 'the range\'s flame graph has neither burn function: ' + names.slice(0, 10));
    check(problems.length === 0, 'the scope page misbehaved:\n' + problems.join('\n'));
  } finally {
    await browser.close();
  }
  // At the default 19 Hz, a 100 Hz loop (two 5 ms phases on a fixed grid) is
  // not sampled in step: a sampler whose period were a multiple of the
  // loop's would land in the same phase every time. Here each 52.6 ms moves
  // the phase on by 0.26 of a loop, so both phases get their half (152
  // samples in 8 s of CPU, fewer on a busy machine: 20% to 80% is nearly
  // four standard deviations each way at 40). cpu-clock counts the task's
  // CPU time, which also drifts against the loop's wall-clock grid.
  const phased = path.join(work, 'phases');
  const ph = spawnSync(perftrack, ['profile', 'cpu', '--continuous', '--window', '1s', '--out', phased, '--', hot, '--phases', '8'], { encoding: 'utf8' });
  check(ph.status === 0, `profile cpu --continuous of the phases exited ${ph.status}: ${ph.stderr}`);
  const phase = { a: 0, b: 0 };
  for (const f of fs.readdirSync(path.join(phased, 'windows')).filter((n) => n.endsWith('.folded'))) {
    for (const line of fs.readFileSync(path.join(phased, 'windows', f), 'utf8').trim().split('\n')) {
      const n = Number(line.slice(line.lastIndexOf(' ') + 1));
      if (line.includes(';phase_a')) phase.a += n;
      if (line.includes(';phase_b')) phase.b += n;
    }
  }
  const shareA = phase.a / Math.max(1, phase.a + phase.b);
  console.log(`continuous: at 19 Hz, a 100 Hz loop's phases got ${phase.a} and ${phase.b} samples`);
  check(phase.a + phase.b >= 40 && shareA >= 0.2 && shareA <= 0.8, `19 Hz sampled a 100 Hz loop in step: ${JSON.stringify(phase)}`);

  // Inside perftrack serve: --profile keeps the ring while serve runs and
  // /profile serves its heat map; SIGTERM stops both, perf's last window kept.
  const ring2 = path.join(work, 'serve-ring');
  fs.writeFileSync(path.join(work, 'm.jsonl'), '');
  const burner = spawn(hot, ['400000000'], { stdio: 'ignore' });
  const serve = spawn(perftrack, ['serve', '--port', '0', '--file', path.join(work, 'm.jsonl'), '--profile', ring2,
    '--profile-pid', String(burner.pid), '--profile-window', '1s'], { stdio: ['ignore', 'pipe', 'pipe'] });
  process.on('exit', () => { burner.kill('SIGKILL'); serve.kill('SIGKILL'); });  // also when a check fails
  let said = '', errs = '';
  serve.stderr.on('data', (d) => { errs += d; });
  const port = await new Promise((resolve, reject) => {
    serve.stdout.on('data', (d) => { said += d; const m = /127\.0\.0\.1:(\d+)\/metrics/.exec(said); if (m) resolve(Number(m[1])); });
    serve.on('exit', (c) => reject(new Error(`serve exited ${c}: ${errs}`)));
  });
  let samplesServed = 0;
  for (let k = 0; k < 100 && samplesServed === 0; ++k) {
    await new Promise((r) => setTimeout(r, 200));
    const html = await (await fetch(`http://127.0.0.1:${port}/profile`)).text();
    const m = /<script type="application\/json" id="scope-data">(.*?)<\/script>/s.exec(html);
    check(m, '/profile is not the scope page: ' + html.slice(0, 200));
    samplesServed = JSON.parse(m[1]).t.length;
  }
  const ended = new Promise((r) => serve.on('exit', (code, signal) => r({ code, signal })));
  serve.kill('SIGTERM');
  const how = await ended;
  burner.kill('SIGKILL');
  check(how.code === 0, `serve --profile ended ${JSON.stringify(how)}: ${errs}`);
  const kept = fs.readdirSync(path.join(ring2, 'windows')).filter((f) => f.endsWith('.times'));
  console.log(`continuous: serve --profile served ${samplesServed} samples at /profile; ${kept.length} windows kept`);
  check(samplesServed > 0 && kept.length > 0, `serve --profile: ${samplesServed} samples served, ${kept.length} windows`);
  console.log('continuous: all checks passed');
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
