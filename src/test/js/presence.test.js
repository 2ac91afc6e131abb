'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const {setup, presence, record} = require('./fakes.js');

function joined(options = {}, rooms = ['r1']) {
  const t = setup(options);
  const r = rooms.map((name) => t.client.join(name, {color: 'red'}));
  t.ws().serverOpen();
  return Object.assign(t, {rooms: r});
}

test('state gives presences, self and a sync event', () => {
  const t = joined();
  const room = t.rooms[0];
  const seen = record(room, ['sync', 'join']);
  assert.deepEqual(room.presences(), []);
  t.ws().serverSend({
    type: 'state', room: 'r1', self: 'alice',
    presences: [presence('alice', {color: 'red', away: false}), presence('bob', {away: true}, {connections: 2})],
    cursors: []
  });
  assert.equal(room.self, 'alice');
  assert.equal(t.client.self, 'alice');
  assert.equal(room.joined, true);
  assert.deepEqual(room.presences().map((p) => [p.id, p.name, p.meta.away, p.connections]),
    [['alice', 'Alice', false, 1], ['bob', 'Bob', true, 2]]);
  assert.equal(room.presence('bob').meta.away, true);
  assert.deepEqual(seen.map((s) => s.type), ['sync'], 'the first sync does not announce everyone as joining');
  assert.deepEqual(seen[0].args[1], {initial: true});
});

test('join, meta and leave keep the list current and fire events', () => {
  const t = joined();
  const room = t.rooms[0];
  t.ws().serverSend({type: 'state', room: 'r1', self: 'alice', presences: [presence('alice')], cursors: []});
  const seen = record(room, ['join', 'leave', 'meta']);

  t.ws().serverSend({type: 'join', room: 'r1', presence: presence('bob', {color: 'blue'})});
  assert.deepEqual(room.presences().map((p) => p.id), ['alice', 'bob']);

  t.ws().serverSend({type: 'meta', room: 'r1', presence: presence('bob', {color: 'green', away: true})});
  assert.equal(room.presence('bob').meta.color, 'green');

  t.ws().serverSend({type: 'leave', room: 'r1', id: 'bob'});
  t.ws().serverSend({type: 'leave', room: 'r1', id: 'nobody'});
  assert.deepEqual(room.presences().map((p) => p.id), ['alice']);

  assert.deepEqual(seen.map((s) => s.type + ':' + s.args[0].id), ['join:bob', 'meta:bob', 'leave:bob']);
  assert.equal(seen[1].args[1].meta.color, 'blue', 'meta listeners get the previous presence too');
  assert.equal(seen[2].args[0].meta.color, 'green', 'leave listeners get the last known presence');
});

test('a presence without a name is named by its id', () => {
  const t = joined();
  t.ws().serverSend({type: 'state', room: 'r1', self: 'alice', presences: [{id: 'alice', meta: {}}], cursors: []});
  assert.equal(t.rooms[0].presence('alice').name, 'alice');
});

test('several rooms on one socket stay apart', () => {
  const t = joined({}, ['a', 'b']);
  const [a, b] = t.rooms;
  t.ws().serverSend({type: 'state', room: 'a', self: 'alice', presences: [presence('alice'), presence('bob')], cursors: []});
  t.ws().serverSend({type: 'state', room: 'b', self: 'alice', presences: [presence('alice')], cursors: []});
  t.ws().serverSend({type: 'join', room: 'b', presence: presence('carol')});
  const events = [];
  a.on('event', (name, payload) => events.push(['a', name, payload]));
  b.on('event', (name, payload) => events.push(['b', name, payload]));
  t.ws().serverSend({type: 'event', room: 'b', event: 'cleared', payload: {by: 'carol'}});

  assert.deepEqual(a.presences().map((p) => p.id), ['alice', 'bob']);
  assert.deepEqual(b.presences().map((p) => p.id), ['alice', 'carol']);
  assert.deepEqual(events, [['b', 'cleared', {by: 'carol'}]]);
  assert.deepEqual(t.client.rooms().map((r) => r.name), ['a', 'b']);

  t.ws().clearSent();
  b.leave();
  assert.deepEqual(t.ws().sent, [{type: 'leave', room: 'b'}]);
  assert.equal(t.client.room('b'), undefined);
  t.ws().serverSend({type: 'join', room: 'b', presence: presence('dave')}); // in flight: ignored
  assert.deepEqual(b.presences().map((p) => p.id), ['alice', 'carol']);

  // re-join after leave: a fresh room, joined on the same socket
  const b2 = t.client.join('b');
  assert.notEqual(b2, b);
  assert.deepEqual(t.ws().ofType('join'), [{type: 'join', room: 'b', meta: {away: false}}]);
});

