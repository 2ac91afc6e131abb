// Load across several servers of the example sharing one Redis (a benchmark, not a test).
// Run it through src/bench/multi-server.sh, which starts Redis and the servers.
//
// Rooms are each hosted on one server: room r's --users members all sign in and connect to server
// r mod N and move their cursors at --hz. The first N rooms also have an observer on the next
// server (a member that does not move): it measures what crosses servers. Joiners on each server
// join and leave that server's observed room at --join-rate joins a second in total.
//
// Phases: idle (--idle seconds: what Redis does with nobody acting, subtracted from the others),
// joins (--join-seconds: joins only, for Redis commands per join), load (--seconds: cursors and
// joins). For each: Redis commands by name (INFO commandstats), Redis CPU (INFO cpu), each
// server's CPU (/proc/PID/stat), and the room messages on the namespace's channels, seen by a
// subscriber of this process (PSUBSCRIBE ns:*), split per server into its own publications, those
// for rooms with a member there, and those for rooms with none; and each server's own meters of
// pub/sub messages received (hosted, not hosted, own, dropped), read over JMX by
// src/bench/jmx/PubSubMeters.java (attach to the pid: same user, no port).
//
// node multi-load.mjs --bases=http://127.0.0.1:P1/example/,... --pids=PID1,... --nodes=ID1,...
//      --redis-port=P --ns=NS [--rooms=30] [--users=5] [--hz=10] [--seconds=30] [--join-rate=10]
//      [--idle=10] [--join-seconds=10] [--joiners=4]

import WebSocket from 'ws';
import http from 'node:http';
import net from 'node:net';
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';

