/**
 * The cluster dashboard (docs/reference/http-api.md, `GET /` on an api node): one self-contained document — inline CSS
 * and JS, nothing fetched from elsewhere, no build step — fed by `/ws/cluster`. It draws the ring
 * as a circle of partitions coloured by owner (SVG; pending transfers as an inner arc in the
 * colour of the next owner), lists the members with status and share, and shows the transfers and
 * anti-entropy (per member, and the partitions with repairs pending).
 * It reconnects with backoff when the socket drops. Data is only ever inserted as text
 * (`textContent`, attributes), never parsed as HTML. With ADMIN_TOKEN set, open `/#token=<token>`:
 * the fragment never leaves the browser except as the socket's `?token=`.
 *
 * Stable hooks (the browser e2e test relies on them): `body[data-state]` (`connecting`, `open`,
 * `closed`) and `#status`; `#ring` with one `path.partition` per partition (`data-index`,
 * `data-owner`) and one `path.next` per pending transfer; `#members` with one `tr.member` per
 * member (`.name`, `.status`, `.share`, `.pending`); `#transfers` with one `tr.transfer` per
 * transfer; `#aae` with one `tr.aae-node` per member (`.name`, `.repaired`, `.pending`) and one
 * `tr.aae-pending` per partition with anti-entropy repairs pending (`data-index`); `#node`,
 * `#ring-size`, `#ready`, `#error`.
 */
import { createHash } from 'node:crypto';

const STYLE = `
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; }
  body { margin: 0 auto; max-width: 72rem; padding: 1rem; }
  header { display: flex; align-items: baseline; gap: 1rem; flex-wrap: wrap; }
  h1 { font-size: 1.3rem; margin: 0; }
  h2 { font-size: 1rem; margin: 1rem 0 .4rem; }
  #status { font-size: .9rem; opacity: .75; }
  body[data-state="open"] #status { color: #2a8a3a; opacity: 1; }
  body[data-state="closed"] #status { color: #c0392b; opacity: 1; }
  #error { color: #c0392b; min-height: 1.2em; }
  main { display: flex; flex-wrap: wrap; gap: 1.5rem; align-items: flex-start; }
  #ring { width: min(100%, 26rem); height: auto; flex: 0 0 auto; }
  #ring .partition { stroke: Canvas; stroke-width: .6; }
  #ring .partition:hover, #ring .next:hover { opacity: .75; }
  #ring .next { stroke: Canvas; stroke-width: .4; }
  #ring .next.complete { opacity: .45; }
  #ring text { fill: CanvasText; text-anchor: middle; font-size: 15px; }
  #ring text.small { font-size: 11px; opacity: .7; }
  section { flex: 1 1 24rem; min-width: 0; }
  table { border-collapse: collapse; width: 100%; font-size: .9rem; }
  th, td { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid #8884; white-space: nowrap; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
  .swatch { display: inline-block; width: .8rem; height: .8rem; border-radius: 2px; margin-right: .4rem; vertical-align: -1px; }
  tr.self .name { font-weight: 600; }
  progress { width: 6rem; }
  .empty { opacity: .6; font-style: italic; }
`;