test('join() of a joined room returns it and replaces its meta', () => {
  const t = joined();
  t.ws().clearSent();
  const again = t.client.join('r1', {color: 'teal'});
  assert.equal(again, t.rooms[0]);
  assert.deepEqual(t.ws().sent, [{type: 'meta', room: 'r1', meta: {color: 'teal', away: false}}]);
  assert.deepEqual(again.meta, {color: 'teal'});
});

test('setMeta sends the whole meta with away merged in', () => {
  const t = joined();
  t.ws().clearSent();
  t.rooms[0].setMeta({color: 'blue', away: true}); // away is the client's to say
  assert.deepEqual(t.ws().sent, [{type: 'meta', room: 'r1', meta: {color: 'blue', away: false}}]);
});

test('oversized or malformed meta and room names are refused on the spot', () => {
  const t = joined();
  assert.throws(() => t.rooms[0].setMeta({text: 'x'.repeat(1100)}), RangeError);
  assert.throws(() => t.rooms[0].setMeta({text: 'é'.repeat(510)}), /1043 bytes as JSON \(with away\); the limit is 1024/);
  assert.throws(() => t.rooms[0].setMeta('red'), TypeError);
  assert.throws(() => t.rooms[0].setMeta([1]), TypeError);
  assert.throws(() => t.client.join(''), TypeError);
  assert.throws(() => t.client.join(42), TypeError);
  assert.throws(() => t.client.join('x'.repeat(201)), /1 to 200 characters/);
  assert.throws(() => t.client.join('tab\there'), /control characters/);
  assert.equal(t.client.join('x'.repeat(200)).name.length, 200);
  assert.deepEqual(t.rooms[0].meta, {color: 'red'}, 'a refused meta leaves the old one in place');
});

test('hidden for awayAfter marks the user away in every room; visible again clears it', () => {
  const t = joined({}, ['a', 'b']);
  t.rooms[1].setMeta({color: 'blue'});
  t.ws().clearSent();

  t.doc.setVisibility('hidden');
  t.clock.advance(30_000);
  t.ws().serverSend({type: 'pong'});
  t.clock.advance(29_999);
  assert.equal(t.ws().ofType('meta').length, 0);
  t.clock.advance(1);
  assert.equal(t.WS.sockets.length, 1);
  assert.equal(t.client.away, true);
  assert.deepEqual(t.ws().ofType('meta'), [
    {type: 'meta', room: 'a', meta: {color: 'red', away: true}},
    {type: 'meta', room: 'b', meta: {color: 'blue', away: true}}
  ]);

  t.ws().clearSent();
  t.doc.setVisibility('visible');
  assert.equal(t.client.away, false);
  assert.deepEqual(t.ws().ofType('meta'), [
    {type: 'meta', room: 'a', meta: {color: 'red', away: false}},
    {type: 'meta', room: 'b', meta: {color: 'blue', away: false}}
  ]);
});

test('a short look away changes nothing', () => {
  const t = joined();
  t.ws().clearSent();
  t.doc.setVisibility('hidden');
  t.clock.advance(30_000);
  t.doc.setVisibility('visible');
  t.clock.advance(120_000);
  assert.equal(t.ws().ofType('meta').length, 0);
  assert.equal(t.client.away, false);
});

test('away while disconnected goes out with the re-join', () => {
  const t = joined();
  t.ws().serverClose(1006);
  t.doc.setVisibility('hidden');
  t.clock.advance(60_000); // the reconnect fires at 500 ms and fails to open until we say so
  t.ws().serverOpen();
  assert.deepEqual(t.ws().ofType('join'), [{type: 'join', room: 'r1', meta: {color: 'red', away: true}}]);
});

