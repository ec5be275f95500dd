// perftrack profile offcpu for real: a program that sleeps 20 ms twenty
// times. The off-CPU profile must hold at least 360 ms blocked, at least 90%
// of it on stacks that sleep in the kernel (do_nanosleep), and the pprof
// file's weight (nanoseconds) must be the folded microseconds to within 1 us
// per stack.
//
//     node offcpu_test.mjs PERFTRACK PROFILE_SLEEPY
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';

const require = createRequire(new URL('../../web/package.json', import.meta.url));
const { Profile } = require('pprof-format');
const [perftrack, sleepy] = process.argv.slice(2);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'perftrack-offcpu-'));
const check = (ok, message) => { if (!ok) { console.error('FAIL: ' + message); process.exit(1); } };
try {
  const run = spawnSync(perftrack, ['profile', 'offcpu', '--out', work, '--', sleepy], { encoding: 'utf8' });
  check(run.status === 0, `perftrack profile offcpu exited ${run.status}:\n${run.stdout}\n${run.stderr}`);
  let all = 0, sleeping = 0;
  const lines = fs.readFileSync(path.join(work, 'profile.folded'), 'utf8').trim().split('\n');
  for (const line of lines) {
    const at = line.lastIndexOf(' ');
    const us = Number(line.slice(at + 1));
    all += us;
    if (line.slice(0, at).split(';').includes('do_nanosleep')) sleeping += us;
  }
  console.log(`offcpu: ${(all / 1000).toFixed(1)} ms blocked, ${(100 * sleeping / all).toFixed(1)}% in do_nanosleep`);
  check(all >= 360000, `only ${all} us blocked`);
  check(sleeping / all >= 0.9, `${sleeping} of ${all} us in do_nanosleep`);
  const pprof = Profile.decode(zlib.gunzipSync(fs.readFileSync(path.join(work, 'profile.pb.gz'))));
  const str = (i) => pprof.stringTable.strings[Number(i)];
  check(str(pprof.sampleType[0].type) === 'off_cpu' && str(pprof.sampleType[0].unit) === 'microseconds', 'pprof sample type');
  let us = 0, ns = 0;
  for (const s of pprof.sample) { us += Number(s.value[0]); ns += Number(s.value[1]); }
  check(us === all && Math.abs(ns / 1000 - us) <= pprof.sample.length, `pprof: ${us} us, ${ns} ns; folded ${all} us`);
  const summary = fs.readFileSync(path.join(work, 'summary.md'), 'utf8');
  check(summary.includes('off_cpu of sched:sched_switch'), summary.slice(0, 300));
  console.log('offcpu: blocked time attributed to the sleeping stacks');
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
