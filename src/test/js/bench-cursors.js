'use strict';
/*
 * How much of a frame budget online-now.js spends on others' cursors (not part of the tests):
 *
 *   node src/test/js/bench-cursors.js [movers=20] [seconds=3]
 *
 * Feeds `cursors` frames with `movers` entries (JSON text, as from the socket) through a
 * client with a drawing layer, and runs one animation step per frame, as a busy board would
 * at 20 frames a second. The DOM is the tests' fake, so this measures the client's own work
 * (parsing, bookkeeping, interpolation), not the browser's layout and paint.
 */
const {setup, presence} = require('./fakes.js');

const movers = Number(process.argv[2] || 20);
const seconds = Number(process.argv[3] || 3);

const t = setup();
const room = t.client.join('board');
t.ws().serverOpen();
const people = [presence('me')];
for (let i = 0; i < movers; i++) people.push(presence('user' + i));
t.ws().serverSend({type: 'state', room: 'board', self: 'me', presences: people, cursors: []});
const board = t.doc.createElement('div');
board.rect = {left: 0, top: 0, width: 1200, height: 800};
room.drawCursors(board);

const frames = [];
for (let f = 0; f < 64; f++) {
  const cursors = [];
  for (let i = 0; i < movers; i++) cursors.push({id: 'user' + i, x: Math.random(), y: Math.random()});
  frames.push(JSON.stringify({type: 'cursors', room: 'board', cursors}));
}

const ws = t.ws();
let n = 0;
const end = process.hrtime.bigint() + BigInt(seconds * 1e9);
const start = process.hrtime.bigint();
while (process.hrtime.bigint() < end) {
  for (let k = 0; k < 100; k++) {
    ws.onmessage({data: frames[n++ & 63]});
    t.clock.frame(25); // half a tick later: every cursor is mid-glide
  }
}
const ns = Number(process.hrtime.bigint() - start);
const perFrame = ns / n / 1000;
console.log(`${movers} cursors per frame: ${n} frames in ${(ns / 1e9).toFixed(2)} s, `
  + `${perFrame.toFixed(1)} µs per frame (message + one animation step), `
  + `${(perFrame * 20 / 1000).toFixed(2)} ms per second at 20 frames/s`);
if (board.find('online-now-cursor').length !== movers) throw new Error('not every cursor was drawn');