test('a visible tab corrects the away mark a hidden tab of the same user set', () => {
  const t = joined();
  t.ws().serverSend({type: 'state', room: 'r1', self: 'alice', presences: [presence('alice', {away: false})], cursors: []});
  t.ws().clearSent();
  // the user's other tab went away
  t.ws().serverSend({type: 'meta', room: 'r1', presence: presence('alice', {away: true})});
  assert.deepEqual(t.ws().sent, [{type: 'meta', room: 'r1', meta: {color: 'red', away: false}}]);
  // and no argument: our own echo changes nothing
  t.ws().serverSend({type: 'meta', room: 'r1', presence: presence('alice', {color: 'red', away: false})});
  assert.equal(t.ws().sent.length, 1);
  // someone else's away is none of our business
  t.ws().serverSend({type: 'meta', room: 'r1', presence: presence('bob', {away: true})});
  assert.equal(t.ws().sent.length, 1);
});

test('a presence has one meta per tab; from a server without metas, its one meta', () => {
  const t = joined();
  const room = t.rooms[0];
  t.ws().serverSend({
    type: 'state', room: 'r1', self: 'alice', cursors: [],
    presences: [presence('alice'), presence('bob', {away: false}, {connections: 2, joinedAt: 5,
      metas: [{meta: {away: true}, joinedAt: 5}, {meta: {away: false}, joinedAt: 9}, 'junk']})]
  });
  assert.deepEqual(room.presence('bob').metas, [{meta: {away: true}, joinedAt: 5}, {meta: {away: false}, joinedAt: 9}]);
  assert.deepEqual(room.presence('alice').metas, [{meta: {}, joinedAt: 1}]);
  t.ws().serverSend({type: 'meta', room: 'r1', presence: presence('bob', {away: true}, {connections: 2, joinedAt: 5,
    metas: [{meta: {away: true}, joinedAt: 5}, {meta: {away: true}, joinedAt: 9}]})});
  assert.deepEqual(room.presence('bob').metas.map((m) => m.meta.away), [true, true]);
});

test('a server that keeps a meta per tab needs no away correction', () => {
  const t = joined();
  t.ws().serverSend({type: 'state', room: 'r1', self: 'alice', cursors: [],
    presences: [presence('alice', {away: false}, {metas: [{meta: {away: false}, joinedAt: 1}]})]});
  t.ws().clearSent();
  // (a 1.1 server would not say away while this tab is not; if it did, it is its call)
  t.ws().serverSend({type: 'meta', room: 'r1', presence: presence('alice', {away: true}, {connections: 2,
    metas: [{meta: {away: false}, joinedAt: 1}, {meta: {away: true}, joinedAt: 2}]})});
  assert.equal(t.ws().sent.length, 0);
});

test('a large room lists some users and counts them all', () => {
  const t = joined();
  const room = t.rooms[0];
  const seen = record(room, ['count', 'join', 'leave']);
  t.ws().serverSend({type: 'state', room: 'r1', self: 'alice', cursors: [], count: 4210,
    presences: [presence('bob'), presence('alice')]});
  assert.equal(room.count(), 4210);
  assert.equal(room.presences().length, 2);
  t.ws().serverSend({type: 'count', room: 'r1', count: 4212});
  assert.equal(room.count(), 4212);
  t.ws().serverSend({type: 'leave', room: 'r1', id: 'bob'});
  assert.equal(room.count(), 4211);
  t.ws().serverSend({type: 'count', room: 'r1', count: 'many'});
  t.ws().serverSend({type: 'count', room: 'r1', count: -1});
  assert.equal(room.count(), 4211);
  assert.deepEqual(seen.map((s) => s.type), ['count', 'leave']);
  assert.deepEqual(seen[0].args, [4212]);
});

test('a small room counts its presences, also without count from an older server', () => {
  const t = joined();
  const room = t.rooms[0];
  t.ws().serverSend({type: 'state', room: 'r1', self: 'alice', cursors: [], presences: [presence('alice')]});
  assert.equal(room.count(), 1);
  t.ws().serverSend({type: 'join', room: 'r1', presence: presence('bob')});
  assert.equal(room.count(), 2);
  t.ws().serverSend({type: 'leave', room: 'r1', id: 'bob'});
  assert.equal(room.count(), 1);
});

