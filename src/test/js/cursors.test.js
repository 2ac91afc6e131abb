'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const {OnlineNow, setup, presence} = require('./fakes.js');

function synced(options = {}, cursors = []) {
  const t = setup(options);
  const room = t.client.join('board');
  t.ws().serverOpen();
  t.ws().serverSend({
    type: 'state', room: 'board', self: 'alice',
    presences: [presence('alice'), presence('bob'), presence('carol', {away: true})],
    cursors
  });
  t.ws().clearSent();
  return Object.assign(t, {room});
}

test('moveCursor sends at most one frame per tick, the latest position, only on change', () => {
  const t = synced();
  const {room, clock} = t;
  room.moveCursor(0.1, 0.1);
  assert.deepEqual(t.ws().ofType('cursor'), [{type: 'cursor', room: 'board', x: 0.1, y: 0.1}], 'the first move goes out at once');
  room.moveCursor(0.2, 0.2);
  room.moveCursor(0.3, 0.3);
  clock.advance(49);
  assert.equal(t.ws().ofType('cursor').length, 1);
  clock.advance(1);
  assert.deepEqual(t.ws().ofType('cursor')[1], {type: 'cursor', room: 'board', x: 0.3, y: 0.3}, 'the latest at the tick');

  // unchanged position: nothing
  clock.advance(100);
  room.moveCursor(0.3, 0.3);
  clock.advance(100);
  assert.equal(t.ws().ofType('cursor').length, 2);

  // a second of moves every 5 ms: at most one frame per 50 ms tick
  t.ws().clearSent();
  const start = clock.now();
  const sentAt = [];
  const send = t.ws().send.bind(t.ws());
  t.ws().send = (text) => { sentAt.push(clock.now()); send(text); };
  for (let i = 1; i <= 200; i++) {
    room.moveCursor(i / 1000, 0.5);
    clock.advance(5);
  }
  clock.advance(50);
  const frames = t.ws().ofType('cursor');
  assert.ok(frames.length >= 19 && frames.length <= 21, 'about 20 frames for 1 s, got ' + frames.length);
  for (let i = 1; i < sentAt.length; i++) {
    assert.ok(sentAt[i] - sentAt[i - 1] >= 50, 'frames ' + (i - 1) + ' and ' + i + ' only ' + (sentAt[i] - sentAt[i - 1]) + ' ms apart');
  }
  assert.deepEqual(frames[frames.length - 1], {type: 'cursor', room: 'board', x: 0.2, y: 0.5}, 'the last position arrives');
  assert.ok(clock.now() - start < 1100);
});

test('the tick is an option; invalid coordinates are not sent', () => {
  const t = synced({cursorTick: 100});
  t.room.moveCursor(0.1, 0.1);
  t.room.moveCursor(0.2, 0.2);
  t.clock.advance(99);
  assert.equal(t.ws().ofType('cursor').length, 1);
  t.clock.advance(1);
  assert.equal(t.ws().ofType('cursor').length, 2);
  assert.equal(t.room.moveCursor(NaN, 0), false);
  assert.equal(t.room.moveCursor(0, Infinity), false);
  assert.equal(t.room.moveCursor(2e6, 0), false);
  t.clock.advance(1000);
  assert.equal(t.ws().ofType('cursor').length, 2);
});

test('cursor moves while disconnected are dropped, and the first move after re-join goes out', () => {
  const t = synced();
  t.room.moveCursor(0.5, 0.5);
  t.ws().serverClose(1006);
  t.room.moveCursor(0.6, 0.6);
  t.clock.advance(500);
  t.ws().serverOpen();
  t.clock.advance(100);
  t.room.moveCursor(0.4, 0.4);
  t.clock.advance(100);
  assert.equal(t.ws().ofType('cursor').length, 0, 'no stale move replayed, and none before the state');
  t.ws().serverSend({type: 'state', room: 'board', self: 'alice', presences: [presence('alice')], cursors: []});
  t.room.moveCursor(0.5, 0.5); // same as the last one sent on the old socket: still sent
  assert.deepEqual(t.ws().ofType('cursor'), [{type: 'cursor', room: 'board', x: 0.5, y: 0.5}]);
});

