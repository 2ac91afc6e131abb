// Browser-like load on the live endpoint of a running web app (a benchmark, not a test).
//
// Each client signs in as the example does (POST /login, form field `name`, a session cookie),
// then opens the WebSocket with that cookie and the page's Origin, offering permessage-deflate
// exactly as Chrome does (`permessage-deflate; client_max_window_bits`, every message
// compressed), or nothing with --deflate=off. All clients live in this one Node process, so the
// sender's clock is the receiver's clock: a cursor's x is the time of its move.
//
// Scenarios:
//   cursors  N users in one room, each moving its cursor at H Hz; move -> delivery latency on a
//            sample of receivers, frames and bytes on the wire, server CPU.
//   idle     N connections, each in a room of --room-size users, pinging as the browser client
//            does; server RSS, heap after GC and a class histogram per connection, and how
//            many connections the server dropped.
//
// With --pid (the server JVM), the server is measured: CPU from /proc/PID/stat, RSS from
// /proc/PID/status, heap after `jcmd PID GC.run` from `jcmd PID GC.heap_info`, and
// `jmap -histo:live PID`. Run it through src/bench/live-browser.sh, which starts the server.
//
// node live-load.mjs --base=http://127.0.0.1:PORT/example/ --scenario=cursors --users=200 --hz=20
//      [--seconds=10] [--deflate=on|off] [--sampled=20] [--pid=PID]
// node live-load.mjs --base=... --scenario=idle --users=10000 [--room-size=10] [--hold=10] [--pid=PID]
// node live-load.mjs --base=... --scenario=bigroom --users=10000 [--hold=5] --pid=PID   (one room of N)
//      [--nmt] (the server runs with -XX:NativeMemoryTracking=summary: where RSS goes outside the heap)

import WebSocket from 'ws';
import http from 'node:http';
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';

const args = Object.fromEntries(process.argv.slice(2).map((a) => {
  const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
  if (!m) throw new Error('unknown argument ' + a);
  return [m[1], m[2] ?? 'true'];
}));
const base = new URL(args.base ?? 'http://127.0.0.1:8080/example/');
const scenario = args.scenario ?? 'cursors';
const users = int('users', scenario === 'idle' ? 1000 : 200);
const hz = int('hz', 20);
const seconds = int('seconds', 10);
const deflate = (args.deflate ?? 'on') !== 'off';
const sampled = Math.min(users, int('sampled', 20));
const roomSize = int('room-size', 10);
const hold = int('hold', 10);
const pid = args.pid ? int('pid', 0) : 0;
const warmup = int('warmup', scenario === 'idle' ? 200 : 0);
const prefix = args.prefix ?? 'b' + process.pid + '-';
const wsUrl = new URL('online-now/ws', base);
wsUrl.protocol = base.protocol === 'https:' ? 'wss:' : 'ws:';
const origin = base.origin;
const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
const t0 = performance.now();

