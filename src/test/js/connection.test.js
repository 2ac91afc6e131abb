'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const {OnlineNow, setup, presence, record, fakeWebSocketClass} = require('./fakes.js');

function openWithState(t, room = 'r1', self = 'alice', others = []) {
  t.ws().serverOpen();
  t.ws().serverSend({type: 'state', room, self, presences: [presence(self), ...others], cursors: []});
}

test('the default URL is ws(s)://host + contextPath + /online-now/ws', () => {
  assert.equal(setup().client.url, 'ws://example.test:8080/app/online-now/ws');
  assert.equal(setup({location: {protocol: 'https:', host: 'x.test', pathname: '/'}, contextPath: ''}).client.url,
    'wss://x.test/online-now/ws');
  assert.equal(setup({contextPath: 'shop/', path: '/live'}).client.url, 'ws://example.test:8080/shop/live');
  assert.equal(setup({url: '/other/ws'}).client.url, 'ws://example.test:8080/other/ws');
  assert.equal(setup({url: 'https://a.test/ws'}).client.url, 'wss://a.test/ws');
  assert.equal(setup({url: 'wss://b.test/x'}).client.url, 'wss://b.test/x');
});

test('bad options are refused loudly, naming the option', () => {
  assert.throws(() => setup({pingInterval: -1}), /pingInterval/);
  assert.throws(() => setup({backoff: {jitter: 2}}), /backoff.jitter/);
  assert.throws(() => setup({rooms: 'r1'}), /rooms/);
  assert.throws(() => OnlineNow.connect({url: 'ws://x/ws', WebSocket: null, window: null, document: null}), /WebSocket/);
});

test('joins given before the socket opens are sent on open, with meta and away', () => {
  const t = setup({rooms: {r1: {color: 'red'}, r2: {}}});
  assert.equal(t.ws().sent.length, 0);
  t.ws().serverOpen();
  assert.deepEqual(t.ws().ofType('join'), [
    {type: 'join', room: 'r1', meta: {color: 'red', away: false}},
    {type: 'join', room: 'r2', meta: {away: false}}
  ]);
  assert.equal(t.client.status, 'open');
  assert.deepEqual(t.events.map((e) => e.type), ['open']);
});

test('pings every pingInterval and stays up while pongs come back', () => {
  const t = setup({rooms: ['r1']});
  openWithState(t);
  t.ws().clearSent();
  t.clock.advance(29_999);
  assert.equal(t.ws().ofType('ping').length, 0, 'no ping before the interval');
  t.clock.advance(1);
  assert.equal(t.ws().ofType('ping').length, 1);
  for (let i = 0; i < 10; i++) {
    t.ws().serverSend({type: 'pong'});
    t.clock.advance(30_000);
  }
  assert.equal(t.ws().ofType('ping').length, 11, 'one ping per 30 s');
  assert.equal(t.WS.sockets.length, 1, 'no reconnect while the server answers');
  assert.equal(t.client.status, 'open');
});

test('the server\'s pingInterval in state sets the cadence, unless the page chose its own', () => {
  const t = setup({rooms: ['r1']});
  t.ws().serverOpen();
  t.ws().serverSend({type: 'state', room: 'r1', self: 'alice', presences: [presence('alice')], cursors: [],
    pingInterval: 45_000});
  t.ws().clearSent();
  t.clock.advance(44_999);
  assert.equal(t.ws().ofType('ping').length, 0, 'not at the default 30 s');
  t.clock.advance(1);
  assert.equal(t.ws().ofType('ping').length, 1, 'at the server\'s 45 s');

  const own = setup({rooms: ['r1'], pingInterval: 10_000});
  own.ws().serverOpen();
  own.ws().serverSend({type: 'state', room: 'r1', self: 'alice', presences: [presence('alice')], cursors: [],
    pingInterval: 45_000});
  own.ws().clearSent();
  own.clock.advance(10_000);
  assert.equal(own.ws().ofType('ping').length, 1, 'the page\'s own 10 s wins');
});

test('a socket silent for 2 x pingInterval is declared dead and replaced', () => {
  const t = setup({rooms: ['r1']});
  openWithState(t);
  const first = t.ws();
  t.clock.advance(59_999);
  assert.equal(t.WS.sockets.length, 1);
  assert.equal(first.closedWith, null);
  t.clock.advance(1);
  assert.deepEqual(first.closedWith, {code: 4000, reason: 'heartbeat timeout'});
  const close = t.events.find((e) => e.type === 'close').e;
  assert.equal(close.code, 1006);
  assert.match(close.reason, /heartbeat timeout/);
  assert.equal(close.willReconnect, true);
  assert.equal(close.retryIn, 500);
  t.clock.advance(500);
  assert.equal(t.WS.sockets.length, 2, 'a new socket after the backoff delay');
  // the old socket's late close event must not disturb the new connection
  first.serverClose(1006);
  assert.equal(t.events.filter((e) => e.type === 'close').length, 1);
});

