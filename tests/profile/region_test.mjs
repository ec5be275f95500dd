// Profiling only what is measured, for real. (1) perftrack profile cpu
// --region-only of a program that burns CPU before, inside and after the
// region it marks (perf_region): every sample must fall inside it. (2)
// perftrack bench --profile of one benchmark: the results name the profile's
// folder, which holds every output, and the folded stacks are the
// benchmark's code (JSON encoding), sampled only while it was measured.
//
//     node region_test.mjs PERFTRACK PROFILE_REGION
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const [perftrack, region] = process.argv.slice(2);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'perftrack-region-'));
const check = (ok, message) => { if (!ok) { console.error('FAIL: ' + message); process.exit(1); } };
const folded = (file) => fs.readFileSync(file, 'utf8').trim().split('\n').map((line) => {
  const at = line.lastIndexOf(' ');
  return { frames: line.slice(0, at).split(';'), n: Number(line.slice(at + 1)) };
});
const samplesWith = (stacks, test) => stacks.filter((s) => s.frames.some(test)).reduce((a, s) => a + s.n, 0);

try {
  // 1. The region, marked by the program itself.
  const out = path.join(work, 'region');
  const run = spawnSync(perftrack, ['profile', 'cpu', '--region-only', '--hz', '499', '--out', out, '--', region, '100000000'], { encoding: 'utf8' });
  check(run.status === 0, `perftrack profile cpu --region-only exited ${run.status}:\n${run.stdout}\n${run.stderr}`);
  const stacks = folded(path.join(out, 'profile.folded'));
  const all = stacks.reduce((a, s) => a + s.n, 0);
  const inside = samplesWith(stacks, (f) => f === 'in_region');
  const outside = samplesWith(stacks, (f) => f === 'before_region' || f === 'after_region');
  console.log(`region: ${all} samples, ${inside} in in_region, ${outside} before or after it`);
  check(all >= 20, `only ${all} samples`);
  check(outside === 0, `${outside} samples outside the region`);
  check(inside >= 0.9 * all, `${inside} of ${all} samples in in_region`);

  // 2. perftrack bench --profile.
  const results = path.join(work, 'results');
  const json = path.join(work, 'run.json');
  // 30 repetitions: some 150 ms measured, 150 samples (fewer under ASan).
  const bench = spawnSync(perftrack, ['bench', '--quick', '--quiet', '--no-count', '--processes', '1', '--repetitions', '30', '--profile',
    '--filter', '^message_throughput/encode_decode_json$', '--results-dir', results, '--json', json], { encoding: 'utf8' });
  check(bench.status === 0, `perftrack bench --profile exited ${bench.status}:\n${bench.stderr}`);
  const b = JSON.parse(fs.readFileSync(json, 'utf8')).benchmarks[0];
  check(typeof b.profile === 'string' && path.isAbsolute(b.profile), `the results name no profile: ${JSON.stringify(b.profile)}`);
  for (const f of ['profile.folded', 'flamegraph.html', 'flamegraph.svg', 'profile.speedscope.json', 'profile.pb.gz', 'summary.md'])
    check(fs.existsSync(path.join(b.profile, f)), `${f} is missing from ${b.profile}`);
  check(!fs.existsSync(path.join(b.profile, '.shard')) && !fs.existsSync(path.join(b.profile, 'perf.control')), 'scratch files left in the profile folder');
  const bs = folded(path.join(b.profile, 'profile.folded'));
  const total = bs.reduce((a, s) => a + s.n, 0);
  const json_code = samplesWith(bs, (f) => /nlohmann|json/i.test(f));
  // Samples expected from the CPU time the samples took (997 Hz), in this
  // process's run; the profiled run is another process doing the same work.
  const cpuS = b.cpu_ns ? b.cpu_ns.reduce((a, x) => a + x, 0) / 1e9 : NaN;
  console.log(`bench --profile: ${total} samples (${(cpuS * 997).toFixed(0)} expected from the measured CPU time), ${json_code} in JSON code`);
  // The profiled process calibrates its own iterations: on a loaded machine
  // (CI's ASan run beside other tests) it chose about a tenth of the measured
  // run's work once, and gave 14 samples; 10 still show where they fell.
  check(total >= 10, `only ${total} samples`);
  check(json_code >= 0.5 * total, `${json_code} of ${total} samples in JSON code`);
  console.log('region: all checks passed');
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
