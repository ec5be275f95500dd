// perftrack profile heap for real: heaptrack records a program whose
// leak_known leaks 1,000 blocks of 1,000 bytes and whose churn allocates and
// frees 5,000 blocks. The leaked profile must put exactly 1,000,000 bytes
// under leak_known and nothing under churn; the allocations profile must count
// churn's 5,000 calls.
//
//     node heap_test.mjs PERFTRACK PROFILE_LEAK
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const [perftrack, leak] = process.argv.slice(2);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'perftrack-heap-'));
const check = (ok, message) => { if (!ok) { console.error('FAIL: ' + message); process.exit(1); } };
try {
  const run = spawnSync(perftrack, ['profile', 'heap', '--out', work, '--', leak], { encoding: 'utf8' });
  check(run.status === 0, `perftrack profile heap exited ${run.status}:\n${run.stdout}\n${run.stderr}`);
  // Per function, the value of the stacks it is on (the frames carry their
  // source file: "leak_known(int) (leak.cpp)").
  const totals = (cost) => {
    const t = new Map();
    for (const line of fs.readFileSync(path.join(work, cost, 'profile.folded'), 'utf8').trim().split('\n')) {
      const at = line.lastIndexOf(' ');
      for (const f of new Set(line.slice(0, at).split(';'))) t.set(f.replace(/ \(.*\)$/, ''), (t.get(f.replace(/ \(.*\)$/, '')) || 0) + Number(line.slice(at + 1)));
    }
    return t;
  };
  const leaked = totals('leaked');
  const allocations = totals('allocations');
  console.log(`heap: leak_known leaked ${leaked.get('leak_known(int)')} bytes, churn ${leaked.get('churn(int)') || 0}; churn allocated ${allocations.get('churn(int)')} times`);
  check(leaked.get('leak_known(int)') === 1000000, `leaked under leak_known: ${leaked.get('leak_known(int)')}`);
  check(!leaked.get('churn(int)'), `churn leaked ${leaked.get('churn(int)')}`);
  check(allocations.get('churn(int)') === 5000, `churn's allocations: ${allocations.get('churn(int)')}`);
  const summary = fs.readFileSync(path.join(work, 'leaked', 'summary.md'), 'utf8');
  check(summary.includes('leaked_space of heap leaked') && summary.includes('leak\\_known') === false && summary.includes('leak_known'), summary);
  for (const cost of ['allocations', 'peak', 'leaked'])
    for (const f of ['flamegraph.html', 'flamegraph.svg', 'profile.speedscope.json', 'profile.pb.gz'])
      check(fs.existsSync(path.join(work, cost, f)), `${cost}/${f} is missing`);
  console.log('heap: leaks and allocations attributed to their functions');
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
