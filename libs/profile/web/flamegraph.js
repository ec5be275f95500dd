// perftrack flame graph: draws the embedded tree on a canvas, only the rows
// in view (stacks can be thousands deep) and only frames wider than half a
// pixel (hundreds of thousands of frames). Click zooms, search highlights
// and gives the matched share, the toggle flips to an icicle.
// perftrackFlameGraph(data, mount) draws `data` (the tree in preorder:
// names, and per node name, depth, total, self) into `mount`, replacing what
// was there; the page's own tree, if any, is in #flame-data. The scope page
// calls it again for each selected time range.
window.perftrackFlameGraph = function (data, mount) {
  'use strict';
  const n = data.name.length, ROW = 17;
  // x of each node in samples: its parent's x plus its older siblings' totals.
  const x = new Float64Array(n), parent = new Int32Array(n);
  {
    const nextX = [0], stack = [];
    for (let i = 0; i < n; ++i) {
      const d = data.depth[i];
      x[i] = nextX[d];
      nextX[d] += data.total[i];
      nextX[d + 1] = x[i];
      stack[d] = i;
      parent[i] = d === 0 ? -1 : stack[d - 1];
    }
  }
  let maxDepth = 0;
  for (let i = 0; i < n; ++i) maxDepth = Math.max(maxDepth, data.depth[i]);

  const el = (tag, attrs, ...kids) => {
    const e = document.createElement(tag);
    Object.assign(e, attrs || {});
    e.append(...kids);
    return e;
  };
  const search = el('input', { type: 'search', placeholder: 'search frames (regular expression)' });
  const icicle = el('input', { type: 'checkbox' });
  const reset = el('button', { type: 'button', textContent: 'reset zoom' });
  const matched = el('span', { id: 'matched' });
  const controls = el('div', { className: 'controls' }, search, el('label', {}, icicle, ' icicle (root on top)'), reset, matched);
  const detail = el('div', { id: 'detail', textContent: 'hover a frame; click to zoom' });
  const canvas = el('canvas', { id: 'flame' });
  const spacer = el('div', { id: 'spacer' });
  const scroller = el('div', { id: 'scroller' }, canvas, spacer);
  mount.replaceChildren(controls, scroller, detail);

  let focus = 0, pattern = null, hovered = -1;
  const isMatch = new Uint8Array(n);

  // A differential flame graph colours by the change of share: red grew,
  // blue shrank, pale unchanged (scaled to the largest change).
  let maxDelta = 0;
  if (data.delta) for (const d of data.delta) maxDelta = Math.max(maxDelta, Math.abs(d));
  function colour(i) {
    if (pattern && isMatch[i]) return '#d4e04a';
    if (data.delta) {
      const v = maxDelta > 0 ? data.delta[i] / maxDelta : 0, k = Math.round(220 * (1 - Math.abs(v)));
      return v >= 0 ? `rgb(255,${k},${k})` : `rgb(${k},${k},255)`;
    }
    let h = 0;
    const s = data.names[data.name[i]];
    for (let k = 0; k < s.length && k < 24; ++k) h = (h * 31 + s.charCodeAt(k)) >>> 0;
    return `rgb(${205 + (h % 50)},${80 + ((h >> 8) % 130)},${40 + ((h >> 16) % 40)})`;
  }
  // Each row's nodes in x order (the preorder visits a row left to right),
  // so drawing and hit-testing touch only the rows in view and, in them,
  // only the focus's range: 200,000 frames and stacks 5,000 deep stay quick.
  const rows = Array.from({ length: maxDepth + 1 }, () => []);
  for (let i = 0; i < n; ++i) rows[data.depth[i]].push(i);
  // The focus's ancestors, one per row above it.
  let path = [0];
  function setFocus(i) {
    focus = i;
    path = [];
    for (let a = i; a >= 0; a = parent[a]) path[data.depth[a]] = a;
  }
  // The first node of `row` whose x is at least `at`.
  function lowerBound(row, at) {
    let lo = 0, hi = row.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (x[row[mid]] < at) lo = mid + 1; else hi = mid;
    }
    return lo;
  }
  // Calls visit(i) for each node of depth d that is drawn: the focus's
  // ancestor above it, the nodes inside it at and below it.
  function eachInRow(d, visit) {
    const df = data.depth[focus];
    if (d < df) { visit(path[d]); return; }
    const row = rows[d] || [], end = x[focus] + data.total[focus];
    for (let k = lowerBound(row, x[focus]); k < row.length && x[row[k]] < end; ++k) {
      if (d > df || row[k] === focus) visit(row[k]);
    }
  }
  function geometry(i, width) {
    const d = data.depth[i];
    if (d < data.depth[focus]) return [0, width];
    const scale = width / data.total[focus];
    return [(x[i] - x[focus]) * scale, data.total[i] * scale];
  }
  // A flame graph shorter than the view stands on its bottom edge.
  function rowTop(d) {
    const total = Math.max((maxDepth + 1) * ROW, scroller.clientHeight);
    return icicle.checked ? d * ROW : total - (d + 1) * ROW;
  }
  // The row at y (in the scrolled content), or -1.
  function depthAt(yAbs) {
    const total = Math.max((maxDepth + 1) * ROW, scroller.clientHeight);
    const d = icicle.checked ? Math.floor(yAbs / ROW) : Math.floor((total - yAbs) / ROW);
    return d >= 0 && d <= maxDepth ? d : -1;
  }

  function draw() {
    const width = scroller.clientWidth, height = scroller.clientHeight;
    spacer.style.height = Math.max(0, (maxDepth + 1) * ROW - height) + 'px';
    const dpr = window.devicePixelRatio || 1;
    canvas.width = width * dpr;
    canvas.height = height * dpr;
    canvas.style.width = width + 'px';
    canvas.style.height = height + 'px';
    const ctx = canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.font = '11px monospace';
    const top = scroller.scrollTop;
    // The rows in view, one more each side.
    const total = Math.max((maxDepth + 1) * ROW, height);
    const near = icicle.checked ? top : total - top - height, far = near + height;
    const first = Math.max(0, Math.floor(near / ROW) - 1), last = Math.min(maxDepth, Math.floor(far / ROW) + 1);
    for (let d = first; d <= last; ++d) {
      const y = rowTop(d) - top;
      if (y + ROW < 0 || y > height) continue;
      eachInRow(d, (i) => {
        const [left, w] = geometry(i, width);
        if (w < 0.5) return;
        ctx.fillStyle = colour(i);
        ctx.fillRect(left, y, w - 0.5, ROW - 1);
        if (w > 30) {
          ctx.fillStyle = data.delta && maxDelta > 0 && Math.abs(data.delta[i]) > 0.6 * maxDelta ? '#fff' : '#000';
          const name = data.names[data.name[i]];
          const fit = Math.floor((w - 6) / 6.7);
          ctx.fillText(name.length <= fit ? name : name.slice(0, Math.max(0, fit - 2)) + '..', left + 3, y + ROW - 5);
        }
      });
    }
  }

  function nodeAt(px, py) {
    const d = depthAt(py + scroller.scrollTop);
    if (d < 0) return -1;
    const width = scroller.clientWidth;
    if (d < data.depth[focus]) return path[d];
    const row = rows[d], at = x[focus] + px / width * data.total[focus];
    const k = lowerBound(row, at + 1e-9) - 1;
    if (k < 0) return -1;
    const i = row[k];
    if (at >= x[i] + data.total[i] || x[i] < x[focus] || (d === data.depth[focus] && i !== focus)) return -1;
    return i;
  }
  const share = (v) => (100 * v / data.total[0]).toFixed(2) + '%';
  function describe(i) {
    const change = data.delta ? `, share ${data.delta[i] >= 0 ? '+' : ''}${(100 * data.delta[i]).toFixed(2)} pp` : '';
    return `${data.names[data.name[i]]}: ${data.total[i]} ${data.sample_type} (${share(data.total[i])}), self ${data.self[i]}${change}`;
  }

  canvas.addEventListener('mousemove', (e) => {
    const i = nodeAt(e.offsetX, e.offsetY);
    if (i === hovered) return;
    hovered = i;
    detail.textContent = i < 0 ? 'hover a frame; click to zoom' : describe(i);
  });
  canvas.addEventListener('click', (e) => {
    const i = nodeAt(e.offsetX, e.offsetY);
    if (i < 0) return;
    setFocus(i);
    draw();
  });
  reset.addEventListener('click', () => { setFocus(0); draw(); });
  icicle.addEventListener('change', () => {
    scroller.scrollTop = icicle.checked ? 0 : scroller.scrollHeight;
    draw();
  });
  // The matched share counts each sample once: matches inside a matched frame
  // are already in it.
  search.addEventListener('input', () => {
    isMatch.fill(0);
    pattern = null;
    matched.textContent = '';
    if (!search.value) { draw(); return; }
    try { pattern = new RegExp(search.value); } catch (err) { matched.textContent = 'not a regular expression'; draw(); return; }
    let sum = 0;
    const nameMatches = data.names.map((s) => pattern.test(s));  // each name once
    const covered = [];  // per depth: whether an ancestor matched
    for (let i = 0; i < n; ++i) {
      const d = data.depth[i];
      const above = d > 0 && covered[d - 1];
      isMatch[i] = nameMatches[data.name[i]] ? 1 : 0;
      if (isMatch[i] && !above) sum += data.total[i];
      covered[d] = above || isMatch[i] === 1;
    }
    matched.textContent = `matched ${share(sum)}`;
    draw();
  });
  scroller.addEventListener('scroll', draw);
  window.onresize = draw;  // the latest flame graph only
  draw();
  scroller.scrollTop = scroller.scrollHeight;  // the root row is at the bottom
  draw();
  window.perftrackFlame = { data, x, get focus() { return focus; }, describe, nodeAt, draw };
  return window.perftrackFlame;
};
// perftrackFlameTree(entries, names, title): the tree perftrackFlameGraph
// draws, of weighted stacks: entries are [stack (name ids, root first),
// count]. Each node's path of name ids is in `keys`, so that two trees can be
// compared node by node (perftrackFlameDelta).
window.perftrackFlameTree = function (entries, names, title) {
  'use strict';
  const root = { name: names.length, kids: new Map(), total: 0, self: 0, key: '' };
  for (const [stack, c] of entries) {
    let node = root;
    node.total += c;
    for (const f of stack) {
      let kid = node.kids.get(f);
      if (!kid) node.kids.set(f, (kid = { name: f, kids: new Map(), total: 0, self: 0, key: node.key + '/' + f }));
      kid.total += c;
      node = kid;
    }
    node.self += c;
  }
  // Preorder, children in name order (as the folded stacks sort).
  const tree = { title, sample_type: 'samples', names: names.concat(['all']), name: [], depth: [], total: [], self: [], keys: [] };
  const todo = [[root, 0]];
  while (todo.length) {
    const [node, depth] = todo.pop();
    tree.name.push(node.name); tree.depth.push(depth); tree.total.push(node.total); tree.self.push(node.self); tree.keys.push(node.key);
    const kids = [...node.kids.values()].sort((a, b) => (names[a.name] < names[b.name] ? 1 : -1));
    for (const k of kids) todo.push([k, depth + 1]);
  }
  return tree;
};
// perftrackFlameDelta(shape, before, after): per node of `shape`, its share of
// all samples in `after` less its share in `before` (trees of
// perftrackFlameTree over the same names): a differential flame graph's
// colours, as profile::diff_flamegraph_html computes them.
window.perftrackFlameDelta = function (shape, before, after) {
  'use strict';
  const shares = (t) => {
    const m = new Map(), all = Math.max(1, t.total[0]);
    t.keys.forEach((k, i) => m.set(k, t.total[i] / all));
    return m;
  };
  const b = shares(before), a = shares(after);
  return shape.keys.map((k) => (a.get(k) || 0) - (b.get(k) || 0));
};
{
  const own = document.getElementById('flame-data');
  if (own) window.perftrackFlameGraph(JSON.parse(own.textContent), document.getElementById('flame-mount'));
}
