// perftrack scope: a heat map of a continuous profile's samples in
// FlameScope's manner (a column per second, a row per 20 ms of it, the count
// as colour). Drag from one cell to another to select the time between them
// (in time order); the flame graph of that range is built below
// (perftrackFlameGraph, flamegraph.js).
(function () {
  'use strict';
  const data = JSON.parse(document.getElementById('scope-data').textContent);
  const ROWS = 50, SLICE = 1000 / ROWS, CELL_H = 8;
  const first = Math.floor(data.t0 / 1000) * 1000;  // the first column's Unix ms
  const last = data.t.length ? data.t0 + data.t[data.t.length - 1] : first;
  const columns = Math.max(1, Math.floor((last - first) / 1000) + 1);
  const counts = new Uint32Array(columns * ROWS);
  let most = 0;
  for (const dt of data.t) {
    const at = data.t0 + dt - first, cell = Math.floor(at / 1000) * ROWS + Math.floor((at % 1000) / SLICE);
    most = Math.max(most, ++counts[cell]);
  }
  const map = document.getElementById('heat');
  const cellW = Math.max(4, Math.min(16, Math.floor((document.body.clientWidth - 40) / columns)));
  map.width = columns * cellW;
  map.height = ROWS * CELL_H;
  const ctx = map.getContext('2d');
  function colour(c) {
    if (c === 0) return '#f4f4ee';
    const v = Math.log(1 + c) / Math.log(1 + most), k = Math.round(230 * (1 - v));
    return `rgb(255,${k},${Math.round(k * 0.6)})`;
  }
  let selFrom = -1, selTo = -1;  // cells, inclusive
  function draw() {
    for (let col = 0; col < columns; ++col) {
      for (let row = 0; row < ROWS; ++row) {
        const cell = col * ROWS + row;
        ctx.fillStyle = selFrom >= 0 && cell >= selFrom && cell <= selTo ? '#3a7bd5' : colour(counts[cell]);
        ctx.fillRect(col * cellW, row * CELL_H, cellW - 1, CELL_H - 1);
      }
    }
  }
  const cellAt = (e) => {
    const r = map.getBoundingClientRect();
    const col = Math.min(columns - 1, Math.max(0, Math.floor((e.clientX - r.left) / cellW)));
    const row = Math.min(ROWS - 1, Math.max(0, Math.floor((e.clientY - r.top) / CELL_H)));
    return col * ROWS + row;
  };
  const info = document.getElementById('range');
  const mount = document.getElementById('flame-mount');
  const fmt = (ms) => new Date(ms).toISOString().replace('T', ' ').replace('Z', ' UTC');

  // The flame graph of the samples from `from` to before `to` (Unix ms).
  function select(from, to) {
    const per = new Map();
    let n = 0;
    for (let k = 0; k < data.t.length; ++k) {
      const at = data.t0 + data.t[k];
      if (at >= from && at < to) { per.set(data.s[k], (per.get(data.s[k]) || 0) + 1); ++n; }
    }
    info.textContent = `${fmt(from)} to ${fmt(to)}: ${n} samples`;
    const tree = window.perftrackFlameTree([...per].map(([id, c]) => [data.stacks[id], c]), data.names, data.title);
    if (n > 0) window.perftrackFlameGraph(tree, mount); else mount.replaceChildren();
    return n;
  }
  const cellStart = (cell) => first + Math.floor(cell / ROWS) * 1000 + (cell % ROWS) * SLICE;
  let anchor = -1;
  map.addEventListener('mousedown', (e) => { anchor = cellAt(e); selFrom = selTo = anchor; draw(); });
  map.addEventListener('mousemove', (e) => {
    const c = cellAt(e);
    map.title = `${fmt(cellStart(c))}: ${counts[c]} samples`;
    if (anchor < 0) return;
    selFrom = Math.min(anchor, c); selTo = Math.max(anchor, c); draw();
  });
  window.addEventListener('mouseup', () => {
    if (anchor < 0) return;
    anchor = -1;
    select(cellStart(selFrom), cellStart(selTo) + SLICE);
  });
  document.getElementById('all').addEventListener('click', () => { selFrom = selTo = -1; draw(); select(first, last + 1); });
  draw();
  select(first, last + 1);
  window.perftrackScope = { columns, rows: ROWS, counts, cellStart, select, cellWidth: cellW, cellHeight: CELL_H };
})();