const SCRIPT = `
(function () {
  'use strict';
  var SVG_NS = 'http://www.w3.org/2000/svg';
  var body = document.body;
  var statusEl = document.getElementById('status');
  var errorEl = document.getElementById('error');
  var partitionsEl = document.getElementById('partitions');
  var nextEl = document.getElementById('next');
  var membersEl = document.getElementById('members-body');
  var transfersEl = document.getElementById('transfers-body');
  var aaeEl = document.getElementById('aae-body');
  var colours = {};

  function text(id, value) { document.getElementById(id).textContent = value; }
  function el(tag, cls, value) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (value !== undefined) e.textContent = String(value);
    return e;
  }
  function svg(tag, cls) {
    var e = document.createElementNS(SVG_NS, tag);
    if (cls) e.setAttribute('class', cls);
    return e;
  }
  function clear(e) { while (e.firstChild) e.removeChild(e.firstChild); }
  function pct(n) { return (Math.round(n * 10) / 10).toFixed(1) + '%'; }
  function colourOf(node) { return colours[node] || '#888'; }

  /** the annular sector of partition i of q between radii r0 < r1, clockwise from 12 o'clock */
  function sector(i, q, r0, r1) {
    var gap = q > 256 ? 0 : 0.003;
    var a0 = (i / q) * 2 * Math.PI - Math.PI / 2 + gap;
    var a1 = ((i + 1) / q) * 2 * Math.PI - Math.PI / 2 - gap;
    function pt(r, a) { return (200 + r * Math.cos(a)).toFixed(2) + ' ' + (200 + r * Math.sin(a)).toFixed(2); }
    return 'M' + pt(r1, a0) + ' A' + r1 + ' ' + r1 + ' 0 0 1 ' + pt(r1, a1) + ' L' + pt(r0, a1) + ' A' + r0 + ' ' + r0 + ' 0 0 0 ' + pt(r0, a0) + ' Z';
  }

  function partitionId(i, q) {
    return typeof BigInt === 'function' ? (BigInt(i) * (BigInt(1) << BigInt(160)) / BigInt(q)).toString() : String(i);
  }

  function renderRing(view) {
    var q = view.owners.length;
    colours = {};
    view.members.forEach(function (m, k) { colours[m.name] = 'hsl(' + Math.round((k * 137.508 + 200) % 360) + ' 62% 50%)'; });
    text('node', view.node);
    text('ring-size', String(q));
    text('ready', view.ringReady ? 'ready' : 'not ready');
    text('claimant', view.claimant);
    text('pending-count', String(view.pending.length));

    if (partitionsEl.childNodes.length !== q) {
      clear(partitionsEl);
      for (var i = 0; i < q; i++) {
        var p = svg('path', 'partition');
        p.setAttribute('d', sector(i, q, 120, 180));
        p.setAttribute('data-index', String(i));
        p.appendChild(svg('title'));
        partitionsEl.appendChild(p);
      }
    }
    view.owners.forEach(function (owner, i) {
      var p = partitionsEl.childNodes[i];
      p.setAttribute('fill', colourOf(owner));
      p.setAttribute('data-owner', owner);
      p.firstChild.textContent = 'partition ' + i + ' (' + partitionId(i, q) + '): ' + owner;
    });

    clear(nextEl);
    view.pending.forEach(function (t) {
      var p = svg('path', 'next ' + t.status);
      p.setAttribute('d', sector(t.index, q, 100, 116));
      p.setAttribute('fill', colourOf(t.to));
      p.setAttribute('data-index', String(t.index));
      var title = svg('title');
      title.textContent = 'partition ' + t.index + ': ' + t.from + ' \\u2192 ' + t.to + ' (' + t.status + ')';
      p.appendChild(title);
      nextEl.appendChild(p);
    });

    var owned = {};
    view.owners.forEach(function (o) { owned[o] = (owned[o] || 0) + 1; });
    clear(membersEl);
    view.members.forEach(function (m) {
      var tr = el('tr', 'member' + (m.name === view.node ? ' self' : ''));
      var name = el('td', 'name');
      var swatch = el('span', 'swatch');
      swatch.style.backgroundColor = colourOf(m.name);
      name.appendChild(swatch);
      name.appendChild(document.createTextNode(m.name));
      tr.appendChild(name);
      tr.appendChild(el('td', 'status', m.status));
      tr.appendChild(el('td', 'num partitions', owned[m.name] || 0));
      tr.appendChild(el('td', 'num share', pct(m.share)));
      tr.appendChild(el('td', 'num pending', m.pendingShare === null ? '' : '\\u2192 ' + pct(m.pendingShare)));
      membersEl.appendChild(tr);
    });
  }

  function renderAae(view) {
    clear(aaeEl);
    view.nodes.forEach(function (n) {
      var tr = el('tr', 'aae-node');
      tr.appendChild(el('td', 'name', n.node));
      tr.appendChild(el('td', '', n.enabled ? n.ready + ' of ' + n.vnodes + ' vnodes with trees' : 'off'));
      tr.appendChild(el('td', 'num repaired', n.repaired + ' repaired'));
      tr.appendChild(el('td', 'num pending', n.pending + ' pending'));
      aaeEl.appendChild(tr);
    });
    view.pending.forEach(function (p) {
      var tr = el('tr', 'aae-pending');
      tr.dataset.index = p.index;
      tr.appendChild(el('td', '', p.node));
      tr.appendChild(el('td', '', p.service + ' partition ' + p.index));
      tr.appendChild(el('td', 'num', p.pending + ' keys to repair'));
      tr.appendChild(el('td', 'num', p.failed ? p.failed + ' exchanges failed' : ''));
      aaeEl.appendChild(tr);
    });
  }

  function renderTransfers(transfers) {
    clear(transfersEl);
    if (!transfers.length) {
      var tr = el('tr');
      var td = el('td', 'empty', 'No transfers active');
      td.colSpan = 6;
      tr.appendChild(td);
      transfersEl.appendChild(tr);
      return;
    }
    transfers.forEach(function (t) {
      var tr = el('tr', 'transfer ' + t.status);
      tr.appendChild(el('td', 'num', t.index));
      tr.appendChild(el('td', '', (t.service === '*' ? '' : t.service + ' ') + t.type));
      tr.appendChild(el('td', '', t.from + ' \\u2192 ' + t.to));
      tr.appendChild(el('td', '', t.status));
      tr.appendChild(el('td', 'num', t.items + ' items'));
      var cell = el('td');
      if (t.progress !== null) {
        var bar = el('progress');
        bar.max = 1;
        bar.value = t.progress;
        cell.appendChild(bar);
        cell.appendChild(document.createTextNode(' ' + Math.round(t.progress * 100) + '%'));
      }
      tr.appendChild(cell);
      transfersEl.appendChild(tr);
    });
  }

  function setState(state, label) {
    body.setAttribute('data-state', state);
    statusEl.textContent = label;
  }

  function socketUrl() {
    var m = /(?:^#|&)token=([^&]*)/.exec(location.hash);
    var query = m ? '?token=' + encodeURIComponent(decodeURIComponent(m[1])) : '';
    return (location.protocol === 'https:' ? 'wss:' : 'ws:') + '//' + location.host + '/ws/cluster' + query;
  }

  var delay = 500;
  function connect() {
    setState('connecting', 'connecting\\u2026');
    var ws;
    try {
      ws = new WebSocket(socketUrl());
    } catch (e) {
      errorEl.textContent = String(e);
      return;
    }
    ws.onopen = function () {
      delay = 500;
      errorEl.textContent = '';
      setState('open', 'live');
    };
    ws.onmessage = function (e) {
      var frame;
      try { frame = JSON.parse(e.data); } catch (err) { return; }
      if (!frame || typeof frame !== 'object') return;
      if (frame.event === 'ring') renderRing(frame.data);
      else if (frame.event === 'transfer') renderTransfers(frame.data.transfers);
      else if (frame.event === 'aae') renderAae(frame.data);
      else if (frame.event === 'error') errorEl.textContent = frame.data.code + ': ' + frame.data.message;
    };
    ws.onclose = function () {
      setState('closed', 'disconnected; reconnecting in ' + Math.round(delay / 100) / 10 + ' s');
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 5000);
    };
  }
  connect();
})();
`;