test('a hidden tab does not fight over the away mark', () => {
  const t = joined();
  t.ws().serverSend({type: 'state', room: 'r1', self: 'alice', presences: [presence('alice')], cursors: []});
  t.doc.setVisibility('hidden');
  t.clock.advance(30_000);
  t.ws().serverSend({type: 'pong'});
  t.clock.advance(30_000);
  assert.equal(t.client.away, true);
  t.ws().clearSent();
  t.ws().serverSend({type: 'meta', room: 'r1', presence: presence('alice', {away: false})}); // the other tab
  t.ws().serverSend({type: 'meta', room: 'r1', presence: presence('alice', {away: true})});
  assert.equal(t.ws().ofType('meta').length, 0);
});

test('awayAfter false turns away tracking off', () => {
  const t = joined({awayAfter: false});
  assert.deepEqual(t.ws().ofType('join'), [{type: 'join', room: 'r1', meta: {color: 'red'}}]);
  t.ws().clearSent();
  t.doc.setVisibility('hidden');
  t.clock.advance(600_000);
  t.ws().serverSend({type: 'pong'});
  assert.equal(t.ws().ofType('meta').length, 0);
});

test('join errors belong to the oldest unanswered join (errors carry ref, not the room)', () => {
  const t = setup();
  const [a, b, c] = ['a', 'b', 'c'].map((n) => t.client.join(n));
  const seen = [];
  [a, b, c].forEach((r) => r.on('error', (e) => seen.push(e)));
  t.ws().serverOpen();
  t.ws().serverSend({type: 'error', code: 'forbidden', message: 'you may not join this room', ref: 'join'});
  t.ws().serverSend({type: 'state', room: 'b', self: 'alice', presences: [presence('alice')], cursors: []});
  t.ws().serverSend({type: 'error', code: 'too_many_rooms', message: 'at most 2 rooms', ref: 'join'});
  assert.deepEqual(seen, [
    {code: 'forbidden', message: 'you may not join this room', ref: 'join', room: 'a'},
    {code: 'too_many_rooms', message: 'at most 2 rooms', ref: 'join', room: 'c'}
  ]);
  assert.deepEqual([a.refused, b.refused, c.refused], ['forbidden', null, 'too_many_rooms']);
  assert.equal(b.joined, true);
});

test('other errors reach the room when it is the only one, else the client', () => {
  const t = joined();
  const roomErrors = [];
  const clientErrors = [];
  t.rooms[0].on('error', (e) => roomErrors.push(e));
  t.client.on('error', (e) => clientErrors.push(e));
  t.ws().serverSend({type: 'state', room: 'r1', self: 'alice', presences: [presence('alice')], cursors: []});
  t.ws().serverSend({type: 'error', code: 'bad_cursor', message: 'x and y must be finite numbers within ±1e6', ref: 'cursor'});
  t.ws().serverSend({type: 'error', code: 'bad_json', message: 'not valid JSON'});
  t.ws().serverSend({type: 'error', code: 'unknown_type', message: 'unknown message type "typing"', ref: 'typing'});
  t.client.join('r2');
  t.ws().serverSend({type: 'state', room: 'r2', self: 'alice', presences: [presence('alice')], cursors: []});
  t.ws().serverSend({type: 'error', code: 'meta_too_large', message: 'meta may take at most 1024 bytes as JSON', ref: 'meta'});
  t.ws().serverSend({type: 'error', code: 'not_joined', message: 'not in this room', ref: 'leave', room: 'r1'});
  assert.deepEqual(roomErrors, [
    {code: 'bad_cursor', message: 'x and y must be finite numbers within ±1e6', ref: 'cursor', room: 'r1'},
    {code: 'not_joined', message: 'not in this room', ref: 'leave', room: 'r1'}
  ]);
  assert.deepEqual(clientErrors.map((e) => e.code), ['bad_json', 'unknown_type', 'meta_too_large']);
  assert.equal(t.client.status, 'open');
});

test('joins left unanswered by a rate_limited error are sent again a second later', () => {
  const t = setup();
  const a = t.client.join('a');
  t.client.join('b');
  t.ws().serverOpen();
  t.ws().serverSend({type: 'state', room: 'a', self: 'alice', presences: [presence('alice')], cursors: []});
  t.client.on('error', () => {});
  t.ws().serverSend({type: 'error', code: 'rate_limited', message: 'more than 100 messages a second; some were dropped'});
  t.ws().clearSent();
  t.clock.advance(999);
  assert.equal(t.ws().ofType('join').length, 0);
  t.clock.advance(1);
  assert.deepEqual(t.ws().ofType('join').map((m) => m.room), ['b']);
  assert.equal(a.joined, true);
});

