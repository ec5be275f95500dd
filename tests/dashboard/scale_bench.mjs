// Opens a dashboard page in headless chromium and prints what docs/performance.md
// records: the time from navigation to the first painted chart (a
// performance mark the page sets), and the JS heap then and after every chart
// is drawn (scrolling the whole page). Median of RUNS fresh tabs.
//
//     node scale_bench.mjs PAGE.html [RUNS]
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(new URL('../../web/package.json', import.meta.url));
const puppeteer = require('puppeteer-core');
const [page, runsText] = process.argv.slice(2);
const runs = Number(runsText || 5);
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'dashboard-bench-'));
const browser = await puppeteer.launch({
  executablePath: '/usr/bin/chromium', headless: true, userDataDir: profile,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
});
const median = (v) => { const s = [...v].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const paint = [], heapFirst = [], heapAll = [];
// Where the time to the first chart goes: the page's script starts (HTML and
// uPlot parsed), the data is parsed, the sections are built.
const steps = { 'perftrack-script': [], 'perftrack-data': [], 'perftrack-built': [] };
try {
  for (let r = 0; r < runs; ++r) {
    const tab = await browser.newPage();
    await tab.setViewport({ width: 1280, height: 900 });
    await tab.setRequestInterception(true);
    tab.on('request', (q) => (q.url().startsWith('file:') ? q.continue() : q.abort()));
    await tab.goto('file://' + path.resolve(page), { waitUntil: 'load', timeout: 120000 });
    await tab.waitForFunction(() => performance.getEntriesByName('perftrack-first-chart').length > 0, { timeout: 120000 });
    paint.push(await tab.evaluate(() => performance.getEntriesByName('perftrack-first-chart')[0].startTime));
    for (const name of Object.keys(steps)) steps[name].push(await tab.evaluate((n) => performance.getEntriesByName(n)[0].startTime, name));
    heapFirst.push((await tab.metrics()).JSHeapUsedSize / 1048576);
    // Every chart: scroll to the end in steps so each card comes into view.
    await tab.evaluate(async () => {
      for (const c of document.querySelectorAll('.card')) { c.scrollIntoView(); await new Promise((r) => requestAnimationFrame(r)); }
    });
    heapAll.push((await tab.metrics()).JSHeapUsedSize / 1048576);
    await tab.close();
  }
} finally {
  await browser.close();
  fs.rmSync(profile, { recursive: true, force: true });
}
console.log(`page ${(fs.statSync(page).size / 1048576).toFixed(1)} MiB; first chart ${median(paint).toFixed(0)} ms (runs: ${paint.map((v) => v.toFixed(0)).join(', ')}); ` +
            `JS heap ${median(heapFirst).toFixed(1)} MiB at the first chart, ${median(heapAll).toFixed(1)} MiB with every chart drawn (median of ${runs})`);
console.log('on the way (median ms after navigation): ' + Object.entries(steps).map(([n, v]) => `${n.replace('perftrack-', '')} ${median(v).toFixed(0)}`).join(', '));