const hash = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** The page runs only its own inline script and style (by hash) and talks only to its own origin. */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  `script-src ${hash(SCRIPT)}`,
  `style-src ${hash(STYLE)}`,
  "connect-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Ringnest cluster</title>
<style>${STYLE}</style>
</head>
<body data-state="connecting">
<header>
  <h1>Ringnest cluster</h1>
  <span>node <b id="node">?</b></span>
  <span>ring <span id="ready">?</span>, claimant <span id="claimant">?</span></span>
  <span id="status" role="status">connecting…</span>
</header>
<div id="error" role="alert"></div>
<main>
  <svg id="ring" viewBox="0 0 400 400" role="img" aria-label="the ring: partitions coloured by owner">
    <g id="partitions"></g>
    <g id="next"></g>
    <text x="200" y="196"><tspan id="ring-size">?</tspan> partitions</text>
    <text x="200" y="216" class="small"><tspan id="pending-count">0</tspan> pending</text>
  </svg>
  <section>
    <h2>Members</h2>
    <table id="members">
      <thead><tr><th>Node</th><th>Status</th><th class="num">Partitions</th><th class="num">Ring</th><th class="num">Pending</th></tr></thead>
      <tbody id="members-body"></tbody>
    </table>
    <h2>Transfers</h2>
    <table id="transfers">
      <thead><tr><th class="num">Partition</th><th>Kind</th><th>From → to</th><th>Status</th><th class="num">Done</th><th>Progress</th></tr></thead>
      <tbody id="transfers-body"></tbody>
    </table>
    <h2>Anti-entropy</h2>
    <table id="aae">
      <tbody id="aae-body"></tbody>
    </table>
  </section>
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
