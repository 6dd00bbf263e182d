/**
 * The staff console script (plain browser JavaScript, no build step). It signs in with a device
 * token, opens the store's WebSocket feed (resuming from the last card seen), renders cards
 * with DOM text nodes only (customer data is never parsed as HTML), and sends acknowledgements
 * over the socket.
 */
export const CONSOLE_JS = String.raw`(function () {
  'use strict';
  var LABELS = {
    'store.checked_in': 'Checked in', 'pos.purchased': 'Bought in store', 'pos.returned': 'Returned in store',
    'fitting_room.tried_on': 'Tried on', 'order.placed': 'Ordered online', 'order.picked_up': 'Picked up',
    'product.viewed': 'Viewed online', 'page.viewed': 'Browsed', 'cart.item_added': 'Added to cart',
    'cart.abandoned': 'Left in cart', 'coupon.redeemed': 'Used a coupon', 'staff.acknowledged': 'Served by staff'
  };
  var $ = function (id) { return document.getElementById(id); };
  var MODE = document.body.dataset.mode === 'agent' ? 'agent' : 'store';
  var state = { token: null, store: null, epoch: null, lastSeq: 0, ws: null, retry: 0, timer: null, cards: {}, pending: {}, seq: 0 };

  function claimsOf(token) {
    try {
      var part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      return JSON.parse(decodeURIComponent(escape(atob(part))));
    } catch (e) { return null; }
  }
  function setStatus(s, text) { var el = $('status'); el.dataset.state = s; el.textContent = text || s; }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function when(iso) {
    var d = new Date(iso);
    return isNaN(d) ? '' : d.toLocaleString();
  }
  function itemText(h) {
    var parts = [LABELS[h.type] || h.type];
    if (h.name || h.sku) parts.push(h.name || h.sku);
    if (typeof h.value === 'number') parts.push('¥' + h.value.toLocaleString());
    if (h.storeId) parts.push('@ ' + h.storeId);
    parts.push('· ' + when(h.at));
    return parts.join(' ');
  }
  function list(title, items, fmt) {
    if (!items || !items.length) return null;
    var box = el('div');
    box.appendChild(el('h3', null, title));
    var ul = el('ul');
    items.forEach(function (i) { ul.appendChild(el('li', null, fmt(i))); });
    box.appendChild(ul);
    return box;
  }

  function render(card, acks, decision) {
    var old = document.querySelector('article.card[data-card-id="' + CSS.escape(card.id) + '"]');
    var a = el('article', 'card');
    a.dataset.cardId = card.id;
    a.dataset.priority = card.priority || 'normal';
    var top = el('div', 'top');
    top.appendChild(el('span', 'name', card.customer.name || card.customer.loyaltyId || 'Customer ' + card.customerId));
    if (card.customer.tier) top.appendChild(el('span', 'tier', card.customer.tier));
    if (card.title) top.appendChild(el('span', 'title', card.title));
    top.appendChild(el('span', 'time', when(card.createdAt)));
    a.appendChild(top);
    if (card.suggestion) a.appendChild(el('p', 'suggestion', card.suggestion));
    (card.avoid || []).forEach(function (t) { a.appendChild(el('p', 'avoid', t)); });
    var grid = el('div', 'grid');
    [
      list('Talking points', card.talkingPoints, function (t) { return t; }),
      list('Tried on', card.triedOn, function (t) { return (t.name || t.sku) + (t.purchased ? ' (bought)' : '') + ' · ' + when(t.at); }),
      list('Online', card.online, itemText),
      list('In store', card.offline, itemText),
      list('Told us', card.answers, function (x) { var q = x.question || x.questionId; return q + (/[?？:：]$/.test(q) ? ' ' : ': ') + (Array.isArray(x.answer) ? x.answer.join(', ') : x.answer); })
    ].forEach(function (b) { if (b) grid.appendChild(b); });
    a.appendChild(grid);
    var ackLine = el('div', 'acks');
    ackLine.dataset.role = 'acks';
    a.appendChild(ackLine);
    if (decision && decision.actions && decision.actions.length) {
      var why = el('div', 'why');
      why.dataset.role = 'why';
      decision.actions.forEach(function (x) {
        why.appendChild(el('div', null, 'Why ' + x.actionId + (typeof x.score === 'number' ? ' (score ' + x.score.toFixed(2) + ')' : '') + ': ' + x.reasons.join('; ')));
      });
      a.appendChild(why);
    }
    var actions = el('div', 'actions');
    var note = el('input');
    note.placeholder = MODE === 'agent' ? 'Note' : 'Note for the team';
    note.setAttribute('aria-label', 'Note');
    note.maxLength = 2000;
    var button = function (label, cls, action, onclick) {
      var b = el('button', cls, label);
      b.dataset.action = action;
      b.onclick = onclick;
      actions.appendChild(b);
    };
    if (MODE === 'agent') {
      if (card.actionId !== 'none') {
        button('Accepted', 'served', 'accepted', function () { respond(card, 'accepted', note.value); });
        button('Declined', 'dismiss', 'declined', function () { respond(card, 'declined', note.value); });
        button('Later', 'dismiss', 'later', function () { respond(card, 'later', note.value); });
        actions.appendChild(note);
      }
    } else {
      button('Served', 'served', 'served', function () { acknowledge(card.id, 'served', note.value); });
      button('Dismiss', 'dismiss', 'dismissed', function () { acknowledge(card.id, 'dismissed', note.value); });
      actions.appendChild(note);
      button('Add note', 'note', 'noted', function () { if (note.value.trim()) { acknowledge(card.id, 'noted', note.value); note.value = ''; } });
    }
    a.appendChild(actions);
    state.cards[card.id] = { card: card, acks: acks || [], el: a };
    showAcks(card.id);
    if (old) old.replaceWith(a); else $('cards').prepend(a);
    $('empty').hidden = true;
  }
  function showAcks(cardId) {
    var c = state.cards[cardId];
    if (!c) return;
    var line = c.el.querySelector('[data-role="acks"]');
    line.textContent = c.acks.map(function (k) {
      return (k.outcome === 'served' ? 'Served' : k.outcome === 'dismissed' ? 'Dismissed' : 'Note') + ' by ' + k.staffId + (k.note ? ': ' + k.note : '');
    }).join(' · ');
    var done = c.acks.some(function (k) { return k.outcome !== 'noted'; });
    c.el.classList.toggle('done', done);
  }
  function acknowledge(cardId, outcome, note) {
    if (!state.ws || state.ws.readyState !== 1) { setStatus('offline', 'offline: not sent'); return; }
    var msg = { type: 'ack', cardId: cardId, outcome: outcome, requestId: 'r' + (++state.seq), ackId: 'a' + Date.now().toString(36) + state.seq };
    if (note && note.trim()) msg.note = note.trim();
    state.pending[msg.requestId] = msg;
    state.ws.send(JSON.stringify(msg));
  }

  function connect() {
    clearTimeout(state.timer);
    var url = new URL('ws', location.href);
    url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('access_token', state.token);
    url.searchParams.set('store', state.store);
    if (state.epoch) { url.searchParams.set('epoch', state.epoch); url.searchParams.set('since', String(state.lastSeq)); }
    setStatus('connecting', 'connecting…');
    var ws = new WebSocket(url.toString());
    var greeted = false;
    state.ws = ws;
    ws.onmessage = function (ev) {
      var m = JSON.parse(ev.data);
      if (m.type === 'hello') {
        greeted = true; state.retry = 0;
        if (state.epoch && state.epoch !== m.epoch) state.lastSeq = 0;
        state.epoch = m.epoch;
        $('who').textContent = m.staffId + ' @ ' + m.storeId;
        setStatus('live', 'live');
      } else if (m.type === 'card') {
        state.lastSeq = Math.max(state.lastSeq, m.seq);
        render(m.card, m.acks);
      } else if (m.type === 'ack') {
        var c = state.cards[m.cardId];
        if (c && !c.acks.some(function (k) { return k.eventId === m.ack.eventId; })) { c.acks.push(m.ack); showAcks(m.cardId); }
      } else if (m.type === 'ack.result') {
        delete state.pending[m.requestId];
        if (!m.ok) $('error').textContent = m.error;
      }
    };
    ws.onclose = function (ev) {
      if (state.ws !== ws) return;
      state.ws = null;
      if (ev.code === 4001) { signOut('Your sign-in expired: sign in again.'); return; }
      if (!greeted && state.retry >= 3) { signOut('Cannot connect with this token and store.'); return; }
      setStatus('offline', 'offline: reconnecting');
      var delay = Math.min(10000, 500 * Math.pow(2, state.retry++));
      state.timer = setTimeout(connect, delay);
    };
  }

  function signIn(token, store) {
    var claims = claimsOf(token);
    if (!claims || !claims.stores) { $('error').textContent = 'That is not a staff device token.'; return; }
    store = store || claims.stores[0];
    if (claims.stores.indexOf(store) < 0) { $('error').textContent = 'This token does not grant that store.'; return; }
    state.token = token; state.store = store; state.epoch = null; state.lastSeq = 0; state.retry = 0;
    sessionStorage.setItem('omotenashi.staff.token', token);
    sessionStorage.setItem('omotenashi.staff.store', store);
    $('error').textContent = '';
    $('sign-in-form').hidden = true; $('feed').hidden = false; $('sign-out').hidden = false;
    connect();
  }
  function signOut(message) {
    var ws = state.ws; state.ws = null;
    if (ws) ws.close();
    clearTimeout(state.timer);
    sessionStorage.removeItem('omotenashi.staff.token');
    state.token = null; state.cards = {};
    $('cards').textContent = ''; $('empty').hidden = false;
    $('sign-in-form').hidden = false; $('feed').hidden = true; $('sign-out').hidden = true;
    $('who').textContent = '';
    setStatus('signed-out', 'signed out');
    $('error').textContent = message || '';
  }

  function respond(card, response, note) {
    var body = { customerId: card.customerId, actionId: card.actionId, response: response, outcomeId: 'o' + Date.now().toString(36) };
    if (card.decisionId) body.decisionId = card.decisionId;
    if (note && note.trim()) body.note = note.trim();
    fetch('agent/outcome', { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': $('api-key').value }, body: JSON.stringify(body) })
      .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, body: j }; }); })
      .then(function (r) {
        if (!r.ok) { $('error').textContent = r.body.error || 'not recorded'; return; }
        var c = state.cards[card.id];
        c.acks.push({ outcome: response, staffId: 'agent', note: body.note, eventId: r.body.eventId });
        var line = c.el.querySelector('[data-role="acks"]');
        line.textContent = 'Recorded: ' + response + (body.note ? ': ' + body.note : '');
        c.el.classList.add('done');
      });
  }
  function lookUp() {
    var key = $('api-key').value;
    sessionStorage.setItem('omotenashi.agent.key', key);
    var url = new URL('agent/card', location.href);
    url.searchParams.set($('kind').value, $('value').value.trim());
    setStatus('connecting', 'looking up…');
    $('error').textContent = '';
    fetch(url.toString(), { headers: { 'x-api-key': key } })
      .then(function (r) { return r.json().then(function (j) { return { status: r.status, body: j }; }); })
      .then(function (r) {
        if (r.status !== 200) { setStatus('offline', 'not found'); $('error').textContent = r.body.error || ('HTTP ' + r.status); return; }
        $('cards').textContent = '';
        state.cards = {};
        render(r.body.card, [], r.body.decision);
        setStatus('live', 'found');
      }, function () { setStatus('offline', 'offline'); });
  }

  if (MODE === 'agent') {
    $('api-key').value = sessionStorage.getItem('omotenashi.agent.key') || '';
    $('lookup-form').addEventListener('submit', function (ev) { ev.preventDefault(); lookUp(); });
    return;
  }
  $('token').addEventListener('input', function () {
    var claims = claimsOf($('token').value.trim());
    var select = $('store');
    select.textContent = '';
    (claims && claims.stores ? claims.stores : []).forEach(function (s) { var o = el('option', null, s); o.value = s; select.appendChild(o); });
  });
  $('sign-in-form').addEventListener('submit', function (ev) { ev.preventDefault(); signIn($('token').value.trim(), $('store').value); });
  $('sign-out').addEventListener('click', function () { signOut(); });
  var saved = sessionStorage.getItem('omotenashi.staff.token');
  if (saved) signIn(saved, sessionStorage.getItem('omotenashi.staff.store'));
})();
`