const args = Object.fromEntries(process.argv.slice(2).map((a) => {
  const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
  if (!m) throw new Error('unknown argument ' + a);
  return [m[1], m[2] ?? 'true'];
}));
function int(name, def) {
  if (args[name] === undefined) return def;
  const n = Number(args[name]);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number, not ${args[name]}`);
  return n;
}
const bases = (args.bases ?? '').split(',').filter(Boolean).map((b) => new URL(b));
const pids = (args.pids ?? '').split(',').filter(Boolean).map(Number);
const nodes = (args.nodes ?? '').split(',').filter(Boolean);
const N = bases.length;
if (N < 2 || pids.length !== N || nodes.length !== N) throw new Error('--bases, --pids and --nodes: one per server, at least 2');
const redisPort = int('redis-port', 6379);
const ns = args.ns ?? 'online-now';
const rooms = int('rooms', 30);
const users = int('users', 5);
const hz = int('hz', 10);
const seconds = int('seconds', 30);
const joinRate = int('join-rate', 10);
const idleSeconds = int('idle', 10);
const joinSeconds = int('join-seconds', 10);
const joinersPerServer = int('joiners', 4);
const observed = Math.min(N, rooms);
const prefix = 'm' + process.pid + '-';
const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
const t0 = performance.now();
const now = () => performance.now() - t0;

function log(line) {
  process.stdout.write(line + '\n');
}
function loadavg() {
  return fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// --- Redis: INFO through redis-cli, and a subscriber of our own ----------------------------

function redisCli(...cmd) {
  return execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', String(redisPort), ...cmd], { encoding: 'utf8' });
}

// each server's own pub/sub meters (docs/operations.md), read over JMX by src/bench/jmx/PubSubMeters.java
const metersTool = new URL('../jmx/PubSubMeters.java', import.meta.url).pathname;
function serverMeters() {
  try {
    const out = execFileSync('java', [metersTool, ...pids.map(String)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const byPid = new Map(out.trim().split('\n').map((l) => l.trim().split(/\s+/)).map((f) => [Number(f[0]), f.slice(1)]));
    return pids.map((p) => {
      const f = byPid.get(p);
      return f && f[0] !== 'n/a' ? { hosted: Number(f[0]), notHosted: Number(f[1]), own: Number(f[2]), dropped: Number(f[3]) } : null;
    });
  } catch (e) {
    return pids.map(() => null);
  }
}

function redisStats() {
  const calls = new Map();
  for (const m of redisCli('INFO', 'commandstats').matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls.set(m[1], Number(m[2]));
  const cpu = redisCli('INFO', 'cpu');
  const f = (k) => Number(new RegExp('^' + k + ':([\\d.]+)', 'm').exec(cpu)[1]);
  const stats = redisCli('INFO', 'stats');
  const g = (k) => Number(new RegExp('^' + k + ':(\\d+)', 'm').exec(stats)[1]);
  return {
    calls, cpu: f('used_cpu_sys') + f('used_cpu_user'), at: now(),
    netIn: g('total_net_input_bytes'), netOut: g('total_net_output_bytes'),
  };
}

/** RESP, as much as a subscriber needs: arrays, bulk strings, integers, simple strings. */
function parse(b, i) {
  if (i >= b.length) return null;
  const nl = b.indexOf('\r\n', i);
  if (nl < 0) return null;
  const line = b.toString('latin1', i + 1, nl);
  switch (b[i]) {
    case 0x2a: { // *
      const n = Number(line);
      let p = nl + 2;
      const out = [];
      for (let k = 0; k < n; k++) {
        const r = parse(b, p);
        if (!r) return null;
        out.push(r.value);
        p = r.next;
      }
      return { value: out, next: p };
    }
    case 0x24: { // $
      const n = Number(line);
      if (n < 0) return { value: null, next: nl + 2 };
      const end = nl + 2 + n;
      if (end + 2 > b.length) return null;
      return { value: b.subarray(end - n, end), next: end + 2 };
    }
    case 0x3a: return { value: Number(line), next: nl + 2 };
    default: return { value: line, next: nl + 2 };
  }
}

/** Every message on ns:*: counted by channel, room and publishing node. */
class Tap {
  constructor() {
    this.reset();
  }

  reset() {
    this.byRoomNode = new Map(); // room \u0000 node -> count
    this.messages = 0;
    this.bytes = 0;
    this.channels = new Set();
  }

  start() {
    return new Promise((resolve, reject) => {
      const sock = net.connect(redisPort, '127.0.0.1');
      let buf = Buffer.alloc(0);
      sock.on('error', reject);
      sock.on('data', (d) => {
        buf = buf.length ? Buffer.concat([buf, d]) : d;
        let off = 0;
        for (;;) {
          const r = parse(buf, off);
          if (!r) break;
          off = r.next;
          const v = r.value;
          if (Array.isArray(v) && String(v[0]) === 'psubscribe') resolve();
          else if (Array.isArray(v) && String(v[0]) === 'pmessage') this.message(String(v[2]), v[3]);
        }
        buf = buf.subarray(off);
      });
      const p = ns + ':*';
      sock.write(`*2\r\n$10\r\nPSUBSCRIBE\r\n$${Buffer.byteLength(p)}\r\n${p}\r\n`);
      this.sock = sock;
    });
  }

  message(channel, payload) {
    this.messages++;
    this.bytes += payload.length;
    this.channels.add(channel);
    let room = '?';
    let node = '?';
    try {
      const o = JSON.parse(payload.toString('utf8'));
      node = o.node ?? '?';
      room = o.message?.room ?? o.room ?? '?';
    } catch (e) {
      // not a room message: counted under '?'
    }
    const k = room + '\u0000' + node;
    this.byRoomNode.set(k, (this.byRoomNode.get(k) ?? 0) + 1);
  }
}

// --- clients -------------------------------------------------------------------------------

function login(base, name) {
  const body = 'name=' + encodeURIComponent(name);
  return new Promise((resolve, reject) => {
    const req = http.request(new URL('login', base), {
      method: 'POST', agent,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body) },
    }, (res) => {
      res.resume();
      const cookie = (res.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).find((c) => c.startsWith('JSESSIONID='));
      if (res.statusCode !== 302 || !cookie) reject(new Error(`POST ${base}login as ${name}: ${res.statusCode}, no session`));
      else resolve(cookie);
    });
    req.on('error', reject);
    req.end(body);
  });
}

class Client {
  constructor(server, name, room, onFrame) {
    this.server = server;
    this.name = name;
    this.room = room;
    this.onFrame = onFrame;
    this.closed = null;
    this.states = [];
  }

  async open() {
    const base = bases[this.server];
    const cookie = await login(base, this.name);
    const ws = new URL('online-now/ws', base);
    ws.protocol = 'ws:';
    this.ws = new WebSocket(ws, { headers: { Cookie: cookie, Origin: base.origin }, perMessageDeflate: false });
    await new Promise((resolve, reject) => {
      this.ws.once('open', resolve);
      this.ws.once('error', reject);
      this.ws.once('unexpected-response', (req, res) => reject(new Error('handshake: HTTP ' + res.statusCode)));
    });
    this.ws.on('close', (code, reason) => { this.closed = code + ' ' + reason; });
    this.ws.on('error', () => {});
    this.ws.on('message', (data) => {
      const at = now();
      const head = data.toString('latin1', 0, 24);
      if (head.startsWith('{"type":"state"')) {
        const s = this.states.shift();
        if (s) s(JSON.parse(data.toString()));
      } else if (head.startsWith('{"type":"error"')) {
        log(`${this.name}: ${data.toString()}`);
      } else if (this.onFrame) {
        this.onFrame(data, at);
      }
    });
    this.pinger = setInterval(() => this.ws.readyState === WebSocket.OPEN && this.ws.send('{"type":"ping"}'), 25000);
    if (this.room) await this.join(this.room);
    return this;
  }

  join(room) {
    const state = new Promise((resolve) => this.states.push(resolve));
    this.ws.send(JSON.stringify({ type: 'join', room }));
    return state;
  }

  leave(room) {
    this.ws.send(JSON.stringify({ type: 'leave', room }));
  }

  close() {
    clearInterval(this.pinger);
    this.ws.terminate();
  }
}

async function openAll(list, parallel = 16) {
  const failed = [];
  let next = 0;
  async function worker() {
    while (next < list.length) {
      const c = list[next++];
      try {
        await c.open();
      } catch (e) {
        failed.push(e.message);
        if (c.ws) c.ws.terminate();
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(parallel, list.length) }, worker));
  if (failed.length) throw new Error(`${failed.length} of ${list.length} connections failed (first: ${failed[0]})`);
}

// --- latency samples -----------------------------------------------------------------------

class Samples {
  constructor() { this.v = []; }
  add(ms) { this.v.push(ms); }
  reset() { this.v = []; }
  summary() {
    const s = Float64Array.from(this.v).sort();
    const p = (q) => (s.length ? s[Math.min(s.length - 1, Math.ceil(q / 100 * s.length) - 1)] : NaN);
    return `p50 ${p(50).toFixed(1)} / p99 ${p(99).toFixed(1)} ms (${s.length} samples)`;
  }
}
const lat = {
  cursorSame: new Samples(), cursorCross: new Samples(), joinSame: new Samples(), joinCross: new Samples(),
};
const joinSentAt = new Map(); // joiner name -> time of its latest join

function receiver(kind) { // kind: 'Same' | 'Cross'
  return (data, at) => {
    const text = data.toString();
    if (text.startsWith('{"type":"cursors"')) {
      for (const c of JSON.parse(text).cursors) {
        if (typeof c.x === 'number' && c.x > 1) lat['cursor' + kind].add(at - c.x);
      }
    } else if (text.startsWith('{"type":"join"')) {
      const id = JSON.parse(text).presence?.id;
      const sent = joinSentAt.get(id);
      if (sent !== undefined) lat['join' + kind].add(at - sent);
    }
  };
}

// --- the run -------------------------------------------------------------------------------

const roomName = (r) => 'mr' + r;
const hostOf = (r) => r % N;
const members = []; // moving members
const observers = [];
const joiners = [];
for (let r = 0; r < rooms; r++) {
  for (let u = 0; u < users; u++) {
    members.push(new Client(hostOf(r), `${prefix}r${r}u${u}`, roomName(r), u === 0 ? receiver('Same') : null));
  }
}
for (let r = 0; r < observed; r++) {
  observers.push(new Client((hostOf(r) + 1) % N, `${prefix}r${r}obs`, roomName(r), receiver('Cross')));
}
for (let s = 0; s < N; s++) {
  for (let j = 0; j < joinersPerServer; j++) joiners.push(new Client(s, `${prefix}s${s}j${j}`, null, null));
}
/** Rooms with a member on server s: those it hosts and those it observes. */
const roomsWithMemberOn = Array.from({ length: N }, (_, s) => {
  const set = new Set();
  for (let r = 0; r < rooms; r++) if (hostOf(r) === s) set.add(roomName(r));
  for (let r = 0; r < observed; r++) if ((hostOf(r) + 1) % N === s) set.add(roomName(r));
  return set;
});

function cpuSeconds(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

let joinsDone = 0;
let joinTimer = null;
function startJoins() {
  if (joinRate === 0) return;
  let next = 0;
  const busy = new Set();
  joinTimer = setInterval(() => {
    const j = joiners[next++ % joiners.length];
    if (busy.has(j) || j.closed) return;
    busy.add(j);
    const room = roomName(j.server); // the observed room this server hosts
    joinSentAt.set(j.name, now());
    j.join(room).then(() => {
      joinsDone++;
      j.leave(room);
      busy.delete(j);
    });
  }, 1000 / joinRate);
}
function stopJoins() {
  clearInterval(joinTimer);
}

let moves = 0;
let skipped = 0;
async function moveCursors(ms) {
  const slices = Math.max(1, Math.round(1000 / hz / 5));
  let done = 0;
  const start = performance.now();
  await new Promise((resolve) => {
    const timer = setInterval(() => {
      const due = Math.floor((performance.now() - start) / 5);
      for (; done < due; done++) {
        for (let i = done % slices; i < members.length; i += slices) {
          const c = members[i];
          if (c.ws.bufferedAmount > 65536) { skipped++; continue; }
          c.ws.send(`{"type":"cursor","room":"${c.room}","x":${now().toFixed(3)},"y":${i}}`);
          moves++;
        }
      }
      if (performance.now() - start >= ms) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
}

function delta(before, after) {
  const d = new Map();
  for (const [k, v] of after.calls) {
    const n = v - (before.calls.get(k) ?? 0);
    if (n > 0) d.set(k, n);
  }
  return {
    calls: d, total: [...d.values()].reduce((a, b) => a + b, 0), cpu: after.cpu - before.cpu,
    secs: (after.at - before.at) / 1000, netIn: after.netIn - before.netIn, netOut: after.netOut - before.netOut,
  };
}

function byCommand(d, per, minus) {
  return [...d.calls].map(([k, v]) => [k, (v - (minus?.calls.get(k) ?? 0) * d.secs) / per])
    .filter(([, v]) => Math.abs(v) >= 0.005).sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ');
}

async function measure(name, body) {
  tap.reset();
  const meters0 = serverMeters();
  const cpu0 = pids.map(cpuSeconds);
  const r0 = redisStats();
  const m0 = moves;
  const j0 = joinsDone;
  await body();
  const r1 = redisStats();
  const cpu1 = pids.map(cpuSeconds);
  const meters1 = serverMeters();
  const d = delta(r0, r1);
  const out = {
    name, d, moves: moves - m0, joins: joinsDone - j0,
    serverCpu: cpu1.map((c, i) => (c - cpu0[i]) / d.secs),
    meters: meters1.map((m, i) => (m && meters0[i] ? {
      hosted: m.hosted - meters0[i].hosted, notHosted: m.notHosted - meters0[i].notHosted,
      own: m.own - meters0[i].own, dropped: m.dropped - meters0[i].dropped,
    } : null)),
    tap: { byRoomNode: tap.byRoomNode, messages: tap.messages, bytes: tap.bytes, channels: [...tap.channels] },
  };
  return out;
}

function perSecond(d) { // background: commands a second by name
  return { calls: new Map([...d.calls].map(([k, v]) => [k, v / d.secs])), total: d.total / d.secs, cpu: d.cpu / d.secs };
}

function pubsubReport(m) {
  const secs = m.d.secs;
  log(`  pub/sub: ${(m.tap.messages / secs).toFixed(0)} messages/s on ${m.tap.channels.length} channel(s) `
    + `(${m.tap.channels.slice(0, 3).join(', ')}${m.tap.channels.length > 3 ? ', ...' : ''}), `
    + `${(m.tap.bytes / Math.max(1, m.tap.messages)).toFixed(0)} bytes each`);
  log(`  Redis network (INFO stats): in ${(m.d.netIn / secs / 1e6).toFixed(2)} MB/s, out ${(m.d.netOut / secs / 1e6).toFixed(2)} MB/s `
    + `(out includes this tap's ${(m.tap.bytes / secs / 1e6).toFixed(2)} MB/s of payload)`);
  const numsub = redisCli('PUBSUB', 'NUMSUB', ...m.tap.channels.slice(0, 50)).trim().split('\n');
  log(`  PUBSUB NUMSUB: ${numsub.join(' ')} (this tap is a pattern subscriber, not counted there)`);
  for (let s = 0; s < N; s++) {
    let own = 0; let member = 0; let none = 0;
    for (const [k, v] of m.tap.byRoomNode) {
      const [room, node] = k.split('\u0000');
      if (node === nodes[s]) own += v;
      else if (roomsWithMemberOn[s].has(room)) member += v;
      else none += v;
    }
    const all = own + member + none;
    const mt = m.meters[s];
    const meter = mt
      ? `its meters (onlinenow.redis.pubsub.received): hosted ${(mt.hosted / secs).toFixed(0)}/s, `
        + `not hosted ${(mt.notHosted / secs).toFixed(1)}/s, own ${(mt.own / secs).toFixed(0)}/s, dropped ${mt.dropped}`
      : 'no pub/sub meters in this version';
    if (m.tap.channels.length <= 1) {
      // one channel for everything: every subscriber gets every message
      log(`  server ${s + 1}: receives ${(all / secs).toFixed(0)}/s: its own ${(own / secs).toFixed(0)}/s, `
        + `for rooms with a member there ${(member / secs).toFixed(0)}/s, for rooms with none ${(none / secs).toFixed(0)}/s `
        + `(${(100 * none / Math.max(1, all)).toFixed(0)}%); CPU ${m.serverCpu[s].toFixed(2)} cores; ${meter}`);
    } else {
      // a channel per room: a server gets what its subscriptions carry, which its meters count
      log(`  server ${s + 1}: on the channels of rooms with a member there ${((own + member) / secs).toFixed(0)}/s `
        + `(its own ${(own / secs).toFixed(0)}/s), of rooms with none ${(none / secs).toFixed(0)}/s (the tap's count); `
        + `${meter}; CPU ${m.serverCpu[s].toFixed(2)} cores`);
    }
  }
  const subs = redisCli('CLIENT', 'LIST').split('\n').map((l) => /name=(\S*).*\bsub=(\d+)/.exec(l))
    .filter((x) => x && x[1].startsWith(ns + ':sub:')).map((x) => `${x[1].slice(ns.length + 5, ns.length + 13)}: ${x[2]}`);
  if (subs.length) log(`  channels subscribed per server (CLIENT LIST sub=): ${subs.join(', ')}`);
}

const tap = new Tap();
try {
  log(`multi-server load: ${N} servers, ${rooms} rooms x ${users} users at ${hz} Hz (+ ${observed} observers on the next `
    + `server, ${joiners.length} joiners, ${joinRate} joins/s), namespace ${ns}, node ${process.version}, `
    + `load average ${loadavg()}, ${new Date().toISOString()}`);
  await tap.start();
  await openAll([...members, ...observers, ...joiners]);
  log(`connected: ${members.length + observers.length + joiners.length} sockets in ${(now() / 1000).toFixed(1)} s; `
    + `load average ${loadavg()}`);

  const idle = await measure('idle', () => sleep(idleSeconds * 1000));
  const bg = perSecond(idle.d);
  log(`idle ${idle.d.secs.toFixed(1)} s: Redis ${bg.total.toFixed(1)} commands/s (${byCommand(idle.d, idle.d.secs)}), `
    + `Redis CPU ${(bg.cpu * 100).toFixed(1)}% of a core`);

  startJoins();
  const joins = await measure('joins', () => sleep(joinSeconds * 1000));
  stopJoins();
  await sleep(500);
  const joinCmds = (joins.d.total - bg.total * joins.d.secs) / Math.max(1, joins.joins);
  log(`joins ${joins.d.secs.toFixed(1)} s: ${joins.joins} joins, each followed by a leave; Redis commands per join+leave `
    + `${joinCmds.toFixed(2)} beyond idle (${byCommand(joins.d, Math.max(1, joins.joins), bg)}); Redis CPU `
    + `${((joins.d.cpu / joins.d.secs - bg.cpu) * 1e6 / Math.max(1, joins.joins / joins.d.secs)).toFixed(0)} us per join+leave`);
  log(`joins: join latency, same server ${lat.joinSame.summary()}, cross-server ${lat.joinCross.summary()}`);
  pubsubReport(joins);

  Object.values(lat).forEach((s) => s.reset());
  startJoins();
  const load = await measure('load', () => moveCursors(seconds * 1000));
  stopJoins();
  await sleep(1000);
  const movesPerSec = load.moves / load.d.secs;
  const cursorCmds = (load.d.total - bg.total * load.d.secs - joinCmds * load.joins) / Math.max(1, load.moves);
  log(`load ${load.d.secs.toFixed(1)} s: ${load.moves} cursor moves (${movesPerSec.toFixed(0)}/s, ${skipped} skipped), `
    + `${load.joins} joins`);
  log(`  Redis: ${(load.d.total / load.d.secs).toFixed(0)} commands/s; per cursor move ${cursorCmds.toFixed(2)} `
    + `(after idle and ${joinCmds.toFixed(2)} per join; all commands over moves: ${(load.d.total / Math.max(1, load.moves)).toFixed(2)}): `
    + `${byCommand(load.d, Math.max(1, load.moves))}`);
  log(`  Redis CPU ${(load.d.cpu / load.d.secs * 100).toFixed(1)}% of a core `
    + `(${((load.d.cpu / load.d.secs - bg.cpu) * 1e6 / Math.max(1, movesPerSec)).toFixed(1)} us per cursor move beyond idle)`);
  log(`  cursor move -> delivery: same server ${lat.cursorSame.summary()}, cross-server ${lat.cursorCross.summary()}`);
  log(`  join -> others see it: same server ${lat.joinSame.summary()}, cross-server ${lat.joinCross.summary()}`);
  pubsubReport(load);
  const dropped = [...members, ...observers, ...joiners].filter((c) => c.closed);
  log(`  ${dropped.length} connections closed by the servers${dropped.length ? ' (first: ' + dropped[0].closed + ')' : ''}; `
    + `load average ${loadavg()}`);
  [...members, ...observers, ...joiners].forEach((c) => c.close());
  tap.sock.destroy();
  agent.destroy();
  process.exit(0);
} catch (e) {
  console.error('multi-server load failed: ' + (e.stack ?? e));
  process.exit(1);
}
