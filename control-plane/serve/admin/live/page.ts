// The live view's page: plain HTML, CSS and browser JavaScript served as they are (no build step).
// Everything that comes from requests (paths, principals, reasons) is put on the page as text
// (textContent), never as HTML; the only markup inserted is the SVG meshguard generates.

export const LIVE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>meshguard — live view</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/live/app.css">
</head>
<body>
<header>
  <h1>meshguard</h1>
  <span id="policy">policy …</span>
  <span id="conn" class="conn off">connecting…</span>
</header>
<main>
  <section id="graph-panel">
    <h2>Segmentation graph <small id="graph-info"></small> <button type="button" id="graph-size">Actual size</button></h2>
    <div id="graph" class="graph">loading…</div>
  </section>
  <section id="verdicts-panel">
    <h2>Live verdicts <small>(the last ones first, including those made before this page opened)</small></h2>
    <form id="filters">
      <label>Workload <select id="f-workload"><option value="">all</option></select></label>
      <label>Verdict <select id="f-verdict"><option value="">all</option><option value="allow">allow</option><option value="deny">deny</option></select></label>
      <button type="button" id="pause">Pause</button>
      <button type="button" id="clear">Clear</button>
      <span id="counts"></span>
    </form>
    <div class="scroll">
      <table id="verdicts">
        <colgroup><col class="c-time"><col class="c-verdict"><col class="c-status"><col class="c-workload"><col class="c-source"><col class="c-request"><col class="c-reason"><col class="c-anomaly"></colgroup>
        <thead><tr><th>time</th><th>verdict</th><th>status</th><th>workload</th><th>source</th><th>request</th><th>rule / reason</th><th>anomaly</th></tr></thead>
        <tbody></tbody>
      </table>
    </div>
  </section>
  <section id="findings-panel">
    <h2>Audit findings <small id="findings-summary"></small></h2>
    <div class="scroll">
      <table id="findings">
        <thead><tr><th>severity</th><th>control</th><th>where</th><th>finding</th><th>fix</th></tr></thead>
        <tbody></tbody>
      </table>
    </div>
  </section>
