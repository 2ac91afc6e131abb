'use strict';
/*
 * A smoke run of online-now.js in a real headless Chromium against a scripted WebSocket server
 * (not part of `node --test`; the example web app's browser tests cover the real endpoint):
 *
 *   node src/test/js/browser-smoke.js [path-to-chromium]
 *
 * It checks what the fakes cannot: the file loads as a classic script, finds its context path
 * from its own URL, speaks to a real socket, and measures and draws with real layout and real
 * pointer events. Exits 0 when every check passed, 1 otherwise.
 */
const http = require('node:http');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const {spawn} = require('node:child_process');

const SCRIPT = path.join(__dirname, '../../main/resources/META-INF/resources/online-now/online-now.js');
const chromium = process.argv[2] || process.env.CHROMIUM || 'chromium';

const PAGE = `<!doctype html><html><head><meta charset="utf-8">
<script src="/app/online-now/online-now.js"></script></head>
<body style="margin:0">
<div id="board" style="margin: 40px 0 0 60px; width: 400px; height: 200px; border: 2px solid #ccc"></div>
<script>
  const results = {};
  const board = document.getElementById('board');
  const live = OnlineNow.connect();
  results.url = live.url;
  const room = live.join('board-1', {color: 'teal'});
  room.trackCursor(board);
  room.drawCursors(board);
  room.on('sync', (ps) => {
    results.sync = ps.map((p) => p.name);
    setTimeout(() => {
      const rect = board.getBoundingClientRect();
      board.dispatchEvent(new PointerEvent('pointermove', {clientX: rect.left + 2 + 100, clientY: rect.top + 2 + 150, bubbles: true}));
    }, 10);
  });
  room.on('event', (name) => {
    if (name !== 'check') return;
    requestAnimationFrame(() => requestAnimationFrame(() => {
      const el = board.querySelector('.online-now-cursor');
      results.boardPosition = getComputedStyle(board).position;
      results.cursorTransform = el && el.style.transform;
      results.cursorLabel = el && el.querySelector('.online-now-cursor-label').textContent;
      results.cursorRect = el && (() => { const r = el.getBoundingClientRect(); const b = board.getBoundingClientRect();
        return [Math.round(r.left - b.left - 2), Math.round(r.top - b.top - 2)]; })();
      fetch('/done', {method: 'POST', body: JSON.stringify(results)});
    }));
  });
</script></body></html>`;

function acceptKey(key) {
  return crypto.createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
}

function frame(text) {
  const data = Buffer.from(text);
  const head = data.length < 126 ? Buffer.from([0x81, data.length]) : Buffer.from([0x81, 126, data.length >> 8, data.length & 255]);
  return Buffer.concat([head, data]);
}

/** Reads client frames (masked, text, < 64 KiB) from a buffer; returns [messages, rest]. */
function readFrames(buf) {
  const out = [];
  for (;;) {
    if (buf.length < 2) break;
    let len = buf[1] & 127;
    let off = 2;
    if (len === 126) { if (buf.length < 4) break; len = buf.readUInt16BE(2); off = 4; }
    if (buf.length < off + 4 + len) break;
    const mask = buf.subarray(off, off + 4);
    const payload = Buffer.alloc(len);
    for (let i = 0; i < len; i++) payload[i] = buf[off + 4 + i] ^ mask[i % 4];
    const opcode = buf[0] & 15;
    if (opcode === 1) out.push(JSON.parse(payload.toString()));
    buf = buf.subarray(off + 4 + len);
  }
  return [out, buf];
}

const received = [];
let browser;
const checks = [];
function check(name, ok, detail) {
  checks.push({name, ok});
  console.log((ok ? 'ok   ' : 'FAIL ') + name + (ok ? '' : ' -- ' + JSON.stringify(detail)));
}

const server = http.createServer((req, res) => {
  if (req.url === '/app/page.html') {
    res.writeHead(200, {'content-type': 'text/html'}).end(PAGE);
  } else if (req.url === '/app/online-now/online-now.js') {
    res.writeHead(200, {'content-type': 'text/javascript'}).end(fs.readFileSync(SCRIPT));
  } else if (req.url === '/done') {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      res.end();
      finish(JSON.parse(body));
    });
  } else {
    res.writeHead(404).end();
  }
});

server.on('upgrade', (req, socket) => {
  if (req.url !== '/app/online-now/ws') {
    socket.destroy();
    return;
  }
  socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
    + 'Sec-WebSocket-Accept: ' + acceptKey(req.headers['sec-websocket-key']) + '\r\n\r\n');
  let buf = Buffer.alloc(0);
  socket.on('data', (d) => {
    let msgs;
    [msgs, buf] = readFrames(Buffer.concat([buf, d]));
    msgs.forEach((m) => {
      received.push(m);
      if (m.type === 'join') {
        socket.write(frame(JSON.stringify({type: 'state', room: m.room, self: 'alice',
          presences: [{id: 'alice', name: 'Alice', meta: m.meta, connections: 1, joinedAt: Date.now()},
            {id: 'bob', name: 'Bob', meta: {}, connections: 1, joinedAt: Date.now()}],
          cursors: [{id: 'bob', x: 0.1, y: 0.1}]})));
      } else if (m.type === 'cursor') {
        socket.write(frame(JSON.stringify({type: 'cursors', room: m.room, cursors: [{id: 'bob', x: 0.5, y: 0.25}]})));
        setTimeout(() => socket.write(frame(JSON.stringify({type: 'event', room: m.room, event: 'check', payload: null}))), 300);
      }
    });
  });
  socket.on('error', () => {});
});

function finish(results) {
  check('the script derives its context path from its own URL', /^ws:\/\/127\.0\.0\.1:\d+\/app\/online-now\/ws$/.test(results.url), results.url);
  const join = received.find((m) => m.type === 'join');
  check('join carries the meta and away: false', join && join.meta.color === 'teal' && join.meta.away === false, join);
  check('state becomes a sync with both users', JSON.stringify(results.sync) === '["Alice","Bob"]', results.sync);
  const cursor = received.find((m) => m.type === 'cursor');
  check('a real pointermove is sent normalized to the board (0.25, 0.75)', cursor && cursor.x === 0.25 && cursor.y === 0.75, cursor);
  check('a static board is made position: relative', results.boardPosition === 'relative', results.boardPosition);
  check('bob\'s cursor is drawn with his name', results.cursorLabel === 'Bob', results.cursorLabel);
  check('and glided to (0.5, 0.25) of the board: (200, 50) px', JSON.stringify(results.cursorRect) === '[200,50]', results);
  done(checks.every((c) => c.ok) ? 0 : 1);
}

function done(code) {
  if (browser) browser.kill();
  server.close();
  process.exit(code);
}

server.listen(0, '127.0.0.1', () => {
  const url = 'http://127.0.0.1:' + server.address().port + '/app/page.html';
  const profile = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'online-now-smoke-'));
  browser = spawn(chromium, ['--headless=new', '--no-sandbox', '--disable-gpu', '--user-data-dir=' + profile, url], {stdio: 'ignore'});
  browser.on('error', (e) => { console.error('cannot start ' + chromium + ': ' + e.message); done(2); });
  setTimeout(() => { console.error('FAIL no result from the browser within 30 s'); done(1); }, 30000).unref();
});