test('a refused join is not repeated on reconnect until the page asks again', () => {
  const t = setup();
  const allowed = t.client.join('open');
  const secret = t.client.join('secret');
  const errors = [];
  secret.on('error', (e) => errors.push(e.code));
  t.ws().serverOpen();
  t.ws().serverSend({type: 'state', room: 'open', self: 'alice', presences: [presence('alice')], cursors: []});
  t.ws().serverSend({type: 'error', code: 'forbidden', message: 'you may not join this room', ref: 'join'});
  assert.deepEqual(errors, ['forbidden']);
  assert.equal(secret.refused, 'forbidden');
  assert.equal(allowed.refused, null);

  t.ws().serverClose(1006);
  t.clock.advance(500);
  t.ws().serverOpen();
  assert.deepEqual(t.ws().ofType('join').map((m) => m.room), ['open']);

  t.ws().clearSent();
  assert.equal(t.client.join('secret'), secret);
  assert.deepEqual(t.ws().ofType('join').map((m) => m.room), ['secret']);
  assert.equal(secret.refused, null);
});

test('not_joined makes the client join again, once', () => {
  const t = joined();
  t.ws().serverSend({type: 'state', room: 'r1', self: 'alice', presences: [presence('alice')], cursors: []});
  t.rooms[0].on('error', () => {});
  t.ws().clearSent();
  t.ws().serverSend({type: 'error', code: 'not_joined', message: 'join the room before setting meta', ref: 'meta'});
  t.ws().serverSend({type: 'error', code: 'not_joined', message: 'join the room before setting meta', ref: 'meta'});
  assert.deepEqual(t.ws().ofType('join').map((m) => m.room), ['r1']);
});

test('errors nobody listens to are warned on the console, not thrown', () => {
  const t = joined();
  const warned = [];
  const original = console.warn;
  console.warn = (m) => warned.push(m);
  try {
    t.ws().serverSend({type: 'error', code: 'too_many_rooms', message: 'at most 16 rooms', ref: 'join'});
  } finally {
    console.warn = original;
  }
  assert.deepEqual(warned, ['online-now: too_many_rooms in room r1: at most 16 rooms']);
});

test('a frame over maxFrameBytes is not sent and the socket stays open', () => {
  const t = joined({maxFrameBytes: 300, maxMetaBytes: 1024});
  const errors = [];
  t.rooms[0].on('error', (e) => errors.push(e));
  t.ws().clearSent();
  t.rooms[0].setMeta({text: 'x'.repeat(400)});
  assert.equal(t.ws().sent.length, 0);
  assert.equal(errors[0].code, 'frame_too_large');
  assert.equal(errors[0].local, true);
  assert.equal(t.client.status, 'open');
});

test('the meta kept for re-joins is a copy, as JSON', () => {
  const t = joined();
  const mine = {color: 'red', tags: ['a'], skip: undefined};
  t.rooms[0].setMeta(mine);
  mine.tags.push('b');
  mine.color = 'blue';
  assert.deepEqual(t.rooms[0].meta, {color: 'red', tags: ['a']});
});

test('an error about a leave is not blamed on the room that is left', () => {
  const t = joined({}, ['a', 'b']);
  t.ws().serverSend({type: 'state', room: 'a', self: 'alice', presences: [presence('alice')], cursors: []});
  t.ws().serverSend({type: 'state', room: 'b', self: 'alice', presences: [presence('alice')], cursors: []});
  const aErrors = [];
  const clientErrors = [];
  t.rooms[0].on('error', (e) => aErrors.push(e));
  t.client.on('error', (e) => clientErrors.push(e));
  t.rooms[1].leave();
  t.ws().clearSent();
  t.ws().serverSend({type: 'error', code: 'not_joined', message: 'not in this room', ref: 'leave'});
  assert.deepEqual(aErrors, []);
  assert.deepEqual(clientErrors.map((e) => e.code), ['not_joined']);
  assert.equal(t.ws().sent.length, 0, 'no re-join of the remaining room');
});