test('trackCursor sends pointer positions normalized to the element (0..1)', () => {
  const t = synced();
  const board = t.doc.createElement('div');
  board.rect = {left: 100, top: 50, width: 400, height: 200};
  const stop = t.room.trackCursor(board);
  board.dispatch('pointermove', {clientX: 300, clientY: 100, pageX: 300, pageY: 900});
  t.clock.advance(50);
  board.scrollLeft = 400; // scrolled content: the position is in the content, not the viewport
  board.rect = {left: 100, top: 50, width: 400, height: 200};
  Object.defineProperty(board, 'scrollWidth', {value: 800});
  board.dispatch('pointermove', {clientX: 100, clientY: 250});
  t.clock.advance(50);
  assert.deepEqual(t.ws().ofType('cursor').map((m) => [m.x, m.y]), [[0.5, 0.25], [0.5, 1]]);
  board.scrollLeft = 200; // scrolling under a still pointer moves the cursor over the content
  board.dispatch('scroll');
  t.clock.advance(50);
  assert.deepEqual(t.ws().ofType('cursor').map((m) => [m.x, m.y])[2], [0.25, 1]);
  board.dispatch('pointerleave');
  board.scrollLeft = 0;
  board.dispatch('scroll');
  t.clock.advance(50);
  assert.equal(t.ws().ofType('cursor').length, 3, 'no pointer over the board: scrolling sends nothing');
  stop();
  assert.equal(board.listenerCount('pointermove'), 0);
  assert.equal(board.listenerCount('pointerleave'), 0);
  assert.equal(board.listenerCount('scroll'), 0);
});

test("trackCursor with coords 'page' sends document pixels", () => {
  const t = synced();
  const board = t.doc.createElement('div');
  t.room.trackCursor(board, {coords: 'page'});
  t.win.pageYOffset = 1000;
  board.dispatch('pointermove', {clientX: 10, clientY: 20, pageX: 10.4, pageY: 1020.6});
  t.win.pageYOffset = 1100;
  t.win.dispatch('scroll');
  t.clock.advance(50);
  assert.deepEqual(t.ws().ofType('cursor').map((m) => [m.x, m.y]), [[10, 1021], [10, 1121]]);
  assert.throws(() => t.room.trackCursor(board, {coords: 'screen'}), /coords/);
});

test('cursors frames update others, ignore own, and gone entries remove', () => {
  const t = synced({}, [{id: 'bob', x: 0.1, y: 0.2}, {id: 'alice', x: 0.9, y: 0.9}]);
  const seen = [];
  t.room.on('cursors', (c) => seen.push(c));
  assert.deepEqual(t.room.cursors(), [{id: 'bob', x: 0.1, y: 0.2}], 'own cursor never shown');
  t.ws().serverSend({type: 'cursors', room: 'board', cursors: [{id: 'bob', x: 0.3, y: 0.4}, {id: 'carol', x: 0, y: 1}, {id: 'alice', x: 0.5, y: 0.5}]});
  assert.deepEqual(t.room.cursors(), [{id: 'bob', x: 0.3, y: 0.4}, {id: 'carol', x: 0, y: 1}]);
  t.ws().serverSend({type: 'cursors', room: 'board', cursors: [{id: 'bob', gone: true}]});
  assert.deepEqual(t.room.cursors(), [{id: 'carol', x: 0, y: 1}]);
  t.ws().serverSend({type: 'leave', room: 'board', id: 'carol'});
  assert.deepEqual(t.room.cursors(), [], 'leave drops the cursor');
  assert.deepEqual(seen, [
    [{id: 'bob', x: 0.3, y: 0.4}, {id: 'carol', x: 0, y: 1}],
    [{id: 'bob', gone: true}],
    [{id: 'carol', gone: true}]
  ]);
});

