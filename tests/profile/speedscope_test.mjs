// perftrack's speedscope files opened by speedscope itself (npm's
// speedscope app, from file://, in Debian's chromium, no network): the
// sampled profile of `profile render` and the evented profile of recorded
// operations from `profile spans`. Two sessions with overlapping operations
// must give three lanes; the app must load each file with no error.
//
//     node speedscope_test.mjs PERFTRACK
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(new URL('../../web/package.json', import.meta.url));
const puppeteer = require('puppeteer-core');
const app = path.join(path.dirname(require.resolve('speedscope/package.json')), 'dist', 'release', 'index.html');
const [perftrack] = process.argv.slice(2);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'perftrack-speedscope-'));
const check = (ok, message) => { if (!ok) { console.error('FAIL: ' + message); process.exit(1); } };

try {
  // Recorded operations: s1 claims for 10 ms while it sends (overlap: two
  // lanes); s2 elects and fails; a malformed line is skipped.
  const at = (ms) => new Date(Date.UTC(2026, 10, 27, 12, 0, 0) + ms).toISOString();
  const op = (name, endMs, durationMs, session, success = true) =>
    JSON.stringify({ timestamp: at(endMs), operation_type: name, duration_ms: durationMs, success, session_id: session });
  fs.writeFileSync(path.join(work, 'm.jsonl'), [
    op('task_claim', 10, 10, 's1'), op('message_send', 8, 3, 's1'), op('leader_elect', 12, 2, 's2', false),
    op('message_send', 30, 5, 's1'), '{"broken', op('<b>agent_register', 40, 1, 's2'),
  ].join('\n') + '\n');
  execFileSync(perftrack, ['profile', 'spans', '--file', path.join(work, 'm.jsonl'), '--out', path.join(work, 'spans')], { stdio: 'pipe' });
  const spans = JSON.parse(fs.readFileSync(path.join(work, 'spans', 'spans.speedscope.json'), 'utf8'));
  check(spans.profiles.length === 3 && spans.profiles.every((p) => p.type === 'evented'), 'profiles: ' + spans.profiles.map((p) => p.name).join(', '));
  check(spans.shared.frames.some((f) => f.name === 'leader_elect (failed)'), 'the failed operation is not marked');
  const events = spans.profiles.reduce((a, p) => a + p.events.length, 0);
  check(events === 10, `${events} events for 5 operations`);

  fs.writeFileSync(path.join(work, 'in.folded'), 'main;run;encode 70\nmain;run;decode 30\n');
  execFileSync(perftrack, ['profile', 'render', path.join(work, 'in.folded'), '--out', path.join(work, 'sampled')], { stdio: 'pipe' });

  const browser = await puppeteer.launch({
    executablePath: '/usr/bin/chromium', headless: true, protocolTimeout: 60000,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-dev-shm-usage'],
    userDataDir: path.join(work, 'chromium'),
  });
  try {
    for (const [file, name] of [[path.join(work, 'spans', 'spans.speedscope.json'), 'recorded operations'],
                                [path.join(work, 'sampled', 'profile.speedscope.json'), 'in.folded']]) {
      const tab = await browser.newPage();
      const problems = [];
      await tab.setRequestInterception(true);
      tab.on('request', (r) => { if (r.url().startsWith('file:') || r.url().startsWith('data:') || r.url().startsWith('blob:')) return r.continue(); problems.push('request ' + r.url()); return r.abort(); });
      tab.on('console', (m) => { if (m.type() === 'error' || /Failed to load/.test(m.text())) problems.push(`console ${m.type()}: ${m.text()}`); });
      tab.on('pageerror', (e) => problems.push('page error: ' + e.message));
      tab.on('dialog', (d) => { problems.push('dialog: ' + d.message()); d.dismiss(); });
      await tab.goto('file://' + app, { waitUntil: 'load' });
      const input = await tab.waitForSelector('input[type=file]', { timeout: 30000 });
      await input.uploadFile(file);
      await tab.waitForFunction(() => document.title !== 'speedscope' || document.body.innerText.includes('Something went wrong'), { timeout: 30000 });
      const title = await tab.title();
      const text = await tab.evaluate(() => document.body.innerText);
      console.log(`speedscope: ${path.basename(file)} opened as "${title}"`);
      check(title.includes(name), `${file}: title "${title}"`);
      check(!text.includes('Something went wrong'), `${file}: speedscope could not import it`);
      check(problems.length === 0, `${file}: speedscope misbehaved:\n` + problems.join('\n'));
      await tab.close();
    }
  } finally {
    await browser.close();
  }
  console.log('speedscope: all checks passed');
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
