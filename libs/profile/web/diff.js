// perftrack run diff: several runs' profiles of one benchmark, and the
// differential flame graph of the base and the head chosen (the selects, or
// the URL fragment #base=I&head=J&on=head|base, I and J the runs' numbers on
// the dashboard), drawn on the head's frames or the base's
// (perftrackFlameTree, perftrackFlameDelta and perftrackFlameGraph of
// flamegraph.js).
(function () {
  'use strict';
  const data = JSON.parse(document.getElementById('diff-data').textContent);
  const trees = data.runs.map((r) => window.perftrackFlameTree(r.stacks.map((s, i) => [s, r.counts[i]]), data.names, r.label));
  const base = document.getElementById('base'), head = document.getElementById('head'), side = document.getElementById('side');
  for (const sel of [base, head]) data.runs.forEach((r, i) => sel.append(new Option(`${r.label} (${r.samples} samples)`, String(i))));
  const byRun = (n) => data.runs.findIndex((r) => r.run === n);
  function fromFragment() {
    const q = new URLSearchParams(location.hash.slice(1));
    const b = q.has('base') ? byRun(Number(q.get('base'))) : -1, h = q.has('head') ? byRun(Number(q.get('head'))) : -1;
    base.value = String(b >= 0 ? b : 0);
    head.value = String(h >= 0 ? h : data.runs.length - 1);
    side.value = q.get('on') === 'base' ? 'base' : 'head';
  }
  function show() {
    const b = Number(base.value), h = Number(head.value);
    const shape = side.value === 'base' ? trees[b] : trees[h];
    const title = `${data.title}: ${data.runs[b].label} vs ${data.runs[h].label}`;
    window.perftrackFlameGraph(Object.assign({}, shape, { title, delta: window.perftrackFlameDelta(shape, trees[b], trees[h]) }),
      document.getElementById('flame-mount'));
    history.replaceState(null, '', `#base=${data.runs[b].run}&head=${data.runs[h].run}&on=${side.value}`);
  }
  for (const e of [base, head, side]) e.addEventListener('change', show);
  window.addEventListener('hashchange', () => { fromFragment(); show(); });
  fromFragment();
  show();
})();
