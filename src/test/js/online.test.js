'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const {setup} = require('./fakes.js');

const FRAME = {type: 'online', count: 3, guests: 1, robots: 2,
  users: [{id: 'ann', name: 'Ann', lastSeen: 5}, {id: 'hid', name: 'Hid', lastSeen: 4, hidden: true}],
  record: {count: 9, at: 1234}};

test('online(fn) subscribes once open and calls fn with the frame\'s data', () => {
  const t = setup();
  const seen = [];
  t.client.online((d) => seen.push(d));
  assert.equal(t.ws().sent.length, 0, 'nothing sent before the socket opens');
  t.ws().serverOpen();
  assert.deepEqual(t.ws().ofType('online'), [{type: 'online'}]);
  t.ws().serverSend(FRAME);
  assert.deepEqual(seen, [{count: 3, guests: 1, robots: 2, users: FRAME.users, record: {count: 9, at: 1234}}]);
});

test('online(fn) on an open socket subscribes at once; the returned function stops the calls', () => {
  const t = setup();
  t.ws().serverOpen();
  const seen = [];
  const off = t.client.online((d) => seen.push(d.count));
  assert.equal(t.ws().ofType('online').length, 1);
  t.ws().serverSend(FRAME);
  off();
  t.ws().serverSend(Object.assign({}, FRAME, {count: 4}));
  assert.deepEqual(seen, [3]);
});

test('online is asked for again after a reconnect', () => {
  const t = setup();
  t.ws().serverOpen();
  const seen = [];
  t.client.online((d) => seen.push(d.count));
  t.ws().serverClose(1001, 'server shutting down');
  t.clock.advance(500);
  assert.equal(t.WS.sockets.length, 2);
  t.ws().serverOpen();
  assert.deepEqual(t.ws().ofType('online'), [{type: 'online'}], 'the new socket subscribes');
  t.ws().serverSend(Object.assign({}, FRAME, {count: 7}));
  assert.deepEqual(seen, [7]);
});

test('a malformed online frame gives fn safe defaults, and a throwing fn harms nothing', () => {
  const t = setup();
  t.ws().serverOpen();
  const seen = [];
  t.client.online(() => { throw new Error('page bug'); });
  t.client.online((d) => seen.push(d));
  t.ws().serverSend({type: 'online', count: 'x', users: [1, {id: 'a'}], record: null});
  assert.deepEqual(seen, [{count: 0, guests: 0, robots: 0, users: [{id: 'a'}], record: {count: 0, at: 0}}]);
  assert.equal(t.client.status, 'open');
});

test('online(fn) needs a function', () => {
  const t = setup();
  assert.throws(() => t.client.online('x'), /function/);
});