function int(name, def) {
  if (args[name] === undefined) return def;
  const n = Number(args[name]);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number, not ${args[name]}`);
  return n;
}

function loadavg() {
  return fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

function log(line) {
  process.stdout.write(line + '\n');
}

// --- the server process ---------------------------------------------------------------------

const CLK_TCK = 100; // getconf CLK_TCK on Linux

function serverCpuSeconds() {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / CLK_TCK; // utime, stime
}

function serverRssKiB() {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m[1]);
}

function jcmd(...cmd) {
  return execFileSync('jcmd', [String(pid), ...cmd], { encoding: 'utf8', maxBuffer: 64 << 20 });
}

/** Heap in use and committed after a full GC, KiB (G1's "garbage-first heap total …K, used …K"). */
function heapAfterGcKiB() {
  jcmd('GC.run');
  const m = /heap\s+total (?:reserved \d+K, committed )?(\d+)K, used (\d+)K/.exec(jcmd('GC.heap_info'));
  if (!m) throw new Error('cannot read GC.heap_info');
  return { used: Number(m[2]), committed: Number(m[1]) };
}

/** With the server started with -XX:NativeMemoryTracking=summary: committed KiB by category. */
function nativeMemory() {
  const out = jcmd('VM.native_memory', 'summary');
  const nmt = new Map();
  for (const m of out.matchAll(/^-\s+([A-Za-z][A-Za-z ]*?) \(reserved=\d+KB, committed=(\d+)KB\)/gm)) {
    nmt.set(m[1], Number(m[2]));
  }
  return nmt;
}

/** jmap -histo:live: class -> {count, bytes}. */
function histogram() {
  const out = execFileSync('jmap', ['-histo:live', String(pid)], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const h = new Map();
  for (const line of out.split('\n')) {
    const m = /^\s*\d+:\s+(\d+)\s+(\d+)\s+(\S+)/.exec(line);
    if (m) h.set(m[3], { count: Number(m[1]), bytes: Number(m[2]) });
  }
  return h;
}

function measureServer() {
  const h = heapAfterGcKiB();
  const rss = serverRssKiB();
  return { heap: h.used, committed: h.committed, rss, histo: histogram(), nmt: args.nmt ? nativeMemory() : null };
}

// --- clients -------------------------------------------------------------------------------

function login(name) {
  const body = 'name=' + encodeURIComponent(name);
  return new Promise((resolve, reject) => {
    const req = http.request(new URL('login', base), {
      method: 'POST', agent,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body) },
    }, (res) => {
      res.resume();
      const cookie = (res.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).find((c) => c.startsWith('JSESSIONID='));
      if (res.statusCode !== 302 || !cookie) reject(new Error(`POST /login as ${name}: ${res.statusCode}, no session`));
      else resolve(cookie);
    });
    req.on('error', reject);
    req.end(body);
  });
}

class Client {
  constructor(i, name, room, onCursors) {
    this.i = i;
    this.name = name;
    this.room = room;
    this.frames = 0;
    this.closed = null;
    this.onCursors = onCursors;
  }

  async open() {
    const cookie = await login(this.name);
    this.ws = new WebSocket(wsUrl, {
      headers: { Cookie: cookie, Origin: origin },
      // Chrome's offer, and Chrome compresses every message (ws's default threshold is 1 KiB);
      // ws queues all of a process's zlib work behind one limit (10), far below 200 browsers
      perMessageDeflate: deflate ? { threshold: 0, concurrencyLimit: 64 } : false,
    });
    this.ws.binaryType = 'nodebuffer';
    await new Promise((resolve, reject) => {
      this.ws.once('open', resolve);
      this.ws.once('error', reject);
      this.ws.once('unexpected-response', (req, res) => reject(new Error('handshake: HTTP ' + res.statusCode)));
    });
    this.extensions = this.ws.extensions;
    this.ws.on('close', (code, reason) => { this.closed = code + ' ' + reason; });
    this.ws.on('error', () => {});
    const state = new Promise((resolve, reject) => {
      this.ws.on('message', (data) => {
        this.frames++;
        if (this.onCursors && data.length > 17 && data.toString('latin1', 0, 17) === '{"type":"cursors"') {
          this.onCursors(data, performance.now());
        } else if (this.frames === 1 || !this.gotState) {
          const text = data.toString();
          if (text.startsWith('{"type":"state"')) {
            this.gotState = true;
            this.pingInterval = JSON.parse(text).pingInterval ?? 30000;
            resolve();
          } else if (text.startsWith('{"type":"error"')) {
            reject(new Error(this.name + ': ' + text));
          }
        }
      });
      this.ws.once('close', (code, reason) => reject(new Error(`${this.name} closed before its state: ${code} ${reason}`)));
    });
    const joinSent = performance.now();
    this.ws.send(JSON.stringify({ type: 'join', room: this.room }));
    await state;
    this.joinMillis = performance.now() - joinSent;
    // the browser client's heartbeat
    this.pinger = setInterval(() => this.ws.readyState === WebSocket.OPEN && this.ws.send('{"type":"ping"}'),
      this.pingInterval);
    return this;
  }

  bytes() {
    const s = this.ws._socket;
    return s ? { read: s.bytesRead, written: s.bytesWritten } : { read: 0, written: 0 };
  }

  close() {
    clearInterval(this.pinger);
    this.ws.terminate();
  }
}

/** Opens n clients, 32 at a time; those that fail are counted and reported, not retried. */
async function openAll(n, make, parallel = 32) {
  const out = [];
  const failed = [];
  let next = 0;
  async function worker() {
    while (next < n) {
      const c = make(next++);
      try {
        out.push(await c.open());
      } catch (e) {
        failed.push(e.message);
        if (c.ws) c.close();
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(parallel, n) }, worker));
  if (failed.length) log(`open: ${failed.length} of ${n} connections failed (first: ${failed[0]})`);
  out.sort((a, b) => a.i - b.i);
  return out;
}

function pct(sorted, p) {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p / 100 * sorted.length) - 1)];
}

function header() {
  log(`live load: ${scenario}, ${users} users, deflate ${deflate ? 'offered (as Chrome)' : 'not offered'}, `
    + `${base.href}, node ${process.version}, load average ${loadavg()}, ${new Date().toISOString()}`);
}

// --- scenarios -----------------------------------------------------------------------------

async function cursors() {
  header();
  const room = 'bench-' + process.pid;
  let latencies = new Float64Array(1 << 20);
  let nLat = 0;
  function record(data, now) {
    const msg = JSON.parse(data.toString());
    for (const c of msg.cursors) {
      if (c.x === undefined) continue;
      if (nLat === latencies.length) {
        const bigger = new Float64Array(latencies.length * 2);
        bigger.set(latencies);
        latencies = bigger;
      }
      latencies[nLat++] = now - t0 - c.x;
    }
  }
  const clients = await openAll(users, (i) => new Client(i, prefix + i, room, i < sampled ? record : null));
  log(`negotiated: ${clients[0].extensions || "(none)"}; ${users} clients in room ${room}, `
    + `${(performance.now() - t0) / 1000 | 0} s to connect`);
  const framesBefore = clients.reduce((s, c) => s + c.frames, 0);
  const bytesBefore = clients.map((c) => c.bytes());
  nLat = 0;
  const cpuBefore = pid ? serverCpuSeconds() : 0;
  const clientCpuBefore = process.cpuUsage();
  // every client moves at hz, spread evenly over the period in 5 ms slices
  const slices = Math.max(1, Math.round(1000 / hz / 5));
  let moves = 0;
  let skipped = 0;
  let done = 0;
  const start = performance.now();
  await new Promise((resolve) => {
    const timer = setInterval(() => {
      const due = Math.floor((performance.now() - start) / 5);
      for (; done < due; done++) {
        for (let i = done % slices; i < clients.length; i += slices) {
          const c = clients[i];
          if (c.ws.bufferedAmount > 65536) { skipped++; continue; }
          const x = (performance.now() - t0).toFixed(3);
          // not compressed (a per-message choice in permessage-deflate): 4,000 tiny deflates a
          // second in this one process would delay the moves themselves; see docs/benchmarks.md
          c.ws.send(`{"type":"cursor","room":"${room}","x":${x},"y":${i}}`, { compress: false });
          moves++;
        }
      }
      if (performance.now() - start >= seconds * 1000) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  const elapsed = (performance.now() - start) / 1000;
  const serverCpu = pid ? (serverCpuSeconds() - cpuBefore) / elapsed : NaN;
  const cpu = process.cpuUsage(clientCpuBefore);
  const clientCpu = (cpu.user + cpu.system) / 1e6 / elapsed;
  await new Promise((r) => setTimeout(r, 1000)); // the last ticks arrive
  const frames = clients.reduce((s, c) => s + c.frames, 0) - framesBefore;
  let read = 0;
  let written = 0;
  clients.forEach((c, i) => {
    const b = c.bytes();
    read += b.read - bytesBefore[i].read;
    written += b.written - bytesBefore[i].written;
  });
  const lat = latencies.slice(0, nLat).sort();
  const dropped = clients.filter((c) => c.closed).length;
  const naive = moves * (clients.length - 1);
  log(`cursors: ${users} users x ${hz} Hz in one room for ${elapsed.toFixed(1)} s: ${moves} moves (${skipped} skipped: `
    + `socket backed up)`);
  log(`cursors: move->delivery p50 ${pct(lat, 50).toFixed(1)} ms, p99 ${pct(lat, 99).toFixed(1)} ms, `
    + `max ${(lat.length ? lat[lat.length - 1] : 0).toFixed(1)} ms (${lat.length} samples on ${sampled} receivers)`);
  log(`cursors: clients got ${frames} frames (${(frames / elapsed).toFixed(0)}/s); a naive relay would send ${naive} `
    + `(${(naive / elapsed).toFixed(0)}/s): ${(naive / Math.max(1, frames)).toFixed(1)}x fewer frames`);
  log(`cursors: on the wire: server->clients ${(read / elapsed / 1e6).toFixed(2)} MB/s `
    + `(${(read / Math.max(1, frames)).toFixed(0)} bytes/frame), clients->server ${(written / elapsed / 1e6).toFixed(2)} MB/s`);
  log(`cursors: CPU: server ${serverCpu.toFixed(2)} cores (${(serverCpu * elapsed * 1e6 / Math.max(1, frames)).toFixed(0)} us `
    + `per frame delivered), this client process ${clientCpu.toFixed(2)} cores; `
    + `${dropped} connections closed; load average ${loadavg()}`);
  clients.forEach((c) => c.close());
}

function top(before, after, n, per) {
  const rows = [];
  for (const [k, v] of after) {
    const b = before.get(k) ?? { count: 0, bytes: 0 };
    rows.push({ k, count: v.count - b.count, bytes: v.bytes - b.bytes });
  }
  rows.sort((a, b) => b.bytes - a.bytes);
  const lines = rows.slice(0, n).map((r) => `  ${(r.bytes / per).toFixed(0).padStart(7)} B ${(r.count / per).toFixed(2).padStart(6)} x  ${r.k}`);
  const ours = rows.filter((r) => r.k.startsWith('dev.onlinenow.'));
  const oursBytes = ours.reduce((s, r) => s + r.bytes, 0);
  return { lines, ours, oursBytes };
}

async function idle() {
  header();
  if (!pid) throw new Error('idle needs --pid (the server JVM)');
  if (warmup > 0) {
    // classes loaded, pools grown, JSPs compiled: then the baseline
    const w = await openAll(warmup, (i) => new Client(i, prefix + 'w' + i, 'warm-' + Math.floor(i / roomSize)));
    w.forEach((c) => c.close());
    await new Promise((r) => setTimeout(r, 2000));
  }
  const before = measureServer();
  log(`server before: heap after GC ${(before.heap / 1024).toFixed(1)} MiB (committed ${(before.committed / 1024).toFixed(1)} MiB), `
    + `RSS ${(before.rss / 1024).toFixed(1)} MiB`);
  const t = performance.now();
  const clients = await openAll(users, (i) => new Client(i, prefix + i, 'room-' + Math.floor(i / roomSize)));
  log(`negotiated: ${clients[0].extensions || "(none)"}; ${clients.length} connections open and joined `
    + `(rooms of ${roomSize}) in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  await new Promise((r) => setTimeout(r, hold * 1000));
  const after = measureServer();
  const dropped = clients.filter((c) => c.closed);
  const per = clients.length;
  log(`server after: heap after GC ${(after.heap / 1024).toFixed(1)} MiB (committed ${(after.committed / 1024).toFixed(1)} MiB), `
    + `RSS ${(after.rss / 1024).toFixed(1)} MiB`);
  log(`idle: per connection: heap ${((after.heap - before.heap) / per).toFixed(1)} KiB, `
    + `RSS ${((after.rss - before.rss) / per).toFixed(1)} KiB; ${dropped.length} of ${per} dropped`
    + (dropped.length ? ` (first: ${dropped[0].closed})` : '') + `; load average ${loadavg()}`);
  if (after.nmt) {
    log('idle: native memory tracking, committed growth per connection:');
    for (const [k, v] of after.nmt) {
      const d = (v - (before.nmt.get(k) ?? 0)) / per;
      if (Math.abs(d) >= 0.1) log(`  ${d.toFixed(1).padStart(7)} KiB  ${k}`);
    }
  }
  const h = top(before.histo, after.histo, 20, per);
  log(`idle: live heap by class, growth per connection (jmap -histo:live), top 20:`);
  h.lines.forEach((l) => log(l));
  log(`idle: dev.onlinenow.* classes: ${(h.oursBytes / per).toFixed(0)} B per connection (shallow):`);
  h.ours.filter((r) => r.bytes > 0).sort((a, b) => b.bytes - a.bytes).slice(0, 15)
    .forEach((r) => log(`  ${(r.bytes / per).toFixed(0).padStart(7)} B ${(r.count / per).toFixed(2).padStart(6)} x  ${r.k}`));
  clients.forEach((c) => c.close());
}