test('drawCursors draws named, coloured cursors and removes them on gone, leave and disconnect', () => {
  const t = synced({}, [{id: 'bob', x: 0.5, y: 0.5}]);
  const board = t.doc.createElement('div');
  board.rect = {left: 0, top: 0, width: 1000, height: 500};
  const layer = t.room.drawCursors(board);
  assert.equal(board.style.position, 'relative', 'a static container is made a containing block');

  let drawn = board.find('online-now-cursor');
  assert.equal(drawn.length, 1);
  assert.equal(drawn[0].getAttribute('data-id'), 'bob');
  assert.equal(drawn[0].style.transform, 'translate(500.0px, 250.0px)', 'appears where it is');
  assert.equal(drawn[0].style.pointerEvents, 'none');
  const label = board.find('online-now-cursor-label')[0];
  assert.equal(label.textContent, 'Bob');
  assert.equal(label.style.background, OnlineNow.colorFor('bob'));
  assert.equal(label.style.color, '#fff');
  assert.ok(contrast('#ffffff', label.style.background) >= 4.5, 'a readable name');

  t.ws().serverSend({type: 'cursors', room: 'board', cursors: [{id: 'carol', x: 0.1, y: 0.1}]});
  drawn = board.find('online-now-cursor');
  assert.equal(drawn.length, 2);
  assert.equal(drawn[1].style.opacity, '0.45', 'an away user is greyed out');
  assert.equal(drawn[1].getAttribute('data-away'), 'true');

  t.ws().serverSend({type: 'cursors', room: 'board', cursors: [{id: 'bob', gone: true}]});
  assert.deepEqual(board.find('online-now-cursor').map((e) => e.getAttribute('data-id')), ['carol']);
  t.ws().serverSend({type: 'leave', room: 'board', id: 'carol'});
  assert.equal(board.find('online-now-cursor').length, 0);

  t.ws().serverSend({type: 'cursors', room: 'board', cursors: [{id: 'bob', x: 0.2, y: 0.2}]});
  assert.equal(board.find('online-now-cursor').length, 1);
  t.ws().serverClose(1006);
  assert.equal(board.find('online-now-cursor').length, 0, 'no frozen cursors while disconnected');

  t.clock.advance(500);
  t.ws().serverOpen();
  t.ws().serverSend({type: 'state', room: 'board', self: 'alice', presences: [presence('alice'), presence('bob')],
    cursors: [{id: 'bob', x: 0.7, y: 0.7}]});
  assert.deepEqual(board.find('online-now-cursor').map((e) => e.getAttribute('data-id')), ['bob'], 'state restores them');

  layer.destroy();
  assert.equal(board.find('online-now-cursor').length, 0);
  t.ws().serverSend({type: 'cursors', room: 'board', cursors: [{id: 'bob', x: 0.1, y: 0.1}]});
  assert.equal(board.find('online-now-cursor').length, 0, 'a destroyed layer draws nothing');
});

test('cursors are drawn in one overlay that clips them, so they never grow the board they are scaled by', () => {
  const t = synced({}, [{id: 'bob', x: 0.99, y: 0.99}]);
  const board = t.doc.createElement('div');
  board.rect = {left: 0, top: 0, width: 400, height: 300};
  const layer = t.room.drawCursors(board);
  assert.equal(board.children.length, 1, 'only the overlay is a child of the board');
  const overlay = board.children[0];
  assert.equal(overlay.className, 'online-now-cursors');
  assert.deepEqual([overlay.style.position, overlay.style.left, overlay.style.top, overlay.style.width,
    overlay.style.height, overlay.style.overflow, overlay.style.pointerEvents],
  ['absolute', '0', '0', '100%', '100%', 'hidden', 'none']);
  assert.equal(overlay.find('online-now-cursor').length, 1, 'the cursor is inside the overlay');
  layer.destroy();
  assert.equal(board.children.length, 0, 'destroy removes the overlay too');
});

test('drawn cursors glide to the new position over one tick', () => {
  const t = synced({}, [{id: 'bob', x: 0, y: 0}]);
  const board = t.doc.createElement('div');
  board.rect = {left: 0, top: 0, width: 1000, height: 1000};
  board.computedPosition = 'relative';
  t.room.drawCursors(board);
  assert.equal(board.style.position, undefined, 'a positioned container is left alone');
  const el = board.find('online-now-cursor')[0];

  t.ws().serverSend({type: 'cursors', room: 'board', cursors: [{id: 'bob', x: 1, y: 0.5}]});
  t.clock.frame(25);
  assert.equal(el.style.transform, 'translate(500.0px, 250.0px)', 'half way after half a tick');
  t.clock.frame(25);
  assert.equal(el.style.transform, 'translate(1000.0px, 500.0px)', 'there after one tick');
  t.clock.frame(16);
  assert.equal(t.clock.frames.size, 0, 'no animation frames while nothing moves');

  // a new target mid-way starts from where the cursor is drawn, not where it was headed
  t.ws().serverSend({type: 'cursors', room: 'board', cursors: [{id: 'bob', x: 0, y: 0.5}]});
  t.clock.frame(25);
  assert.equal(el.style.transform, 'translate(500.0px, 500.0px)');
  t.ws().serverSend({type: 'cursors', room: 'board', cursors: [{id: 'bob', x: 0.5, y: 0}]});
  t.clock.frame(25);
  assert.equal(el.style.transform, 'translate(500.0px, 250.0px)');
});

