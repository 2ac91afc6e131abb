'use strict';
/*
 * Fakes for the online-now.js unit tests: a clock whose timers run only when a test advances
 * it, a WebSocket the test drives from the server's side, and the little DOM the client
 * touches (visibility, elements, pointer events). No real waiting anywhere.
 */
const path = require('node:path');

const OnlineNow = require(path.join(__dirname, '../../main/resources/META-INF/resources/online-now/online-now.js'));

class FakeClock {
  constructor(start = 1_700_000_000_000) {
    this.t = start;
    this.timers = new Map();
    this.frames = new Map();
    this.seq = 0;
    this.now = () => this.t;
    this.setTimeout = (fn, ms) => {
      const id = ++this.seq;
      this.timers.set(id, {at: this.t + Math.max(0, ms || 0), fn, id});
      return id;
    };
    this.clearTimeout = (id) => { this.timers.delete(id); };
    this.requestAnimationFrame = (fn) => {
      const id = ++this.seq;
      this.frames.set(id, fn);
      return id;
    };
    this.cancelAnimationFrame = (id) => { this.frames.delete(id); };
  }

  /** Moves time forward, running every timer that falls due, in order. */
  advance(ms) {
    const end = this.t + ms;
    for (;;) {
      let next = null;
      for (const timer of this.timers.values()) {
        if (timer.at <= end && (next === null || timer.at < next.at || (timer.at === next.at && timer.id < next.id))) {
          next = timer;
        }
      }
      if (next === null) break;
      this.timers.delete(next.id);
      this.t = next.at;
      next.fn();
    }
    this.t = end;
  }

  /** Runs the animation frames requested so far (after moving time by ms). */
  frame(ms = 16) {
    this.t += ms;
    const due = [...this.frames.values()];
    this.frames.clear();
    due.forEach((fn) => fn(this.t));
  }

  pendingTimers() {
    return this.timers.size;
  }
}

function fakeWebSocketClass() {
  const sockets = [];
  class FakeWebSocket {
    constructor(url) {
      this.url = url;
      this.readyState = 0;
      this.sent = [];
      this.bufferedAmount = 0;
      this.closedWith = null;
      sockets.push(this);
    }

    send(text) {
      if (this.readyState !== 1) throw new Error('InvalidStateError: not open');
      this.sent.push(JSON.parse(text));
    }

    close(code, reason) {
      this.closedWith = {code, reason};
      this.readyState = 2;
    }

    // --- the server's side ---
    serverOpen() {
      this.readyState = 1;
      if (this.onopen) this.onopen({type: 'open'});
    }

    serverSend(msg) {
      if (this.onmessage) this.onmessage({data: typeof msg === 'string' ? msg : JSON.stringify(msg)});
    }

    serverClose(code = 1006, reason = '') {
      this.readyState = 3;
      if (this.onclose) this.onclose({code, reason, wasClean: code !== 1006});
    }

    ofType(type) {
      return this.sent.filter((m) => m.type === type);
    }

    clearSent() {
      this.sent.length = 0;
    }
  }
  FakeWebSocket.sockets = sockets;
  FakeWebSocket.last = () => sockets[sockets.length - 1];
  return FakeWebSocket;
}

class FakeEventTarget {
  constructor() {
    this.listeners = {};
  }

  addEventListener(type, fn) {
    (this.listeners[type] || (this.listeners[type] = [])).push(fn);
  }

  removeEventListener(type, fn) {
    const list = this.listeners[type] || [];
    const i = list.indexOf(fn);
    if (i >= 0) list.splice(i, 1);
  }

  dispatch(type, event = {}) {
    (this.listeners[type] || []).slice().forEach((fn) => fn(Object.assign({type}, event)));
  }

  listenerCount(type) {
    return (this.listeners[type] || []).length;
  }
}

