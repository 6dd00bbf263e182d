/**
 * The live decision-log page: plain HTML and JS, no build step. It polls
 * `decisions.json` every two seconds with the API key from its URL fragment and renders every
 * value with `textContent` (decisions carry text that came from events).
 */
export const DECISION_LOG_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Omotenashi · decision log</title>
<style>
  :root { font-family: system-ui, -apple-system, "Segoe UI", "Hiragino Sans", sans-serif; color: #1d232b; background: #f4f2ee; }
  body { margin: 0; }
  header { background: #23303d; color: #fff; padding: 12px 20px; display: flex; gap: 16px; align-items: center; flex-wrap: wrap; }
  header h1 { font-size: 17px; margin: 0; font-weight: 600; }
  header .sub { opacity: .75; font-size: 13px; }
  #status { margin-left: auto; font-size: 12px; padding: 2px 8px; border-radius: 9px; background: #55606b; }
  #status[data-state="live"] { background: #2e7d4f; }
  #status[data-state="error"] { background: #b3412e; }
  .controls { padding: 10px 20px; display: flex; gap: 14px; align-items: center; font-size: 14px; flex-wrap: wrap; }
  .controls input[type="search"] { padding: 5px 8px; border: 1px solid #c8c2b8; border-radius: 6px; min-width: 260px; }
  .controls #customer { min-width: 200px; }
  .who.link { cursor: pointer; text-decoration: underline dotted; }
  #summary { color: #5b636b; font-size: 13px; }
  main { padding: 0 20px 30px; display: grid; gap: 10px; }
  .decision { background: #fff; border-radius: 8px; box-shadow: 0 1px 2px rgba(0,0,0,.08); padding: 10px 14px; }
  .decision .head { display: flex; gap: 10px; align-items: baseline; flex-wrap: wrap; font-size: 14px; }
  .time { font-variant-numeric: tabular-nums; color: #5b636b; }
  .who { font-weight: 600; }
  .tier { font-size: 11px; text-transform: uppercase; padding: 1px 6px; border-radius: 8px; background: #efe3c2; color: #6d5210; }
  .trigger { font-family: ui-monospace, Menlo, monospace; font-size: 12px; background: #eef1f4; padding: 1px 6px; border-radius: 4px; }
  .outcome { margin-left: auto; font-size: 13px; }
  .outcome.sent { color: #2e7d4f; font-weight: 600; }
  .outcome.none { color: #8a6d1d; }
  .outcome.later { color: #2d4486; }
  table { width: 100%; border-collapse: collapse; margin-top: 6px; font-size: 13px; }
  th { text-align: left; font-weight: 500; color: #5b636b; border-bottom: 1px solid #e4e0d8; padding: 3px 6px; }
  td { padding: 4px 6px; border-bottom: 1px solid #f0ede7; vertical-align: top; }
  td.action, td.rule, td.policy { white-space: nowrap; }
  tr.won td { background: #ecf7ef; }
  tr.won td.action { font-weight: 600; }
  .status { font-size: 11px; font-weight: 600; padding: 1px 6px; border-radius: 8px; text-transform: uppercase; }
  .status.won { background: #2e7d4f; color: #fff; }
  .status.blocked, .status.ineligible { background: #f6dcd6; color: #8c2f1e; }
  .status.deferred, .status.holdout { background: #e3e8f7; color: #2d4486; }
  .status.eligible { background: #eee; color: #444; }
  .policy { font-family: ui-monospace, Menlo, monospace; font-size: 12px; color: #8c2f1e; }
  .reasons { color: #4a525a; }
  .score { font-variant-numeric: tabular-nums; }
  #empty { color: #5b636b; padding: 20px; }
</style>
</head>
<body>
<header>
  <h1>Omotenashi · live decision log</h1>
  <span class="sub">every decision with its candidates, scores, the winner, and the policy that stopped each other candidate</span>
  <span id="status" data-state="connecting">connecting</span>
</header>
<div class="controls">
  <input id="customer" type="search" placeholder="one customer: loyalty id (FR-0001)" spellcheck="false">
  <input id="filter" type="search" placeholder="filter: action, rule, policy, customer, trigger…">
  <label><input id="blocked-only" type="checkbox"> only decisions where a policy blocked something</label>
  <label><input id="paused" type="checkbox"> pause</label>
  <span id="summary"></span>
</div>
<main id="decisions"></main>
<p id="empty" hidden>No decisions yet.</p>
<script>
(function () {
  'use strict';
  var key = new URLSearchParams(location.hash.slice(1)).get('key') || '';
  var rows = [];
  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function time(iso) {
    try { return new Date(iso).toLocaleString('ja-JP', { timeZone: 'Asia/Tokyo', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }) + ' JST'; } catch (e) { return iso; }
  }
  function text(row) {
    var d = row.decision, w = row.who || {};
    return [d.trigger, w.loyaltyId, w.name, w.tier].concat(d.candidates.map(function (c) { return [c.actionId, c.ruleId, c.policy, c.status].join(' '); })).join(' ').toLowerCase();
  }
  function stopped(c) { return c.policy && (c.status === 'blocked' || c.status === 'ineligible'); }
  function render() {
    var q = $('filter').value.trim().toLowerCase();
    var blockedOnly = $('blocked-only').checked;
    var shown = rows.filter(function (r) {
      if (blockedOnly && !r.decision.candidates.some(stopped)) return false;
      return !q || text(r).indexOf(q) >= 0;
    });
    var main = $('decisions');
    main.textContent = '';
    shown.forEach(function (row) { main.appendChild(card(row)); });
    $('empty').hidden = shown.length > 0;
    var blocked = 0;
    rows.forEach(function (r) { r.decision.candidates.forEach(function (c) { if (stopped(c)) blocked++; }); });
    $('summary').textContent = shown.length + ' of the ' + rows.length + ' latest decisions shown · ' + blocked + ' candidate(s) stopped by a policy';
  }
  function card(row) {
    var d = row.decision, w = row.who || {};
    var a = el('article', 'decision');
    a.setAttribute('data-decision-id', d.id);
    var head = el('div', 'head');
    head.appendChild(el('span', 'time', time(d.at)));
    var who = el('span', 'who', (w.name || 'customer') + (w.loyaltyId ? ' · ' + w.loyaltyId : ''));
    if (w.loyaltyId) {
      // A click narrows the log to this customer's decisions ("see why", per customer).
      who.classList.add('link');
      who.title = 'show only ' + w.loyaltyId;
      who.addEventListener('click', function () { $('customer').value = w.loyaltyId; refresh(); });
    }
    head.appendChild(who);
    if (w.tier) head.appendChild(el('span', 'tier', w.tier));
    head.appendChild(el('span', 'trigger', d.trigger));
    var sent = d.actions.map(function (x) { return x.actionId + ' via ' + x.channels.join(' → '); });
    var winner = d.candidates.filter(function (c) { return c.status === 'won'; })[0];
    var later = d.candidates.filter(function (c) { return c.status === 'deferred'; })[0];
    var outcome = sent.length ? el('span', 'outcome sent', 'WON ' + sent.join(', ')) :
      winner ? el('span', 'outcome sent', 'WON ' + winner.actionId + (d.holdout ? ' (holdout: recorded, not sent)' : ' (shown, not sent)')) :
      later ? el('span', 'outcome later', 'LATER ' + later.actionId + ' (' + later.policy + ')') : el('span', 'outcome none', 'nothing sent');
    outcome.setAttribute('data-role', 'outcome');
    head.appendChild(outcome);
    a.appendChild(head);
    var t = el('table');
    var hr = el('tr');
    ['', 'action', 'rule', 'score', 'policy', 'why'].forEach(function (h) { hr.appendChild(el('th', null, h)); });
    t.appendChild(hr);
    d.candidates.forEach(function (c) {
      var tr = el('tr', c.status);
      tr.setAttribute('data-status', c.status);
      var s = el('td'); s.appendChild(el('span', 'status ' + c.status, c.status)); tr.appendChild(s);
      tr.appendChild(el('td', 'action', c.actionId));
      tr.appendChild(el('td', 'rule', c.ruleId || ''));
      tr.appendChild(el('td', 'score', typeof c.score === 'number' ? c.score.toFixed(3) : ''));
      tr.appendChild(el('td', 'policy', c.policy || ''));
      tr.appendChild(el('td', 'reasons', (c.reasons || []).join('; ')));
      t.appendChild(tr);
    });
    a.appendChild(t);
    return a;
  }
  function status(state, label) { var s = $('status'); s.setAttribute('data-state', state); s.textContent = label; }
  var timer, generation = 0;
  function refresh() { clearTimeout(timer); poll(); }
  function poll() {
    if ($('paused').checked) { timer = setTimeout(poll, 2000); return; }
    var customer = $('customer').value.trim();
    var query = 'limit=150' + (customer ? '&customer=' + encodeURIComponent(customer) : '');
    var mine = ++generation; // an answer to an older question (another customer) is dropped
    fetch('decisions.json?' + query, { headers: { 'x-api-key': key } }).then(function (r) {
      if (r.status === 401) throw new Error('the page needs the read key: open the URL printed by npm start');
      if (!r.ok) throw new Error('HTTP ' + r.status);
      return r.json();
    }).then(function (body) {
      if (mine !== generation) return;
      rows = body.decisions;
      status('live', 'live · ' + new Date().toLocaleTimeString());
      render();
    }).catch(function (e) { status('error', e.message); }).then(function () { clearTimeout(timer); timer = setTimeout(poll, 2000); });
  }
  $('customer').addEventListener('change', refresh);
  $('filter').addEventListener('input', render);
  $('blocked-only').addEventListener('change', render);
  poll();
})();
</script>
</body>
</html>
`