test('drawCursors options: label false, custom colour, page coordinates', () => {
  const t = synced({}, [{id: 'bob', x: 120, y: 340}]);
  const overlay = t.doc.createElement('div');
  overlay.rect = {left: 20, top: -60, width: 800, height: 600}; // the page is scrolled down by 100
  t.win.pageYOffset = 100;
  t.room.drawCursors(overlay, {coords: 'page', label: false, color: (id) => (id === 'bob' ? 'rebeccapurple' : null)});
  const el = overlay.find('online-now-cursor')[0];
  assert.equal(overlay.find('online-now-cursor-label').length, 0);
  assert.equal(el.children[0].children[0].getAttribute('fill'), 'rebeccapurple');
  assert.equal(el.style.transform, 'translate(100.0px, 300.0px)');
});

test('names and away in labels follow meta changes', () => {
  const t = synced({}, [{id: 'bob', x: 0, y: 0}]);
  const board = t.doc.createElement('div');
  board.rect = {left: 0, top: 0, width: 100, height: 100};
  t.room.drawCursors(board, {label: (p) => p.name + (p.meta.status ? ' (' + p.meta.status + ')' : '')});
  t.ws().serverSend({type: 'meta', room: 'board', presence: presence('bob', {status: 'drawing', away: true})});
  const el = board.find('online-now-cursor')[0];
  assert.equal(board.find('online-now-cursor-label')[0].textContent, 'Bob (drawing)');
  assert.equal(el.style.opacity, '0.45');
  t.ws().serverSend({type: 'meta', room: 'board', presence: presence('bob', {away: false})});
  assert.equal(el.style.opacity, '1');
  assert.equal(el.getAttribute('data-away'), null);
});

test('leaving a room stops tracking and removes drawn cursors', () => {
  const t = synced({}, [{id: 'bob', x: 0.5, y: 0.5}]);
  const board = t.doc.createElement('div');
  board.rect = {left: 0, top: 0, width: 100, height: 100};
  t.room.trackCursor(board);
  t.room.drawCursors(board);
  t.room.leave();
  assert.equal(board.listenerCount('pointermove'), 0);
  assert.equal(board.find('online-now-cursor').length, 0);
});

test('colorFor is stable and spreads ids over the hue circle', () => {
  // Fixed values: server-side code (the example's Avatars.color) reproduces this function.
  assert.equal(OnlineNow.colorFor('bob'), '#811da5');
  assert.equal(OnlineNow.colorFor('alice'), '#2023b6');
  assert.equal(OnlineNow.colorFor('Zoë'), '#157520');
  const colours = new Set();
  for (let i = 0; i < 100; i++) colours.add(OnlineNow.colorFor('user' + i));
  assert.ok(colours.size >= 70, 'distinct colours: ' + colours.size);
});

/* WCAG 2.2's contrast ratio of two 8-bit sRGB colours written #rrggbb. */
function contrast(a, b) {
  const lum = hex => [1, 3, 5].map(i => parseInt(hex.substr(i, 2), 16) / 255)
    .map(c => (c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4)))
    .reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i], 0);
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

test('white names on colorFor read at 4.5:1 or better (WCAG 2.2, 1.4.3), for every hue', () => {
  const hues = new Set();
  let worst = Infinity;
  for (let i = 0; i < 50000; i++) {
    const id = i % 2 ? 'user' + i : String.fromCodePoint(0x4e00 + (i * 7919) % 5000, 0x61 + i % 26, 0x1f600 + i % 80);
    const colour = OnlineNow.colorFor(id);
    assert.match(colour, /^#[0-9a-f]{6}$/);
    const c = contrast('#ffffff', colour);
    assert.ok(c >= 4.5, id + ' ' + colour + ': ' + c.toFixed(3) + ':1');
    worst = Math.min(worst, c);
  }
  assert.ok(worst < 4.8, 'the rule keeps colours as light as it may: worst ' + worst.toFixed(3));
});