/**
 * --users members join ONE room (32 at a time, each a browser-like client that stays): the
 * joiner's join-to-state time (p50/p99), server CPU per join, heap per member (after GC), and the
 * frames every client received during the fill per join (O(N) each with join/leave for all, O(1)
 * beyond roomListLimit). The server must allow the room: ONLINE_NOW="maxMembersPerRoom=N".
 */
async function bigroom() {
  header();
  if (!pid) throw new Error('bigroom needs --pid (the server JVM)');
  if (warmup > 0) {
    const w = await openAll(warmup, (i) => new Client(i, prefix + 'w' + i, 'warm-big'));
    w.forEach((c) => c.close());
    await new Promise((r) => setTimeout(r, 2000));
  }
  const before = measureServer();
  const cpu0 = serverCpuSeconds();
  const t = performance.now();
  const clients = await openAll(users, (i) => new Client(i, prefix + i, 'big-room'));
  const fillSeconds = (performance.now() - t) / 1000;
  const cpu = serverCpuSeconds() - cpu0;
  await new Promise((r) => setTimeout(r, hold * 1000)); // count frames due, queues drained
  const frames = clients.reduce((n, c) => n + c.frames, 0);
  const after = measureServer();
  const joins = clients.map((c) => c.joinMillis).sort((a, b) => a - b);
  const per = clients.length;
  log(`bigroom: ${per} members in one room in ${fillSeconds.toFixed(1)} s; join-to-state p50 `
    + `${pct(joins, 50).toFixed(1)} ms, p99 ${pct(joins, 99).toFixed(1)} ms, max ${joins[joins.length - 1].toFixed(1)} ms`);
  log(`bigroom: server CPU ${(cpu * 1000 / per).toFixed(2)} ms per join (${cpu.toFixed(1)} s in all); `
    + `frames received ${(frames / per).toFixed(1)} per join (${frames} in all)`);
  log(`bigroom: heap after GC ${((after.heap - before.heap) / per).toFixed(1)} KiB per member, RSS `
    + `${((after.rss - before.rss) / per).toFixed(1)} KiB per member; ${clients.filter((c) => c.closed).length} dropped; `
    + `load average ${loadavg()}`);
  clients.forEach((c) => c.close());
}

try {
  if (scenario === 'cursors') await cursors();
  else if (scenario === 'idle') await idle();
  else if (scenario === 'bigroom') await bigroom();
  else throw new Error('unknown --scenario ' + scenario);
  agent.destroy();
  process.exit(0);
} catch (e) {
  console.error('live load failed: ' + (e.stack ?? e));
  process.exit(1);
}
