// How the flame graph page copes with a big profile, next to speedscope (the
// peer) opening the same profile in the same browser. The profile has
// 200,000 frames and a stack 5,000 deep: 1,000 modules of ~195 functions
// each under main, and one recursion 5,000 frames deep. Prints, as medians
// of RUNS fresh tabs: the time from navigation to the first drawing (page
// parsed, tree built, drawn), and the time of each interaction handled on
// the page's thread: a hover, a click that zooms, a search, a scroll into
// the deep stack and a zoom at depth 4,000. speedscope: from the file's
// upload to its title showing the profile (imported and drawn).
//
//     node scale_bench.mjs PERFTRACK [RUNS]
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(new URL('../../web/package.json', import.meta.url));
const puppeteer = require('puppeteer-core');
const speedscope = path.join(path.dirname(require.resolve('speedscope/package.json')), 'dist', 'release', 'index.html');
const [perftrack, runsText] = process.argv.slice(2);
const runs = Number(runsText || 5);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'flame-bench-'));
const median = (v) => { const s = [...v].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

// The profile: main;mod_M;fn_F;leaf_F (frames: 1 + 1,000 + 2 x 97,000)
// and main;deep;r_0;...;r_4999.
const lines = [];
for (let m = 0; m < 1000; ++m) for (let f = 0; f < 97; ++f) lines.push(`main;mod_${m};fn_${m}_${f};leaf_${m}_${f} ${1 + ((m * 97 + f) % 7)}`);
const deep = ['main', 'deep'];
for (let d = 0; d < 4998; ++d) deep.push(`r_${d}`);
lines.push(`${deep.join(';')} 100000`);
fs.writeFileSync(path.join(work, 'big.folded'), lines.join('\n') + '\n');
execFileSync(perftrack, ['profile', 'render', path.join(work, 'big.folded'), '--out', path.join(work, 'out')], { stdio: 'pipe' });
const html = path.join(work, 'out', 'flamegraph.html'), ss = path.join(work, 'out', 'profile.speedscope.json');
const mib = (file) => (fs.statSync(file).size / 1048576).toFixed(1) + ' MiB';
const sizes = `page ${mib(html)}, speedscope file ${mib(ss)}`;

const browser = await puppeteer.launch({
  executablePath: '/usr/bin/chromium', headless: true, userDataDir: path.join(work, 'chromium'), protocolTimeout: 300000,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-dev-shm-usage'],
});
const t = { load: [], hover: [], zoom: [], search: [], scroll: [], deepZoom: [], speedscope: [] };
let frames = 0, depth = 0;
try {
  for (let r = 0; r < runs; ++r) {
    const tab = await browser.newPage();
    await tab.setViewport({ width: 1280, height: 900 });
    await tab.goto('file://' + html, { waitUntil: 'load', timeout: 300000 });
    await tab.waitForFunction(() => window.perftrackFlame, { timeout: 300000, polling: 'raf' });
    t.load.push(await tab.evaluate(() => performance.now()));
    const m = await tab.evaluate(() => {
      const f = window.perftrackFlame, d = f.data, canvas = document.getElementById('flame');
      const scroller = document.getElementById('scroller'), search = document.querySelector('input[type=search]');
      const box = canvas.getBoundingClientRect();
      const timed = (action) => { const s = performance.now(); action(); return performance.now() - s; };
      const at = (type, px, py) => canvas.dispatchEvent(new MouseEvent(type, { clientX: box.left + px, clientY: box.top + py, bubbles: true }));
      const h = scroller.clientHeight;
      const out = { frames: d.name.length, depth: d.depth.reduce((a, v) => Math.max(a, v), 0) + 1 };
      out.hover = timed(() => at('mousemove', 400, h - 40));
      out.zoom = timed(() => at('click', 400, h - 40));  // a frame two rows up from the root
      document.querySelector('button').click();
      search.value = 'fn_5.._3';
      out.search = timed(() => search.dispatchEvent(new Event('input')));
      search.value = '';
      search.dispatchEvent(new Event('input'));
      out.scroll = timed(() => { scroller.scrollTop = scroller.scrollHeight / 2; f.draw(); });
      // Zoom into the recursion at depth 4,000.
      const i = d.name.findIndex((k) => d.names[k] === 'r_3998');
      const total = Math.max(out.depth * 17, h);
      scroller.scrollTop = total - (d.depth[i] + 1) * 17 - h / 2;  // its row in the middle of the view
      f.draw();
      const y = f.nodeAt ? (() => { for (let yy = 0; yy < h; yy += 2) for (let xx = 0; xx < scroller.clientWidth; xx += 50) if (f.nodeAt(xx, yy) === i) return [xx, yy]; return null; })() : null;
      out.deepZoom = y ? timed(() => at('click', y[0], y[1])) : NaN;
      out.deepFocus = f.focus === i;
      return out;
    });
    if (r === 0) { frames = m.frames; depth = m.depth; if (!m.deepFocus) console.log('note: the deep zoom missed r_3998'); }
    for (const k of ['hover', 'zoom', 'search', 'scroll', 'deepZoom']) t[k].push(m[k]);
    await tab.close();

    const peer = await browser.newPage();
    await peer.setViewport({ width: 1280, height: 900 });
    await peer.goto('file://' + speedscope, { waitUntil: 'load' });
    const input = await peer.waitForSelector('input[type=file]');
    const start = Date.now();
    await input.uploadFile(ss);
    await peer.waitForFunction(() => document.title !== 'speedscope', { timeout: 300000, polling: 'raf' });
    t.speedscope.push(Date.now() - start);
    await peer.close();
  }
} finally {
  await browser.close();
  fs.rmSync(work, { recursive: true, force: true });
}
const f = (k) => `${median(t[k]).toFixed(1)} ms`;
console.log(`flame graph of ${frames} frames, ${depth} deep (${sizes}), median of ${runs}:`);
console.log(`  perftrack: first drawing ${f('load')}; hover ${f('hover')}, zoom ${f('zoom')}, search ${f('search')}, scroll ${f('scroll')}, zoom at depth 4,000 ${f('deepZoom')}`);
console.log(`  speedscope 1.25.0: upload to drawn ${f('speedscope')}`);
console.log(`  runs: ${JSON.stringify(t)}`);