class FakeElement extends FakeEventTarget {
  constructor(tag, doc) {
    super();
    this.tagName = tag.toUpperCase();
    this.ownerDocument = doc;
    this.style = {};
    this.attributes = {};
    this.children = [];
    this.parentNode = null;
    this.textContent = '';
    this.className = '';
    this.rect = {left: 0, top: 0, width: 0, height: 0};
    this.scrollLeft = 0;
    this.scrollTop = 0;
    this.clientLeft = 0;
    this.clientTop = 0;
    this.computedPosition = 'static';
  }

  get scrollWidth() { return this.rect.width; }
  get scrollHeight() { return this.rect.height; }
  get clientWidth() { return this.rect.width; }
  get clientHeight() { return this.rect.height; }

  getBoundingClientRect() {
    return Object.assign({right: this.rect.left + this.rect.width, bottom: this.rect.top + this.rect.height}, this.rect);
  }

  setAttribute(k, v) { this.attributes[k] = String(v); }
  getAttribute(k) { return k in this.attributes ? this.attributes[k] : null; }
  removeAttribute(k) { delete this.attributes[k]; }

  appendChild(child) {
    if (child.parentNode) child.parentNode.removeChild(child);
    child.parentNode = this;
    this.children.push(child);
    return child;
  }

  removeChild(child) {
    const i = this.children.indexOf(child);
    if (i < 0) throw new Error('NotFoundError');
    this.children.splice(i, 1);
    child.parentNode = null;
    return child;
  }

  /** Elements below this one whose class is `cls`. */
  find(cls) {
    const out = [];
    const walk = (el) => el.children.forEach((c) => { if (c.className === cls) out.push(c); walk(c); });
    walk(this);
    return out;
  }
}

class FakeDocument extends FakeEventTarget {
  constructor() {
    super();
    this.visibilityState = 'visible';
    const doc = this;
    this.defaultView = {getComputedStyle: (el) => ({position: el.computedPosition})};
    this.createElement = (tag) => new FakeElement(tag, doc);
    this.createElementNS = (ns, tag) => new FakeElement(tag, doc);
  }

  setVisibility(state) {
    this.visibilityState = state;
    this.dispatch('visibilitychange');
  }
}

/**
 * A client wired to fakes. Returns {client, clock, WS, doc, win, ws()} where ws() is the
 * latest socket. `options` go to OnlineNow.connect (after the fakes).
 */
function setup(options = {}) {
  const clock = new FakeClock();
  const WS = fakeWebSocketClass();
  const doc = new FakeDocument();
  const win = new FakeEventTarget();
  win.pageXOffset = 0;
  win.pageYOffset = 0;
  const client = OnlineNow.connect(Object.assign({
    WebSocket: WS,
    document: doc,
    window: win,
    location: {protocol: 'http:', host: 'example.test:8080', pathname: '/app/whiteboard'},
    contextPath: '/app',
    now: clock.now,
    setTimeout: clock.setTimeout,
    clearTimeout: clock.clearTimeout,
    requestAnimationFrame: clock.requestAnimationFrame,
    cancelAnimationFrame: clock.cancelAnimationFrame,
    random: () => 0 // no jitter unless a test asks for it
  }, options));
  const events = [];
  ['open', 'close', 'reconnect', 'error'].forEach((type) => client.on(type, (e) => events.push({type, e})));
  return {client, clock, WS, doc, win, events, ws: () => WS.last()};
}

function presence(id, meta = {}, extra = {}) {
  return Object.assign({id, name: id.charAt(0).toUpperCase() + id.slice(1), meta, connections: 1, joinedAt: 1}, extra);
}

/** Records the events of an emitter (room or client) as [{type, args}]. */
function record(emitter, types) {
  const seen = [];
  types.forEach((type) => emitter.on(type, (...args) => seen.push({type, args})));
  return seen;
}

module.exports = {OnlineNow, FakeClock, FakeElement, FakeDocument, fakeWebSocketClass, setup, presence, record};