</main>
<script src="/live/app.js"></script>
</body>
</html>
`;

export const LIVE_CSS = `
:root{--bg:#f1f5f9;--panel:#fff;--ink:#0f172a;--muted:#64748b;--allow:#15803d;--deny:#b91c1c}
*{box-sizing:border-box}body{margin:0;font:13px/1.4 Helvetica,Arial,sans-serif;background:var(--bg);color:var(--ink)}
header{display:flex;gap:16px;align-items:baseline;padding:10px 16px;background:#0f172a;color:#e2e8f0}
header h1{margin:0;font-size:18px}#policy{color:#94a3b8}.conn{margin-left:auto;font-size:12px}.conn.on{color:#86efac}.conn.off{color:#fca5a5}
main{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);grid-template-rows:auto auto;gap:12px;padding:12px}
section{background:var(--panel);border:1px solid #e2e8f0;border-radius:6px;padding:8px 12px;min-width:0}
#graph-panel,#verdicts-panel,#findings-panel{grid-column:1/3}h2{font-size:14px;margin:4px 0 8px}h2 small{color:var(--muted);font-weight:normal}
.graph{overflow:auto;max-height:60vh;border:1px solid #e2e8f0}.graph.fit svg{display:block;max-width:100%;height:auto}
h2 button{font-size:11px;margin-left:8px}.graph svg .node.hit rect{stroke:#dc2626;stroke-width:3}
.graph svg .node.selected rect{stroke:#7c3aed;stroke-width:3}
.scroll{overflow:auto;max-height:45vh}table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:3px 6px;border-bottom:1px solid #f1f5f9;vertical-align:top}
th{position:sticky;top:0;background:#f8fafc;font-weight:600}td.v{font-weight:700}tr.allow td.v{color:var(--allow)}tr.deny td.v{color:var(--deny)}
tr.hidden{display:none}td.req{font-family:ui-monospace,Menlo,monospace;overflow-wrap:anywhere}
#verdicts{table-layout:fixed;min-width:980px}#verdicts td{overflow-wrap:anywhere}
#verdicts col.c-time{width:84px}#verdicts col.c-verdict{width:60px}#verdicts col.c-status{width:52px}#verdicts col.c-workload{width:150px}
#verdicts col.c-source{width:22%}#verdicts col.c-request{width:28%}#verdicts col.c-reason{width:auto}#verdicts col.c-anomaly{width:120px}
#verdicts td.clip{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}td.anomaly{font-family:ui-monospace,Menlo,monospace}td.anomaly.flagged{color:#b45309;font-weight:700}tr.flagged{background:#fffbeb}td.anomaly small{display:block;color:var(--muted)}
.sev-critical,.sev-high{color:var(--deny);font-weight:700}.sev-medium{color:#b45309}.sev-low{color:var(--muted)}
#filters{display:flex;gap:12px;align-items:center;margin-bottom:6px}#counts{color:var(--muted)}#findings td:nth-child(2),#findings td:nth-child(1){white-space:nowrap}
`;

export const LIVE_JS = `'use strict';
(function () {
  var MAX_ROWS = 500;
  var RECENT = 200;
  var rows = [];
  var paused = false;
  var counts = { allow: 0, deny: 0, dropped: 0 };
  var $ = function (id) { return document.getElementById(id); };

  function cell(tr, text, cls) {
    var td = document.createElement('td');
    td.textContent = text;
    if (cls) td.className = cls;
    tr.appendChild(td);
  }

  // The anomaly score and, below it, what contributed (detectors with their field, model hits); a
  // score at the threshold is flagged, and a flagged request that monitor mode let through is marked.
  function anomalyCell(tr, d) {
    var td = document.createElement('td');
    td.className = d.flagged ? 'anomaly flagged' : 'anomaly';
    if (d.score === null || d.score === undefined) { td.textContent = '-'; tr.appendChild(td); return; }
    td.textContent = d.score + (d.flagged ? (d.decision === 'allow' ? ' flagged (monitor)' : ' flagged') : '');
    if (d.hits && d.hits.length) {
      var hits = document.createElement('small');
      hits.textContent = d.hits.join(', ');
      td.appendChild(hits);
      td.title = d.hits.join('\\n');
    }
    tr.appendChild(td);
  }

  function matches(d) {
    var w = $('f-workload').value;
    var v = $('f-verdict').value;
    return (!w || d.workload.split(',').indexOf(w) !== -1) && (!v || d.decision === v);
  }

  function rowFor(d) {
    var tr = document.createElement('tr');
    tr.className = d.decision;
    tr.dataset.workload = d.workload;
    tr.dataset.decision = d.decision;
    cell(tr, new Date(d.at).toLocaleTimeString());
    cell(tr, d.decision, 'v');
    cell(tr, String(d.status));
    cell(tr, d.workload || '-', 'clip');
    cell(tr, d.source || '-', 'clip');
    cell(tr, d.direction === 'outbound' ? (d.method + ' ' + d.host + d.path) : (d.method + ' ' + d.path), 'req');
    cell(tr, (d.quarantined ? 'quarantined: ' : '') + (d.rule ? d.rule + ': ' : '') + d.reason);
    anomalyCell(tr, d);
    if (d.flagged && d.decision === 'allow') tr.classList.add('flagged');
    tr.children[3].title = d.workload;
    tr.children[4].title = d.source;
    return tr;
  }

  function applyFilters() {
    var trs = $('verdicts').tBodies[0].rows;
    for (var i = 0; i < trs.length; i++) trs[i].classList.toggle('hidden', !matches({ workload: trs[i].dataset.workload, decision: trs[i].dataset.decision }));
    var sel = $('f-workload').value;
    document.querySelectorAll('#graph .node').forEach(function (n) { n.classList.toggle('selected', !!sel && n.getAttribute('data-workload') === sel); });
  }

  function showCounts() {
    $('counts').textContent = counts.allow + ' allowed, ' + counts.deny + ' denied' + (counts.dropped ? ', ' + counts.dropped + ' not shown (rate limit)' : '') + (paused ? ' — paused' : '');
  }

  function flash(workload) {
    workload.split(',').forEach(function (w) {
      var node = document.querySelector('#graph .node[data-workload="' + CSS.escape(w) + '"]');
      if (!node) return;
      node.classList.add('hit');
      setTimeout(function () { node.classList.remove('hit'); }, 1200);
    });
  }

  function onDecision(d) {
    counts[d.decision]++;
    if (paused) return showCounts();
    var tr = rowFor(d);
    if (!matches(d)) tr.classList.add('hidden');
    var body = $('verdicts').tBodies[0];
    body.insertBefore(tr, body.firstChild);
    rows.push(tr);
    while (rows.length > MAX_ROWS) { var old = rows.shift(); old.remove(); }
    if (d.decision === 'deny') flash(d.workload);
    showCounts();
  }

  function loadGraph() {
    return fetch('/live/graph.svg', { cache: 'no-store' }).then(function (r) { return r.text(); }).then(function (svg) {
      $('graph').innerHTML = svg;
      var n = document.querySelectorAll('#graph .node.workload').length;
      $('graph-info').textContent = n + ' workloads';
      applyFilters();
    });
  }

  function loadWorkloads() {
    return fetch('/live/workloads', { cache: 'no-store' }).then(function (r) { return r.json(); }).then(function (doc) {
      $('policy').textContent = 'policy ' + doc.policy + ' · version ' + doc.version;
      var sel = $('f-workload');
      var current = sel.value;
      while (sel.options.length > 1) sel.remove(1);
      doc.workloads.forEach(function (w) { var o = document.createElement('option'); o.value = w; o.textContent = w; sel.appendChild(o); });
      sel.value = doc.workloads.indexOf(current) !== -1 ? current : '';
    });
  }

  function loadFindings() {
    return fetch('/audit', { cache: 'no-store' }).then(function (r) {
      if (!r.ok) { $('findings-summary').textContent = 'the audit is not running'; return; }
      return r.json().then(function (doc) {
        var body = $('findings').tBodies[0];
        body.textContent = '';
        doc.findings.forEach(function (f) {
          var tr = document.createElement('tr');
          cell(tr, f.severity, 'sev-' + f.severity);
          cell(tr, f.control);
          cell(tr, f.location.line ? f.location.file + ':' + f.location.line : f.location.file);
          cell(tr, f.message);
          cell(tr, f.fix);
          tr.title = f.references.nist.concat(f.references.cis).join('\\n');
          body.appendChild(tr);
        });
        var s = doc.summary;
        $('findings-summary').textContent = doc.findings.length + ' findings: ' + s.critical + ' critical, ' + s.high + ' high, ' + s.medium + ' medium, ' + s.low + ' low' + (doc.drift && doc.drift.note ? ' · ' + doc.drift.note : '');
      });
    });
  }

  function connect() {
    // ?recent: the page starts with the last decisions the server kept; on a reconnect the browser
    // sends the id of the last one it saw and gets only those it missed.
    var es = new EventSource('/live/events?recent=' + RECENT);
    es.onopen = function () { $('conn').textContent = 'live'; $('conn').className = 'conn on'; };
    es.onerror = function () { $('conn').textContent = 'reconnecting…'; $('conn').className = 'conn off'; };
    es.addEventListener('decision', function (e) { onDecision(JSON.parse(e.data)); });
    es.addEventListener('dropped', function (e) { counts.dropped += Number(e.data); showCounts(); });
    es.addEventListener('policy', function () { loadWorkloads(); loadGraph(); setTimeout(loadFindings, 300); });
  }

  $('filters').addEventListener('submit', function (e) { e.preventDefault(); });
  // The graph fits the panel's width (nothing off screen); "Actual size" shows it 1:1 with scrollbars.
  $('graph').classList.add('fit');
  $('graph-size').addEventListener('click', function () {
    var fit = $('graph').classList.toggle('fit');
    $('graph-size').textContent = fit ? 'Actual size' : 'Fit to width';
  });
  $('f-workload').addEventListener('change', applyFilters);
  $('f-verdict').addEventListener('change', applyFilters);
  $('pause').addEventListener('click', function () { paused = !paused; $('pause').textContent = paused ? 'Resume' : 'Pause'; showCounts(); });
  $('clear').addEventListener('click', function () { rows.forEach(function (r) { r.remove(); }); rows = []; counts = { allow: 0, deny: 0, dropped: 0 }; showCounts(); });
  loadWorkloads().then(loadGraph);
  loadFindings();
  connect();
  showCounts();
})();
`;