test('any message counts as life: cursor traffic without pongs keeps the socket', () => {
  const t = setup({rooms: ['r1']});
  openWithState(t);
  for (let i = 0; i < 40; i++) {
    t.clock.advance(5_000);
    t.ws().serverSend({type: 'cursors', room: 'r1', cursors: [{id: 'bob', x: i / 40, y: 0.5}]});
  }
  assert.equal(t.WS.sockets.length, 1);
  assert.equal(t.client.status, 'open');
});

test('a late ping (throttled timers) is given time to be answered before the socket is called dead', () => {
  const t = setup({rooms: ['r1']});
  openWithState(t);
  // Simulate a hidden tab whose ping timer never ran: drop it, keep the watchdog.
  t.client._clearTimer('ping');
  t.clock.advance(60_000);
  assert.equal(t.ws().ofType('ping').length, 1, 'the watchdog pings instead of giving up');
  assert.equal(t.WS.sockets.length, 1);
  t.ws().serverSend({type: 'pong'});
  t.clock.advance(30_000);
  assert.equal(t.WS.sockets.length, 1, 'the answer kept the socket');
  assert.equal(t.client.status, 'open');
});

test('reconnects with exponential backoff and jitter, capped at 30 s', () => {
  let r = 0;
  const t = setup({random: () => r});
  const delays = [];
  t.client.on('close', (e) => delays.push(e.retryIn));
  for (let i = 0; i < 9; i++) {
    t.ws().serverClose(1006);
    t.clock.advance(delays[delays.length - 1]);
  }
  assert.deepEqual(delays, [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  assert.equal(t.WS.sockets.length, 10);

  r = 1; // jitter 0.5: the delay lands anywhere in [half, full]
  t.ws().serverClose(1006);
  assert.equal(delays[delays.length - 1], 15000);
  r = 0.5;
  t.clock.advance(15000);
  t.ws().serverClose(1006);
  assert.equal(delays[delays.length - 1], 22500);
});

test('after a drop, every room is re-joined with its current meta and re-synced', () => {
  const t = setup();
  const r1 = t.client.join('r1', {color: 'red'});
  const r2 = t.client.join('r2');
  t.ws().serverOpen();
  t.ws().serverSend({type: 'state', room: 'r1', self: 'alice', presences: [presence('alice'), presence('bob')], cursors: []});
  t.ws().serverSend({type: 'state', room: 'r2', self: 'alice', presences: [presence('alice')], cursors: []});
  const seen = record(r1, ['sync', 'join', 'leave']);

  t.clock.advance(20_000);
  t.ws().serverClose(1001, 'server shutting down');
  assert.equal(r1.joined, false);
  r1.setMeta({color: 'blue'}); // while disconnected: kept for the re-join
  t.clock.advance(500);
  assert.equal(t.WS.sockets.length, 2);
  t.ws().serverOpen();
  assert.deepEqual(t.ws().ofType('join'), [
    {type: 'join', room: 'r1', meta: {color: 'blue', away: false}},
    {type: 'join', room: 'r2', meta: {away: false}}
  ]);
  assert.deepEqual(t.events.map((e) => e.type), ['open', 'close', 'open', 'reconnect']);

  // bob left and carol came while we were away
  t.ws().serverSend({type: 'state', room: 'r1', self: 'alice', presences: [presence('alice'), presence('carol')], cursors: []});
  assert.equal(r1.joined, true);
  assert.deepEqual(r1.presences().map((p) => p.id), ['alice', 'carol']);
  assert.deepEqual(seen.map((s) => s.type + ':' + (s.args[0].id || s.args[0].map((p) => p.id).join(','))),
    ['sync:alice,carol', 'leave:bob', 'join:carol']);
  assert.deepEqual(seen[0].args[1], {initial: false});
  assert.equal(r2.joined, false, 'r2 waits for its own state');
});

test('backoff starts over once a connection has lasted', () => {
  const t = setup();
  const delays = [];
  t.client.on('close', (e) => delays.push(e.retryIn));
  t.ws().serverClose(1006);
  t.clock.advance(500);
  t.ws().serverClose(1006);
  t.clock.advance(1000);
  t.ws().serverOpen();
  t.clock.advance(3000);
  t.ws().serverClose(1006); // lasted 3 s only: keeps growing
  t.clock.advance(2000);
  t.ws().serverOpen();
  t.ws().serverSend({type: 'pong'});
  t.clock.advance(10_000);
  t.ws().serverClose(1006); // lasted 10 s: back to the start
  assert.deepEqual(delays, [500, 1000, 2000, 500]);
});

test('after close code 1008 the client retries once, slowly, then stops for good', () => {
  const t = setup({rooms: ['r1']});
  openWithState(t);
  const errors = [];
  t.ws().serverClose(1008, 'too many connections');
  let close = t.events.filter((e) => e.type === 'close').pop().e;
  assert.equal(close.code, 1008);
  assert.equal(close.willReconnect, true);
  assert.equal(close.retryIn, 30_000);
  assert.equal(t.events.filter((e) => e.type === 'error').pop().e.code, 'closed_by_server');
  t.client.on('error', (e) => errors.push(e));

  t.win.dispatch('online'); // network events do not shorten the slow retry
  t.clock.advance(29_999);
  assert.equal(t.WS.sockets.length, 1);
  t.clock.advance(1);
  assert.equal(t.WS.sockets.length, 2);
  t.ws().serverOpen();
  t.ws().serverClose(1008, 'too slow');
  close = t.events.filter((e) => e.type === 'close').pop().e;
  assert.equal(close.willReconnect, false);
  assert.equal(t.client.status, 'closed');
  assert.equal(errors.length, 1);
  assert.match(errors[0].message, /1008 too slow; not reconnecting/);

  t.clock.advance(3_600_000);
  assert.equal(t.WS.sockets.length, 2, 'never again');
  assert.equal(t.clock.pendingTimers(), 0);
});

test('after 1008 for a reason no retry can change, the client stops at once', () => {
  for (const reason of ['session ended', 'no identity', 'origin not allowed', 'rate limit exceeded']) {
    const t = setup({rooms: ['r1']});
    openWithState(t);
    t.ws().serverClose(1008, reason);
    const close = t.events.filter((e) => e.type === 'close').pop().e;
    assert.equal(close.willReconnect, false, reason);
    assert.equal(t.client.status, 'closed', reason);
    assert.match(t.events.filter((e) => e.type === 'error').pop().e.message,
      new RegExp('1008 ' + reason + '; not reconnecting'));
    t.clock.advance(3_600_000);
    assert.equal(t.WS.sockets.length, 1, reason + ': never again');
    t.client.reconnect(); // the page, once the user signed in again
    assert.equal(t.WS.sockets.length, 2, reason);
  }
});

test('a refused slow retry (handshake fails, 1006) also stops', () => {
  const t = setup();
  t.ws().serverOpen();
  t.ws().serverClose(1008, 'server stopping');
  t.clock.advance(30_000);
  t.ws().serverClose(1006); // the HTTP upgrade was refused
  assert.equal(t.client.status, 'closed');
  t.clock.advance(3_600_000);
  assert.equal(t.WS.sockets.length, 2);
});

test('1009 and 1003 are caller bugs: no loop, and with policyRetry false no retry at all', () => {
  for (const code of [1009, 1003]) {
    const t = setup({policyRetry: false});
    t.ws().serverOpen();
    t.ws().serverClose(code, 'bug');
    assert.equal(t.client.status, 'closed');
    assert.equal(t.events.filter((e) => e.type === 'close').pop().e.willReconnect, false);
    t.clock.advance(3_600_000);
    assert.equal(t.WS.sockets.length, 1, 'code ' + code);
  }
});

test('reconnect() starts over after the client gave up', () => {
  const t = setup({rooms: ['r1'], policyRetry: false});
  t.ws().serverOpen();
  t.ws().serverClose(1008, 'no identity');
  assert.equal(t.client.status, 'closed');
  t.client.reconnect();
  assert.equal(t.WS.sockets.length, 2);
  t.ws().serverOpen();
  assert.deepEqual(t.ws().ofType('join').map((m) => m.room), ['r1']);
});

test('the browser coming back online skips the rest of the backoff delay', () => {
  const t = setup();
  for (let i = 0; i < 6; i++) {
    t.ws().serverClose(1006);
    t.clock.advance(t.events.filter((e) => e.type === 'close').pop().e.retryIn);
  }
  t.ws().serverClose(1006); // now waiting 30 s
  t.win.dispatch('online');
  assert.equal(t.WS.sockets.length, 8);
  assert.equal(t.client.status, 'connecting');
});

test('close() closes with 1000 and never reconnects; events stop', () => {
  const t = setup({rooms: ['r1']});
  openWithState(t);
  const ws = t.ws();
  t.client.close();
  assert.deepEqual(ws.closedWith, {code: 1000, reason: 'client closed'});
  assert.equal(t.client.status, 'closed');
  ws.serverClose(1000);
  t.clock.advance(3_600_000);
  assert.equal(t.WS.sockets.length, 1);
  assert.equal(t.clock.pendingTimers(), 0);
  assert.equal(t.doc.listenerCount('visibilitychange'), 0);
  assert.equal(t.win.listenerCount('online'), 0);
  assert.throws(() => t.client.join('r2'), /closed/);
});

test('frames that are not JSON, or that the client cannot handle, give error events, never throws', () => {
  const t = setup({rooms: ['r1']});
  openWithState(t);
  const errors = [];
  t.client.on('error', (e) => errors.push(e.code));
  t.ws().serverSend('not json');
  t.ws().serverSend('[1,2]');
  t.ws().serverSend({type: 'state', room: 'r1', presences: 'oops', cursors: 7});
  t.ws().serverSend({type: 'future-type', room: 'r1'});
  t.ws().serverSend({type: 'join', room: 'nowhere', presence: presence('x')});
  assert.deepEqual(errors, ['bad_frame', 'bad_frame']);
  assert.equal(t.client.status, 'open');
});

test('a listener that throws does not break the client', () => {
  const t = setup({rooms: ['r1']});
  const originalError = console.error;
  const reported = [];
  console.error = (...args) => reported.push(args);
  try {
    t.client.room('r1').on('sync', () => { throw new Error('page bug'); });
    const after = [];
    t.client.room('r1').on('sync', (p) => after.push(p.length));
    openWithState(t);
    assert.deepEqual(after, [1]);
    assert.equal(reported.length, 1);
  } finally {
    console.error = originalError;
  }
});

test('the fake WebSocket class is fresh per client (sanity of the harness)', () => {
  const A = fakeWebSocketClass();
  const B = fakeWebSocketClass();
  new A('ws://a');
  assert.equal(A.sockets.length, 1);
  assert.equal(B.sockets.length, 0);
});

test('when the ping timer is throttled, incoming traffic sends the ping instead', () => {
  const t = setup({rooms: ['r1']});
  openWithState(t);
  t.client._clearTimer('ping'); // a hidden tab whose timers sleep
  t.ws().clearSent();
  t.clock.t += 29_000;
  t.ws().serverSend({type: 'cursors', room: 'r1', cursors: [{id: 'bob', x: 0.1, y: 0.1}]});
  assert.equal(t.ws().ofType('ping').length, 0, 'not before the interval');
  t.clock.t += 1_000;
  t.ws().serverSend({type: 'cursors', room: 'r1', cursors: [{id: 'bob', x: 0.2, y: 0.1}]});
  assert.equal(t.ws().ofType('ping').length, 1);
  t.ws().serverSend({type: 'pong'});
  assert.equal(t.ws().ofType('ping').length, 1, 'one ping per interval, not one per message');
});

test('a page put in the back/forward cache closes its socket and reconnects when shown again', () => {
  const t = setup({rooms: {r1: {color: 'red'}}});
  openWithState(t);
  const first = t.ws();
  t.win.dispatch('pagehide', {persisted: false}); // a plain navigation: the browser closes
  assert.equal(first.closedWith, null);
  t.win.dispatch('pagehide', {persisted: true});
  assert.deepEqual(first.closedWith, {code: 1000, reason: 'page hidden'});
  assert.equal(t.client.room('r1').joined, false);
  t.win.dispatch('online');
  t.clock.advance(3_600_000);
  assert.equal(t.WS.sockets.length, 1, 'no reconnect while in the cache');
  t.win.dispatch('pageshow', {persisted: true});
  assert.equal(t.WS.sockets.length, 2);
  t.ws().serverOpen();
  assert.deepEqual(t.ws().ofType('join'), [{type: 'join', room: 'r1', meta: {color: 'red', away: false}}]);
  assert.deepEqual(t.events.map((e) => e.type + (e.e.reason ? ':' + e.e.reason : '')), ['open', 'close:page hidden', 'open', 'reconnect']);
});
