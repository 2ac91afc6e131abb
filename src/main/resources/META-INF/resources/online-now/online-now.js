/*!
 * online-now.js: the browser client of the online-now live endpoint (WebSocket protocol v1).
 *
 * Load it as a classic script from the library jar (any Servlet 3+ container serves a jar's
 * META-INF/resources as static content):
 *
 *   <script src="${pageContext.request.contextPath}/online-now/online-now.js"></script>
 *   <script>
 *     const live = OnlineNow.connect();
 *     const room = live.join('board-42', {color: 'teal'});
 *     room.on('sync', presences => render(presences));
 *     room.trackCursor(board);
 *     room.drawCursors(board);
 *   </script>
 *
 * The protocol itself is specified in docs/protocol.md; this file is one client of it.
 * No build step, no dependencies: plain ES2017 that runs in current Chromium, Firefox and
 * Safari, and in Node (module.exports) for the unit tests in src/test/js/.
 */
(function (factory) {
  'use strict';
  var api = factory();
  if (typeof module === 'object' && module && module.exports) {
    module.exports = api;
  }
  if (typeof window !== 'undefined') {
    window.OnlineNow = api;
  }
})(function () {
  'use strict';

  var PROTOCOL_VERSION = 1;
  var DEFAULT_PATH = '/online-now/ws';
  var SCRIPT_PATH = '/online-now/online-now.js';
  var OPEN = 1;

  /*
   * Close codes after which reconnecting with the same input cannot help: 1008 (policy:
   * origin, identity, session ended, too many connections, flood, too slow), 1003 (we sent
   * binary) and 1009 (we sent a frame over the server's limit). Some 1008 causes are
   * transient (a slow network, a tab too many), so the client makes exactly one slow retry
   * and then stops for good; see docs/protocol.md, "What a client does on close".
   */
  var FATAL_CLOSE_CODES = [1003, 1008, 1009];

  /*
   * 1008 reasons that no retry can change: the page must first change something (sign the user
   * in, fix its origin or its flood), so the client stops at once and the page may call
   * reconnect(). The other 1008 reasons (too many connections, too slow, server stopping) get
   * the one slow retry.
   */
  var FINAL_POLICY_REASONS = ['origin not allowed', 'no identity', 'session ended', 'rate limit exceeded'];

  /* Errors that refuse a join: the room is not re-joined on reconnect. */
  var JOIN_REFUSALS = ['forbidden', 'too_many_rooms'];

  /* Cursor moves are ephemeral: when this much is already waiting in the socket, drop them. */
  var CURSOR_BACKPRESSURE_BYTES = 64 * 1024;

  /* The server's room name rule: 1 to 200 characters, no control characters. */
  var MAX_ROOM_LENGTH = 200;

  /* After a rate_limited error, unanswered joins may have been dropped: send them again then. */
  var REJOIN_AFTER_RATE_LIMIT = 1000;

  /* Captured while the script runs: the context path the script was served under. */
  var scriptSrc = (typeof document !== 'undefined' && document.currentScript && document.currentScript.src) || null;

  // ---------------------------------------------------------------------------------------
  // small helpers

  function isPlainObject(v) {
    return v !== null && typeof v === 'object' && !Array.isArray(v);
  }

  function assign(target) {
    for (var i = 1; i < arguments.length; i++) {
      var src = arguments[i];
      if (src) {
        for (var k in src) {
          if (Object.prototype.hasOwnProperty.call(src, k)) target[k] = src[k];
        }
      }
    }
    return target;
  }

  var ENCODER = typeof TextEncoder !== 'undefined' ? new TextEncoder() : null;

  function utf8Length(s) {
    return ENCODER ? ENCODER.encode(s).length : unescape(encodeURIComponent(s)).length;
  }

  function reportListenerError(e) {
    /* A page's listener must not break the client's state machine: report, carry on. */
    if (typeof reportError === 'function') {
      reportError(e);
    } else if (typeof console !== 'undefined') {
      console.error('online-now: a listener threw', e);
    }
  }

  /** FNV-1a 32-bit: a stable, well-spread hash of a user id for colours. */
  function hashString(s) {
    var h = 0x811c9dc5;
    for (var i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h >>> 0;
  }

  /*
   * Colours of names. White text on a user's colour must be readable: WCAG 2.2's 4.5:1 for small
   * text (success criterion 1.4.3). The rule, the same in the example's Avatars.java:
   * hue = h mod 360 and step = (h >>> 9) mod 3 from the id's hash h; saturation 70%; lightness
   * min(38 + 6 x step, top - 4 x step) %, where top (at most 50) is the lightest whole percentage
   * at which white on the hue reaches 4.5:1. The colour is the sRGB one, rounded to 8 bits per
   * channel as CSS Color 4's hslToRgb gives it, written #rrggbb so that what is measured is what a
   * browser paints. No contrast this rule computes comes within 1e-9 of 4.5, so engines that
   * differ in the last bit of Math.pow still agree (the Java test checks every hue and lightness).
   */
  var MIN_CONTRAST = 4.5;
  var COLOR_SATURATION = 0.7;

  function hslToRgb(hue, saturation, lightness) {
    var a = saturation * Math.min(lightness, 1 - lightness);
    function channel(n) {
      var k = (n + hue / 30) % 12;
      return Math.round(255 * (lightness - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
    }
    return [channel(0), channel(8), channel(4)];
  }

  function channelLuminance(c8) {
    var c = c8 / 255;
    return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
  }

  /** WCAG contrast ratio of white text on the 8-bit sRGB colour rgb. */
  function contrastWithWhite(rgb) {
    var l = 0.2126 * channelLuminance(rgb[0]) + 0.7152 * channelLuminance(rgb[1]) + 0.0722 * channelLuminance(rgb[2]);
    return 1.05 / (l + 0.05);
  }

  var topLightness = {};

  /* The lightest whole percentage (at most 50) at which white text on the hue reaches 4.5:1. */
  function lightestReadable(hue) {
    var top = topLightness[hue];
    if (top === undefined) {
      top = 50;
      while (contrastWithWhite(hslToRgb(hue, COLOR_SATURATION, top / 100)) < MIN_CONTRAST) top--;
      topLightness[hue] = top;
    }
    return top;
  }

  function hex2(n) {
    return (n < 16 ? '0' : '') + n.toString(16);
  }

  /**
   * The colour online-now gives a user id (#rrggbb): the same id gets the same colour everywhere,
   * and white text on it reads at 4.5:1 or better.
   */
  function colorFor(id) {
    var h = hashString(String(id));
    var hue = h % 360;
    var step = (h >>> 9) % 3; // neighbours in hue still differ in lightness
    var lightness = Math.min(38 + 6 * step, lightestReadable(hue) - 4 * step);
    var rgb = hslToRgb(hue, COLOR_SATURATION, lightness / 100);
    return '#' + hex2(rgb[0]) + hex2(rgb[1]) + hex2(rgb[2]);
  }

  function validRoomName(name) {
    // eslint-disable-next-line no-control-regex
    return typeof name === 'string' && name.length > 0 && name.length <= MAX_ROOM_LENGTH && !/[\u0000-\u001f\u007f-\u009f]/.test(name);
  }

  function round4(n) {
    return Math.round(n * 10000) / 10000;
  }

  function validCoordinate(n) {
    return typeof n === 'number' && isFinite(n) && n >= -1e6 && n <= 1e6;
  }

  function positiveNumber(name, v, allowZero) {
    if (typeof v !== 'number' || !isFinite(v) || v < 0 || (!allowZero && v === 0)) {
      throw new TypeError('online-now: option ' + name + ' must be a ' + (allowZero ? 'non-negative' : 'positive')
        + ' number of milliseconds, not ' + String(v));
    }
    return v;
  }

  // ---------------------------------------------------------------------------------------
  // events

  function Emitter() {
    this._listeners = Object.create(null);
  }

  /**
   * Adds a listener; returns a function that removes it again.
   */
  Emitter.prototype.on = function (type, fn) {
    if (typeof fn !== 'function') throw new TypeError('online-now: on(' + type + ', fn) needs a function');
    (this._listeners[type] || (this._listeners[type] = [])).push(fn);
    var self = this;
    return function () { self.off(type, fn); };
  };

  Emitter.prototype.off = function (type, fn) {
    var list = this._listeners[type];
    if (!list) return;
    var i = list.indexOf(fn);
    if (i >= 0) list.splice(i, 1);
  };

  Emitter.prototype._emit = function (type) {
    var list = this._listeners[type];
    if (!list || list.length === 0) return;
    var args = Array.prototype.slice.call(arguments, 1);
    list.slice().forEach(function (fn) {
      try {
        fn.apply(null, args);
      } catch (e) {
        reportListenerError(e);
      }
    });
  };

  /**
   * Emits an `error` event; when nobody listens, warns on the console instead, so that a
   * refused join or an oversized meta does not go unnoticed during development.
   */
  Emitter.prototype._error = function (err) {
    var list = this._listeners.error;
    if (list && list.length > 0) {
      this._emit('error', err);
    } else if (typeof console !== 'undefined') {
      console.warn('online-now: ' + err.code + (err.room ? ' in room ' + err.room : '') + ': ' + err.message);
    }
  };

  // ---------------------------------------------------------------------------------------
  // environment: globals by default, injectable for tests

  function environment(opts) {
    var g = typeof globalThis !== 'undefined' ? globalThis : {};
    var win = opts.window !== undefined ? opts.window : (typeof window !== 'undefined' ? window : null);
    var doc = opts.document !== undefined ? opts.document : (typeof document !== 'undefined' ? document : null);
    var setT = opts.setTimeout || g.setTimeout.bind(g);
    var clearT = opts.clearTimeout || g.clearTimeout.bind(g);
    var now = opts.now || function () { return Date.now(); };
    var raf = opts.requestAnimationFrame
      || (win && win.requestAnimationFrame ? win.requestAnimationFrame.bind(win) : function (cb) { return setT(function () { cb(now()); }, 16); });
    var caf = opts.cancelAnimationFrame
      || (win && win.cancelAnimationFrame ? win.cancelAnimationFrame.bind(win) : clearT);
    return {
      WebSocket: opts.WebSocket || g.WebSocket,
      window: win,
      document: doc,
      location: opts.location || (win && win.location) || null,
      now: now,
      setTimeout: setT,
      clearTimeout: clearT,
      random: opts.random || Math.random,
      requestAnimationFrame: raf,
      cancelAnimationFrame: caf
    };
  }

  /**
   * The endpoint URL: options.url as given (relative URLs resolve against the page), else
   * ws(s)://host + contextPath + path. Without contextPath, the context path is taken from
   * where this script was loaded (…/online-now/online-now.js), else from nothing ("").
   */
  function endpointUrl(opts, env) {
    var loc = env.location;
    if (opts.url) {
      var url = String(opts.url);
      if (/^wss?:\/\//i.test(url)) return url;
      if (/^https?:\/\//i.test(url)) return url.replace(/^http/i, 'ws');
      if (!loc) throw new TypeError('online-now: a relative url needs a page location: ' + url);
      var scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:';
      if (url.charAt(0) === '/') return scheme + '//' + loc.host + url;
      var dir = loc.pathname.replace(/[^/]*$/, '');
      return scheme + '//' + loc.host + dir + url;
    }
    if (!loc) throw new TypeError('online-now: connect() needs options.url outside a browser page');
    var ctx = opts.contextPath;
    if (ctx == null) {
      ctx = '';
      if (scriptSrc) {
        try {
          var p = new URL(scriptSrc).pathname;
          if (p.slice(-SCRIPT_PATH.length) === SCRIPT_PATH) ctx = p.slice(0, -SCRIPT_PATH.length);
        } catch (ignored) { /* keep "" */ }
      }
    }
    ctx = String(ctx).replace(/\/+$/, '');
    if (ctx && ctx.charAt(0) !== '/') ctx = '/' + ctx;
    var path = opts.path || DEFAULT_PATH;
    if (path.charAt(0) !== '/') path = '/' + path;
    return (loc.protocol === 'https:' ? 'wss:' : 'ws:') + '//' + loc.host + ctx + path;
  }

  // ---------------------------------------------------------------------------------------
  // the client

  var DEFAULTS = {
    pingInterval: 30000,
    awayAfter: 60000,
    cursorTick: 50,
    maxFrameBytes: 16384,
    maxMetaBytes: 1024,
    policyRetry: 30000,
    backoff: {initial: 500, max: 30000, factor: 2, jitter: 0.5, resetAfter: 10000}
  };

  /**
   * A connection to the live endpoint: create it with OnlineNow.connect(options).
   * Events: open ({reconnect}), reconnect ({attempts}), close ({code, reason, willReconnect,
   * retryIn}), error ({code, message, ...}).
   */
  function Client(options) {
    Emitter.call(this);
    var opts = assign({}, DEFAULTS, options || {});
    opts.backoff = assign({}, DEFAULTS.backoff, (options && options.backoff) || {});
    positiveNumber('pingInterval', opts.pingInterval);
    this._pingFromOptions = !!(options && options.pingInterval != null);
    if (opts.awayAfter !== false && opts.awayAfter !== null) positiveNumber('awayAfter', opts.awayAfter, true);
    positiveNumber('cursorTick', opts.cursorTick);
    positiveNumber('backoff.initial', opts.backoff.initial);
    positiveNumber('backoff.max', opts.backoff.max);
    if (opts.policyRetry !== false && opts.policyRetry !== null) positiveNumber('policyRetry', opts.policyRetry, true);
    if (!(opts.backoff.factor >= 1)) throw new TypeError('online-now: option backoff.factor must be >= 1');
    if (!(opts.backoff.jitter >= 0 && opts.backoff.jitter <= 1)) {
      throw new TypeError('online-now: option backoff.jitter must be between 0 and 1');
    }
    this._opts = opts;
    this._env = environment(opts);
    if (typeof this._env.WebSocket !== 'function') {
      throw new TypeError('online-now: this environment has no WebSocket; pass options.WebSocket');
    }
    this.url = endpointUrl(opts, this._env);
    /** Own user id, from the latest `state` (null until the first one). */
    this.self = null;
    /** idle | connecting | open | waiting (to reconnect) | closed (for good) */
    this.status = 'idle';

    this._rooms = new Map();
    this._pendingJoins = []; // rooms whose join this socket has not answered yet, in send order
    this._ws = null;
    this._timers = {};
    this._attempt = 0;          // consecutive connections that did not last
    this._everOpened = false;
    this._policyRetried = false;
    this._openedAt = 0;
    this._lastMessageAt = 0;
    this._lastPingAt = 0;
    this._away = false;
    this._closed = false;
    this._suspended = false;
    this._onlineWanted = false; // online(fn) was called: subscribe on every (re)connect

    var self = this;
    this._onVisibility = function () { self._visibilityChanged(); };
    this._onOnline = function () { self._networkBack(); };
    this._onPageHide = function (ev) { if (ev && ev.persisted) self._suspend(); };
    this._onPageShow = function (ev) { if (ev && ev.persisted) self._resume(); };
    if (this._env.document && this._env.document.addEventListener) {
      this._env.document.addEventListener('visibilitychange', this._onVisibility);
    }
    if (this._env.window && this._env.window.addEventListener) {
      this._env.window.addEventListener('online', this._onOnline);
      this._env.window.addEventListener('pagehide', this._onPageHide);
      this._env.window.addEventListener('pageshow', this._onPageShow);
    }

    var rooms = opts.rooms;
    if (Array.isArray(rooms)) {
      rooms.forEach(function (r) { self.join(r); });
    } else if (isPlainObject(rooms)) {
      Object.keys(rooms).forEach(function (r) { self.join(r, rooms[r]); });
    } else if (rooms != null) {
      throw new TypeError('online-now: option rooms must be an array of names or an object {name: meta}');
    }

    this._visibilityChanged();
    this._connect();
  }
  Client.prototype = Object.create(Emitter.prototype);
  Client.prototype.constructor = Client;

  /** True while the socket is open. */
  Object.defineProperty(Client.prototype, 'connected', {
    get: function () { return this.status === 'open'; }
  });

  /** True while this tab counts as away (hidden for awayAfter ms). */
  Object.defineProperty(Client.prototype, 'away', {
    get: function () { return this._away; }
  });

  /**
   * Enters a room (or returns the Room already joined under that name, replacing its meta
   * when one is given). The join is sent now if the socket is open, else on (re)connect.
   */
  Client.prototype.join = function (name, meta) {
    if (this._closed) throw new Error('online-now: this client is closed; call OnlineNow.connect() again');
    if (!validRoomName(name)) {
      throw new TypeError('online-now: a room name must be a string of 1 to ' + MAX_ROOM_LENGTH
        + ' characters without control characters, not ' + JSON.stringify(String(name)).slice(0, 60));
    }
    var room = this._rooms.get(name);
    if (room) {
      if (meta !== undefined) room._meta = this._checkMeta(meta, name);
      if (room.refused) {
        /* Asked again by the page (e.g. after a permission change): try once more. */
        room.refused = null;
        if (this._isOpen()) room._sendJoin();
      } else if (meta !== undefined) {
        room._sendMeta();
      }
      return room;
    }
    room = new Room(this, name, this._checkMeta(meta === undefined ? {} : meta, name));
    this._rooms.set(name, room);
    if (this._isOpen()) room._sendJoin();
    return room;
  };

  /** The Room joined under this name, or undefined. */
  Client.prototype.room = function (name) {
    return this._rooms.get(name);
  };

  /** All joined rooms. */
  Client.prototype.rooms = function () {
    return Array.from(this._rooms.values());
  };

  /**
   * Who is online, live (protocol 1.1): calls fn with {count, guests, robots, users: [{id, name,
   * lastSeen, hidden?}], record: {count, at}} at once and then whenever it changes (at most once a
   * second), as the server lets this user see it. Subscribes now if the socket is open, else on
   * (re)connect, and again after every reconnect. Returns a function that stops calling fn.
   */
  Client.prototype.online = function (fn) {
    if (this._closed) throw new Error('online-now: this client is closed; call OnlineNow.connect() again');
    var off = this.on('online', fn);
    this._onlineWanted = true;
    if (this._isOpen()) this._send({type: 'online'});
    return off;
  };

  /** Leaves a room (by name or Room); no-op when not joined. */
  Client.prototype.leave = function (room) {
    var name = room instanceof Room ? room.name : room;
    var r = this._rooms.get(name);
    if (!r) return;
    this._rooms.delete(name);
    if (this._isOpen()) this._send({type: 'leave', room: name});
    r._left();
  };

  /**
   * Closes the connection for good (code 1000): no reconnect, no more events after `close`.
   */
  Client.prototype.close = function () {
    if (this._closed) return;
    this._closed = true;
    var ws = this._ws;
    this._clearTimers();
    if (this._env.document && this._env.document.removeEventListener) {
      this._env.document.removeEventListener('visibilitychange', this._onVisibility);
    }
    if (this._env.window && this._env.window.removeEventListener) {
      this._env.window.removeEventListener('online', this._onOnline);
      this._env.window.removeEventListener('pagehide', this._onPageHide);
      this._env.window.removeEventListener('pageshow', this._onPageShow);
    }
    this._rooms.forEach(function (r) { r._left(); });
    this._rooms.clear();
    this._detach();
    if (ws) {
      try { ws.close(1000, 'client closed'); } catch (ignored) { /* already closing */ }
    }
    this.status = 'closed';
    this._emit('close', {code: 1000, reason: 'client closed', willReconnect: false, retryIn: null});
  };

  /**
   * Connects now: cancels a pending reconnect delay, and after the client gave up (a
   * policy close) starts over. Useful after the user signed in again.
   */
  Client.prototype.reconnect = function () {
    if (this._closed) throw new Error('online-now: this client is closed; call OnlineNow.connect() again');
    if (this.status === 'open' || this.status === 'connecting') return;
    this._clearTimer('retry');
    this._policyRetried = false;
    this._suspended = false;
    this._connect();
  };

  // --- connection --------------------------------------------------------------------------

  Client.prototype._isOpen = function () {
    return this.status === 'open' && this._ws && this._ws.readyState === OPEN;
  };

  Client.prototype._connect = function () {
    var self = this;
    var ws;
    this.status = 'connecting';
    try {
      ws = new this._env.WebSocket(this.url);
    } catch (e) {
      /* A malformed URL or a blocked scheme: retrying will not fix it. */
      this._giveUp({code: 'connect_failed', message: String(e && e.message || e)}, {code: 1006, reason: String(e)});
      return;
    }
    this._ws = ws;
    this._wsOpened = false;
    ws.onopen = function () { if (self._ws === ws) self._opened(); };
    ws.onmessage = function (ev) { if (self._ws === ws) self._received(ev.data); };
    ws.onclose = function (ev) { if (self._ws === ws) self._dropped(ev.code, ev.reason, ev.wasClean); };
    ws.onerror = function () { /* a close event follows; nothing to add */ };
  };

  Client.prototype._detach = function () {
    var ws = this._ws;
    if (!ws) return;
    ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
    this._ws = null;
  };

  Client.prototype._opened = function () {
    var now = this._env.now();
    var reconnect = this._everOpened;
    var attempts = this._attempt;
    this.status = 'open';
    this._wsOpened = true;
    this._everOpened = true;
    this._openedAt = now;
    this._lastMessageAt = now;
    this._lastPingAt = now;
    this._pendingJoins = [];
    this._schedulePing();
    this._scheduleWatchdog();
    this._rooms.forEach(function (r) { r._sendJoin(); });
    if (this._onlineWanted) this._send({type: 'online'});
    this._emit('open', {reconnect: reconnect});
    if (reconnect) this._emit('reconnect', {attempts: attempts});
  };

  Client.prototype._dropped = function (code, reason, wasClean) {
    var now = this._env.now();
    var opened = this._wsOpened;
    var lasted = opened && now - this._openedAt >= this._opts.backoff.resetAfter;
    this._teardown();
    if (this._closed) return;

    if (lasted) {
      this._attempt = 0;
      this._policyRetried = false;
    }
    var close = {code: code, reason: reason || '', wasClean: !!wasClean};
    var fatal = FATAL_CLOSE_CODES.indexOf(code) >= 0;
    if (fatal || (this._policyRetried && !lasted)) {
      var policyRetry = this._opts.policyRetry;
      var final = code === 1008 && FINAL_POLICY_REASONS.indexOf(reason || '') >= 0;
      if (fatal && !final && !this._policyRetried && policyRetry !== false && policyRetry !== null) {
        /* One slow retry: "too slow" and "too many connections" can pass; bugs cannot. */
        this._policyRetried = true;
        this._error({code: 'closed_by_server', message: 'the server closed the connection: ' + code
          + (reason ? ' ' + reason : '') + '; retrying once in ' + policyRetry + ' ms', close: code, reason: reason || ''});
        this._waitAndConnect(close, policyRetry);
        return;
      }
      this._giveUp({code: 'closed_by_server', message: 'the server closed the connection: ' + code
        + (reason ? ' ' + reason : '') + '; not reconnecting', close: code, reason: reason || ''}, close);
      return;
    }
    this._waitAndConnect(close, this._backoffDelay());
  };

  /* Forgets the current socket (whose close, if any, is handled by the caller). */
  Client.prototype._teardown = function () {
    this._detach();
    this._clearTimer('ping');
    this._clearTimer('watchdog');
    this._clearTimer('rejoin');
    this._rooms.forEach(function (r) { r._disconnected(); });
  };

  /*
   * The page goes into the back/forward cache: close the socket (an open one would keep the
   * page out of the cache in some browsers, and others would leave the user present while
   * nobody looks), and connect again if the page is shown from the cache.
   */
  Client.prototype._suspend = function () {
    if (this._closed || this.status === 'closed' || this._suspended) return;
    var ws = this._ws;
    this._teardown();
    this._clearTimer('retry');
    if (ws) {
      try { ws.close(1000, 'page hidden'); } catch (ignored) { /* already closing */ }
    }
    this._suspended = true;
    this.status = 'waiting';
    this._emit('close', {code: 1000, reason: 'page hidden', wasClean: true, willReconnect: true, retryIn: null});
  };

  Client.prototype._resume = function () {
    if (!this._suspended || this._closed) return;
    this._suspended = false;
    this._connect();
  };

  Client.prototype._backoffDelay = function () {
    var b = this._opts.backoff;
    var delay = Math.min(b.max, b.initial * Math.pow(b.factor, this._attempt));
    this._attempt++;
    /* "Equal jitter": somewhere in [delay * (1 - jitter), delay], so a server restart is not
       followed by every tab reconnecting in the same millisecond. */
    return Math.round(delay * (1 - b.jitter * this._env.random()));
  };

  Client.prototype._waitAndConnect = function (close, delay) {
    var self = this;
    this.status = 'waiting';
    this._setTimer('retry', delay, function () { self._connect(); });
    this._emit('close', assign(close, {willReconnect: true, retryIn: delay}));
  };

  Client.prototype._giveUp = function (error, close) {
    this.status = 'closed';
    this._clearTimers();
    this._error(error);
    this._emit('close', assign(close, {willReconnect: false, retryIn: null}));
  };

  /* The browser is back online, or the tab is visible again: do not sit out a long delay. */
  Client.prototype._networkBack = function () {
    if (this.status === 'waiting' && !this._policyRetried && !this._suspended) {
      this._clearTimer('retry');
      this._connect();
    }
  };

  // --- heartbeat ---------------------------------------------------------------------------

  Client.prototype._schedulePing = function () {
    var self = this;
    this._setTimer('ping', this._opts.pingInterval, function () {
      self._ping();
      self._schedulePing();
    });
  };

  /*
   * The server says in every `state` how often it expects a ping (its pingInterval setting), so
   * that one server-side setting governs every client; a page that passed its own pingInterval
   * keeps it. Values under a second are ignored as nonsense.
   */
  Client.prototype._adoptPingInterval = function (ms) {
    if (this._pingFromOptions || typeof ms !== 'number' || !(ms >= 1000) || ms === this._opts.pingInterval) return;
    this._opts.pingInterval = ms;
    this._schedulePing();
    this._scheduleWatchdog();
  };

  Client.prototype._ping = function () {
    if (!this._isOpen()) return;
    this._lastPingAt = this._env.now();
    this._send({type: 'ping'});
  };

  /*
   * The socket is dead when nothing arrived for 2 x pingInterval although a ping has been
   * waiting for an answer at least half an interval. The second condition keeps a tab whose
   * timers the browser throttled (hidden tabs) from declaring a healthy socket dead just
   * because its own ping went out late: then the watchdog pings first and looks again.
   */
  Client.prototype._scheduleWatchdog = function () {
    var self = this;
    var interval = this._opts.pingInterval;
    var deadAfter = 2 * interval;
    var now = this._env.now();
    var due = Math.max(this._lastMessageAt + deadAfter, this._lastPingAt + interval / 2) - now;
    this._setTimer('watchdog', Math.max(0, due), function () {
      var t = self._env.now();
      if (!self._isOpen()) return;
      if (t - self._lastMessageAt < deadAfter) {
        self._scheduleWatchdog();
      } else if (self._lastPingAt <= self._lastMessageAt) {
        self._ping();
        self._scheduleWatchdog();
      } else if (t - self._lastPingAt < interval / 2) {
        self._scheduleWatchdog();
      } else {
        self._dead();
      }
    });
  };

  Client.prototype._dead = function () {
    var ws = this._ws;
    /* A dead TCP connection may take minutes to report its close: stop waiting for it. */
    this._detach();
    try { ws.close(4000, 'heartbeat timeout'); } catch (ignored) { /* nothing to close */ }
    this._dropped(1006, 'heartbeat timeout (no message for ' + 2 * this._opts.pingInterval + ' ms)', false);
  };

  // --- incoming ----------------------------------------------------------------------------

  Client.prototype._received = function (data) {
    var now = this._env.now();
    this._lastMessageAt = now;
    if (now - this._lastPingAt >= this._opts.pingInterval) {
      /* Our ping timer is late: browsers throttle timers in hidden tabs (Chrome to once a
         minute after five minutes), but message events still run. Ping from here, or the
         server's heartbeat timeout may drop a healthy, hidden tab. */
      this._ping();
      this._schedulePing();
    }
    var msg;
    try {
      msg = JSON.parse(data);
    } catch (e) {
      this._error({code: 'bad_frame', message: 'the server sent a frame that is not JSON', data: data});
      return;
    }
    if (!isPlainObject(msg) || typeof msg.type !== 'string') {
      this._error({code: 'bad_frame', message: 'the server sent a frame without a type', data: data});
      return;
    }
    try {
      this._dispatch(msg);
    } catch (e) {
      /* A frame we do not understand must not kill the connection or the page. */
      this._error({code: 'bad_frame', message: 'could not handle a ' + msg.type + ' frame: ' + (e && e.message), data: data});
    }
  };

  Client.prototype._dispatch = function (msg) {
    if (msg.type === 'pong') return;
    if (msg.type === 'error') {
      this._serverError(msg);
      return;
    }
    if (msg.type === 'online') {
      this._emit('online', onlineData(msg));
      return;
    }
    if (msg.type === 'state' && typeof msg.room === 'string') this._joinAnswered(msg.room);
    if (msg.type === 'state') this._adoptPingInterval(msg.pingInterval);
    var room = typeof msg.room === 'string' ? this._rooms.get(msg.room) : undefined;
    if (!room) return; // left meanwhile, or a type this version does not know
    switch (msg.type) {
      case 'state': room._onState(msg); break;
      case 'join': room._onJoin(msg.presence); break;
      case 'leave': room._onLeave(msg.id); break;
      case 'meta': room._onMeta(msg.presence); break;
      case 'cursors': room._onCursors(msg.cursors); break;
      case 'count': room._onCount(msg.count); break;
      case 'event': room._emit('event', msg.event, msg.payload, msg); break;
      default: /* unknown types are ignored: later protocol versions may add some */
    }
  };

  /*
   * Error frames carry `ref`, the type of the refused message, and no room. The server answers
   * a connection's messages in order and every join with exactly one `state` or `error`, so a
   * join error belongs to the oldest unanswered join. A meta or cursor error belongs to a room
   * when the frame names it or this client is in one room only; the rest go to the client.
   */
  Client.prototype._serverError = function (msg) {
    var err = {
      code: typeof msg.code === 'string' ? msg.code : 'unknown',
      message: typeof msg.message === 'string' ? msg.message : ''
    };
    if (msg.ref !== undefined) err.ref = msg.ref;
    var roomName = typeof msg.room === 'string' ? msg.room : null;
    if (msg.ref === 'join') {
      if (roomName === null) roomName = this._pendingJoins.length > 0 ? this._pendingJoins[0] : null;
      if (roomName !== null) this._joinAnswered(roomName);
    } else if (roomName === null && (msg.ref === 'meta' || msg.ref === 'cursor') && this._rooms.size === 1) {
      /* (not `leave`: the room it is about has already been forgotten here) */
      roomName = this._rooms.keys().next().value;
    }
    if (err.code === 'rate_limited' && this._pendingJoins.length > 0) {
      var self = this;
      this._setTimer('rejoin', REJOIN_AFTER_RATE_LIMIT, function () {
        self._pendingJoins.slice().forEach(function (name) {
          var r = self._rooms.get(name);
          self._joinAnswered(name);
          if (r && !r.joined && !r.refused) r._sendJoin();
        });
      });
    }
    if (roomName !== null) err.room = roomName;
    var room = roomName !== null ? this._rooms.get(roomName) : undefined;
    if (room) {
      room._serverError(err);
    } else {
      this._error(err);
    }
  };

  Client.prototype._joinAnswered = function (roomName) {
    var i = this._pendingJoins.indexOf(roomName);
    if (i >= 0) this._pendingJoins.splice(i, 1);
  };

  // --- outgoing ----------------------------------------------------------------------------

  /** Sends one frame when the socket is open; false when it was not sent. */
  Client.prototype._send = function (msg, room) {
    if (!this._isOpen()) return false;
    var text = JSON.stringify(msg);
    // a UTF-16 unit is at most 3 UTF-8 bytes: cursor and ping frames never need measuring
    if (text.length * 3 > this._opts.maxFrameBytes && utf8Length(text) > this._opts.maxFrameBytes) {
      /* The server would close the socket with 1009; refuse here and keep the connection. */
      var err = {code: 'frame_too_large', message: 'not sent: a ' + msg.type + ' frame of more than '
        + this._opts.maxFrameBytes + ' bytes', local: true};
      if (room) room._error(assign({room: room.name}, err));
      else this._error(err);
      return false;
    }
    try {
      this._ws.send(text);
      return true;
    } catch (e) {
      return false; // closing under us: the close event follows
    }
  };

  Client.prototype._checkMeta = function (meta, roomName) {
    if (!isPlainObject(meta)) {
      throw new TypeError('online-now: meta for room ' + roomName + ' must be a plain object, not ' + String(meta));
    }
    /* A deep copy as JSON: what is kept is what is sent, and later changes by the page to its
       own object do not leak into the next re-join unnoticed. */
    var copy = JSON.parse(JSON.stringify(meta));
    var effective = this._awayTracked() ? assign({}, copy, {away: true}) : copy;
    var bytes = utf8Length(JSON.stringify(effective));
    if (bytes > this._opts.maxMetaBytes) {
      throw new RangeError('online-now: meta for room ' + roomName + ' is ' + bytes + ' bytes as JSON'
        + (this._awayTracked() ? ' (with away)' : '') + '; the limit is ' + this._opts.maxMetaBytes);
    }
    return copy;
  };

  // --- away --------------------------------------------------------------------------------

  Client.prototype._awayTracked = function () {
    return this._opts.awayAfter !== false && this._opts.awayAfter !== null && !!this._env.document;
  };

  Client.prototype._visible = function () {
    var doc = this._env.document;
    return !doc || doc.visibilityState !== 'hidden';
  };

  Client.prototype._visibilityChanged = function () {
    if (this._closed) return;
    var self = this;
    if (this._visible()) {
      this._clearTimer('away');
      this._setAway(false);
      if (this.status === 'open') this._ping(); // timers may have slept; check the socket now
      this._networkBack();
    } else if (this._awayTracked() && !this._away && !this._timers.away) {
      this._setTimer('away', this._opts.awayAfter, function () {
        if (!self._visible()) self._setAway(true);
      });
    }
  };

  Client.prototype._setAway = function (away) {
    if (!this._awayTracked() || this._away === away) return;
    this._away = away;
    this._rooms.forEach(function (r) { r._sendMeta(); });
  };

  // --- timers ------------------------------------------------------------------------------

  Client.prototype._setTimer = function (name, delay, fn) {
    var self = this;
    this._clearTimer(name);
    this._timers[name] = this._env.setTimeout(function () {
      delete self._timers[name];
      fn();
    }, delay);
  };

  Client.prototype._clearTimer = function (name) {
    if (this._timers[name] !== undefined) {
      this._env.clearTimeout(this._timers[name]);
      delete this._timers[name];
    }
  };

  Client.prototype._clearTimers = function () {
    var self = this;
    Object.keys(this._timers).forEach(function (n) { self._clearTimer(n); });
  };

  // ---------------------------------------------------------------------------------------
  // rooms

  /**
   * One joined room. Events: sync (presences, {initial}), join (presence), leave (presence),
   * meta (presence, previous), count (n: a large room's count changed), event (name, payload),
   * cursors (entries), error ({code, message}).
   */
  function Room(client, name, meta) {
    Emitter.call(this);
    this.client = client;
    this.name = name;
    /** Own user id in this room, from the latest `state`. */
    this.self = null;
    /** True between this socket's `state` for the room and the socket's end. */
    this.joined = false;
    /** The error code that refused the join (forbidden, too_many_rooms), else null. */
    this.refused = null;
    this._meta = meta;
    this._presences = new Map();
    this._count = 0;
    this._cursors = new Map();
    this._synced = false;
    this._joinSent = false;
    this._rejoinedAfterNotJoined = false;
    this._layers = [];
    this._trackers = [];
    this._cursorOut = {pending: null, last: null, lastAt: -Infinity, timer: null};
  }
  Room.prototype = Object.create(Emitter.prototype);
  Room.prototype.constructor = Room;

  /** A copy of the meta this client set for the room (without `away`). */
  Object.defineProperty(Room.prototype, 'meta', {
    get: function () { return assign({}, this._meta); }
  });

  /** The users in the room, in the order they were first seen. */
  Room.prototype.presences = function () {
    return Array.from(this._presences.values());
  };

  /**
   * How many users are in the room: presences().length, unless the room has more users than the
   * server lists (roomListLimit); then the server's exact count, updated at most once a second.
   */
  Room.prototype.count = function () {
    return Math.max(this._count, this._presences.size);
  };

  /** One user's presence, or undefined. */
  Room.prototype.presence = function (id) {
    return this._presences.get(id);
  };

  /** Others' cursors: [{id, x, y}]. */
  Room.prototype.cursors = function () {
    return Array.from(this._cursors.values()).map(function (c) { return {id: c.id, x: c.x, y: c.y}; });
  };

  /** Replaces this user's meta in the room (away is added by the client). */
  Room.prototype.setMeta = function (meta) {
    this._meta = this.client._checkMeta(meta, this.name);
    this._sendMeta();
  };

  /** Leaves the room. */
  Room.prototype.leave = function () {
    this.client.leave(this);
  };

  Room.prototype._effectiveMeta = function () {
    var meta = assign({}, this._meta);
    if (this.client._awayTracked()) meta.away = this.client._away;
    return meta;
  };

  Room.prototype._sendJoin = function () {
    if (this.refused) return;
    this._joinSent = this.client._send({type: 'join', room: this.name, meta: this._effectiveMeta()}, this);
    if (this._joinSent) this.client._pendingJoins.push(this.name);
  };

  Room.prototype._sendMeta = function () {
    if (this._joinSent && !this.refused) {
      this.client._send({type: 'meta', room: this.name, meta: this._effectiveMeta()}, this);
    }
  };

  // incoming

  Room.prototype._onState = function (msg) {
    var self = this;
    var initial = !this._synced;
    var before = this._presences;
    var after = new Map();
    (Array.isArray(msg.presences) ? msg.presences : []).forEach(function (p) {
      if (p && typeof p.id === 'string') after.set(p.id, normalizePresence(p));
    });
    this.self = typeof msg.self === 'string' ? msg.self : this.self;
    this.client.self = this.self;
    this._presences = after;
    this._count = typeof msg.count === 'number' && msg.count >= after.size ? msg.count : after.size;
    this.joined = true;
    this._synced = true;
    this._rejoinedAfterNotJoined = false;

    this._cursors.clear();
    (Array.isArray(msg.cursors) ? msg.cursors : []).forEach(function (c) {
      if (c && typeof c.id === 'string' && c.id !== self.self && !c.gone && validCoordinate(c.x) && validCoordinate(c.y)) {
        self._cursors.set(c.id, {id: c.id, x: c.x, y: c.y});
      }
    });
    this._layers.forEach(function (l) { l._reset(); });

    this._emit('sync', this.presences(), {initial: initial});
    if (!initial) {
      /* After a reconnect, tell join/leave listeners what changed while we were away. */
      before.forEach(function (p, id) { if (!after.has(id)) self._emit('leave', p); });
      after.forEach(function (p, id) { if (!before.has(id)) self._emit('join', p); });
    }
    this._correctAway(after.get(this.self));
  };

  Room.prototype._onJoin = function (presence) {
    if (!this._synced || !presence || typeof presence.id !== 'string') return;
    // a join of someone already here (a missed leave, a reconnect's diff) is a meta change
    if (this._presences.has(presence.id)) return this._onMeta(presence);
    var p = normalizePresence(presence);
    this._presences.set(p.id, p);
    this._count = Math.max(this._count + 1, this._presences.size);
    this._emit('join', p);
    this._layers.forEach(function (l) { l._presenceChanged(p); });
  };

  Room.prototype._onLeave = function (id) {
    if (!this._synced || typeof id !== 'string') return;
    var p = this._presences.get(id);
    this._presences.delete(id);
    this._dropCursor(id);
    if (p) {
      this._count = Math.max(this._count - 1, this._presences.size);
      this._emit('leave', p);
    }
  };

  /* A large room's count (protocol 1.1): its users beyond roomListLimit are counted, not listed. */
  Room.prototype._onCount = function (n) {
    if (!this._synced || typeof n !== 'number' || !(n >= 0) || n === this._count) return;
    this._count = Math.max(Math.floor(n), this._presences.size);
    this._emit('count', this._count);
  };

  Room.prototype._onMeta = function (presence) {
    if (!this._synced || !presence || typeof presence.id !== 'string') return;
    var p = normalizePresence(presence);
    var previous = this._presences.get(p.id);
    this._presences.set(p.id, p);
    this._emit('meta', p, previous);
    this._layers.forEach(function (l) { l._presenceChanged(p); });
    if (p.id === this.self) this._correctAway(p);
  };

  /*
   * Several tabs of one user are one presence. A server of protocol 1.1 keeps one meta per tab
   * (`metas`) and shows the user away only while every tab is: nothing to do. An older server
   * keeps one meta: when a hidden tab marked the user away while this tab is visible, the user
   * is not away: say so again. Only visible tabs correct, and only towards away=false, so tabs
   * cannot argue in a loop.
   */
  Room.prototype._correctAway = function (own) {
    var client = this.client;
    if (own && !own._tabs && own.meta && own.meta.away === true && client._awayTracked() && !client._away && client._visible()) {
      this._sendMeta();
    }
  };

  Room.prototype._onCursors = function (entries) {
    if (!this._synced || !Array.isArray(entries)) return;
    var self = this;
    var changed = [];
    entries.forEach(function (c) {
      if (!c || typeof c.id !== 'string' || c.id === self.self) return;
      if (c.gone) {
        if (self._cursors.delete(c.id)) changed.push({id: c.id, gone: true});
      } else if (validCoordinate(c.x) && validCoordinate(c.y)) {
        self._cursors.set(c.id, {id: c.id, x: c.x, y: c.y});
        changed.push({id: c.id, x: c.x, y: c.y});
      }
    });
    if (changed.length === 0) return;
    this._layers.forEach(function (l) { l._update(changed); });
    this._emit('cursors', changed);
  };

  Room.prototype._dropCursor = function (id) {
    if (this._cursors.delete(id)) {
      this._layers.forEach(function (l) { l._update([{id: id, gone: true}]); });
      this._emit('cursors', [{id: id, gone: true}]);
    }
  };

  Room.prototype._serverError = function (err) {
    if (JOIN_REFUSALS.indexOf(err.code) >= 0 && !this.joined) {
      /* The server refused the join itself: asking again on every reconnect would not help. */
      this.refused = err.code;
      this._joinSent = false;
    } else if (err.code === 'not_joined' && this.client._rooms.get(this.name) === this
        && !this.refused && !this._rejoinedAfterNotJoined) {
      /* The server forgot us (e.g. it dropped the room); join again, once. */
      this._rejoinedAfterNotJoined = true;
      this.joined = false;
      this._sendJoin();
    }
    this._error(err);
  };

  Room.prototype._disconnected = function () {
    this.joined = false;
    this._joinSent = false;
    var out = this._cursorOut;
    if (out.timer !== null) {
      this.client._env.clearTimeout(out.timer);
      out.timer = null;
    }
    out.pending = null;
    out.last = null;
    /* Cursors are ephemeral: drop them rather than show frozen ones; the next state restores. */
    if (this._cursors.size > 0) {
      var gone = Array.from(this._cursors.keys()).map(function (id) { return {id: id, gone: true}; });
      this._cursors.clear();
      this._layers.forEach(function (l) { l._update(gone); });
      this._emit('cursors', gone);
    }
  };

  Room.prototype._left = function () {
    this._disconnected();
    this._trackers.slice().forEach(function (stop) { stop(); });
    this._layers.slice().forEach(function (l) { l.destroy(); });
    this.joined = false;
  };

  // outgoing cursor

  /**
   * Moves this user's cursor to (x, y): finite numbers in [-1e6, 1e6], by convention 0..1
   * relative to the shared surface. Throttled to one frame per tick, sent only on change.
   * Returns false when the values are not valid coordinates.
   */
  Room.prototype.moveCursor = function (x, y, tick) {
    if (!validCoordinate(x) || !validCoordinate(y)) return false;
    var out = this._cursorOut;
    var t = tick || this.client._opts.cursorTick;
    out.pending = {x: x, y: y};
    if (out.timer !== null) return true;
    var now = this.client._env.now();
    var wait = out.lastAt + t - now;
    if (wait <= 0) {
      this._flushCursor();
    } else {
      var self = this;
      out.timer = this.client._env.setTimeout(function () {
        out.timer = null;
        self._flushCursor();
      }, wait);
    }
    return true;
  };

  Room.prototype._flushCursor = function () {
    var out = this._cursorOut;
    var p = out.pending;
    out.pending = null;
    if (!p || !this.joined) return; // not before `state`: a refused join would make it an error
    if (out.last && out.last.x === p.x && out.last.y === p.y) return;
    var ws = this.client._ws;
    if (ws && ws.bufferedAmount > CURSOR_BACKPRESSURE_BYTES) return;
    if (this.client._send({type: 'cursor', room: this.name, x: p.x, y: p.y}, this)) {
      out.last = p;
      out.lastAt = this.client._env.now();
    }
  };

  /**
   * Sends this user's pointer over `element` as cursor moves. options.coords: 'element'
   * (default; 0..1 across the element's scrollable content box, so different window sizes
   * map onto each other) or 'page' (CSS pixels of the document). options.tick: ms between
   * frames (default cursorTick, 50). Returns a function that stops tracking.
   */
  Room.prototype.trackCursor = function (element, options) {
    if (!element || typeof element.addEventListener !== 'function') {
      throw new TypeError('online-now: trackCursor(element) needs a DOM element');
    }
    var opts = options || {};
    var coords = opts.coords || 'element';
    if (coords !== 'element' && coords !== 'page') {
      throw new TypeError("online-now: trackCursor coords must be 'element' or 'page', not " + coords);
    }
    var tick = opts.tick === undefined ? this.client._opts.cursorTick : positiveNumber('tick', opts.tick);
    var room = this;
    var win = this.client._env.window;
    var last = null; // the pointer over the element: {clientX, clientY, pageX, pageY, sx, sy}
    var send = function () {
      var x, y;
      if (coords === 'page') {
        /* pageX moves with the page's scroll even when the pointer does not */
        x = Math.round(last.pageX + ((win && win.pageXOffset) || 0) - last.sx);
        y = Math.round(last.pageY + ((win && win.pageYOffset) || 0) - last.sy);
      } else {
        var rect = element.getBoundingClientRect();
        var w = element.scrollWidth || rect.width;
        var h = element.scrollHeight || rect.height;
        if (!(w > 0) || !(h > 0)) return; // not laid out (display: none)
        x = round4((last.clientX - rect.left - (element.clientLeft || 0) + (element.scrollLeft || 0)) / w);
        y = round4((last.clientY - rect.top - (element.clientTop || 0) + (element.scrollTop || 0)) / h);
      }
      room.moveCursor(x, y, tick);
    };
    var onMove = function (ev) {
      last = {clientX: ev.clientX, clientY: ev.clientY, pageX: ev.pageX, pageY: ev.pageY,
        sx: (win && win.pageXOffset) || 0, sy: (win && win.pageYOffset) || 0};
      send();
    };
    var onLeave = function () { last = null; };
    /* Scrolling moves the content under a still pointer: that is a move too. */
    var onScroll = function () { if (last) send(); };
    var scroller = coords === 'page' ? win : element;
    element.addEventListener('pointermove', onMove, {passive: true});
    element.addEventListener('pointerleave', onLeave, {passive: true});
    if (scroller && scroller.addEventListener) scroller.addEventListener('scroll', onScroll, {passive: true});
    var stop = function () {
      element.removeEventListener('pointermove', onMove, {passive: true});
      element.removeEventListener('pointerleave', onLeave, {passive: true});
      if (scroller && scroller.removeEventListener) scroller.removeEventListener('scroll', onScroll, {passive: true});
      var i = room._trackers.indexOf(stop);
      if (i >= 0) room._trackers.splice(i, 1);
    };
    this._trackers.push(stop);
    return stop;
  };

  /**
   * Draws others' cursors inside `container` (made position: relative when it is static):
   * an arrow and a name label in the user's colour, gliding to each new position over one
   * tick. options: coords ('element' | 'page', as in trackCursor), color (fn(id, presence)
   * → CSS colour), label (fn(presence) → text, or false for no label), duration (ms, default
   * the cursor tick). Returns {destroy()}.
   */
  Room.prototype.drawCursors = function (container, options) {
    if (!container || typeof container.appendChild !== 'function') {
      throw new TypeError('online-now: drawCursors(container) needs a DOM element');
    }
    var layer = new CursorLayer(this, container, options || {});
    this._layers.push(layer);
    return layer;
  };

  /*
   * A presence as the app sees it: `meta` always an object, `metas` always an array of
   * {meta, joinedAt}, one per tab of the user (protocol 1.1; from a server that does not send
   * them, the one meta). `_tabs` (not enumerable) says whether the server sent them.
   */
  function normalizePresence(p) {
    var out = assign({}, p);
    out.meta = isPlainObject(p.meta) ? p.meta : {};
    if (typeof out.name !== 'string') out.name = p.id;
    var tabs = Array.isArray(p.metas);
    out.metas = tabs
      ? p.metas.filter(isPlainObject).map(function (m) {
        return {meta: isPlainObject(m.meta) ? m.meta : {}, joinedAt: typeof m.joinedAt === 'number' ? m.joinedAt : p.joinedAt};
      })
      : [{meta: out.meta, joinedAt: p.joinedAt}];
    Object.defineProperty(out, '_tabs', {value: tabs});
    return out;
  }

  // ---------------------------------------------------------------------------------------
  // drawing cursors

  var ARROW_PATH = 'M1 1 L1 17 L5.5 12.5 L8.5 19.5 L11.5 18.2 L8.6 11.4 L14.5 11.4 Z';

  function CursorLayer(room, container, opts) {
    this.room = room;
    this.container = container;
    this.coords = opts.coords || 'element';
    if (this.coords !== 'element' && this.coords !== 'page') {
      throw new TypeError("online-now: drawCursors coords must be 'element' or 'page', not " + this.coords);
    }
    this.color = typeof opts.color === 'function' ? opts.color : function (id) { return colorFor(id); };
    this.label = opts.label === false ? null
      : (typeof opts.label === 'function' ? opts.label : function (p) { return p.name || p.id; });
    this.duration = opts.duration === undefined ? room.client._opts.cursorTick : positiveNumber('duration', opts.duration, true);
    this.env = room.client._env;
    this.doc = container.ownerDocument || this.env.document;
    this.cursors = new Map();
    this.frame = null;
    this.destroyed = false;
    var view = this.doc && this.doc.defaultView;
    if (view && view.getComputedStyle && view.getComputedStyle(container).position === 'static') {
      container.style.position = 'relative';
    }
    /*
     * Cursors live in one overlay that clips them to the container's padding box. Drawn straight
     * into the container, a cursor (and its label) near the right or bottom edge would add to the
     * container's scroll size, which is the very size positions are scaled by: cursors would drift
     * off the board and the user's own coordinates would shrink. The price: in a scrolling
     * container, cursors beyond the first screenful are clipped.
     */
    this.layer = this.doc.createElement('div');
    this.layer.className = 'online-now-cursors';
    var ls = this.layer.style;
    ls.position = 'absolute';
    ls.left = '0';
    ls.top = '0';
    ls.width = '100%';
    ls.height = '100%';
    ls.overflow = 'hidden';
    ls.pointerEvents = 'none';
    container.appendChild(this.layer);
    this._reset();
  }

  CursorLayer.prototype.destroy = function () {
    if (this.destroyed) return;
    this.destroyed = true;
    if (this.frame !== null) this.env.cancelAnimationFrame(this.frame);
    this.frame = null;
    this.cursors.forEach(function (c) { removeNode(c.el); });
    this.cursors.clear();
    removeNode(this.layer);
    var layers = this.room._layers;
    var i = layers.indexOf(this);
    if (i >= 0) layers.splice(i, 1);
  };

  CursorLayer.prototype._reset = function () {
    var self = this;
    var keep = new Set();
    this.room._cursors.forEach(function (c) { keep.add(c.id); });
    this.cursors.forEach(function (c, id) {
      if (!keep.has(id)) { removeNode(c.el); self.cursors.delete(id); }
    });
    this._update(this.room.cursors());
  };

  CursorLayer.prototype._update = function (entries) {
    if (this.destroyed) return;
    var self = this;
    var now = this.env.now();
    entries.forEach(function (e) {
      var c = self.cursors.get(e.id);
      if (e.gone) {
        if (c) { removeNode(c.el); self.cursors.delete(e.id); }
        return;
      }
      if (!c) {
        /* A new cursor appears where it is; it does not fly in from the corner. */
        c = {id: e.id, el: self._create(e.id), fromX: e.x, fromY: e.y, toX: e.x, toY: e.y, x: e.x, y: e.y, start: now};
        self.cursors.set(e.id, c);
        self.layer.appendChild(c.el);
        self._place(c, self._origin());
        return;
      }
      c.fromX = c.x;
      c.fromY = c.y;
      c.toX = e.x;
      c.toY = e.y;
      c.start = now;
    });
    this._animate();
  };

  CursorLayer.prototype._presenceChanged = function (p) {
    var c = this.cursors.get(p.id);
    if (!c) return;
    this._decorate(c.el, p.id);
  };

  CursorLayer.prototype._create = function (id) {
    var doc = this.doc;
    var el = doc.createElement('div');
    el.className = 'online-now-cursor';
    el.setAttribute('data-id', id);
    el.setAttribute('aria-hidden', 'true');
    var s = el.style;
    s.position = 'absolute';
    s.left = '0';
    s.top = '0';
    s.pointerEvents = 'none';
    s.zIndex = '2147483000';
    s.willChange = 'transform';
    s.transition = 'opacity 0.3s';
    if (doc.createElementNS) {
      var svg = doc.createElementNS('http://www.w3.org/2000/svg', 'svg');
      svg.setAttribute('width', '16');
      svg.setAttribute('height', '21');
      svg.setAttribute('viewBox', '0 0 16 21');
      svg.style.display = 'block';
      var path = doc.createElementNS('http://www.w3.org/2000/svg', 'path');
      path.setAttribute('d', ARROW_PATH);
      path.setAttribute('stroke', 'white');
      path.setAttribute('stroke-width', '1.2');
      path.setAttribute('stroke-linejoin', 'round');
      svg.appendChild(path);
      el.appendChild(svg);
      el._onPath = path;
    }
    if (this.label) {
      var label = doc.createElement('span');
      label.className = 'online-now-cursor-label';
      var ls = label.style;
      ls.position = 'absolute';
      ls.left = '14px';
      ls.top = '16px';
      ls.whiteSpace = 'nowrap';
      ls.color = '#fff';
      ls.font = '12px/1.5 system-ui, sans-serif';
      ls.padding = '0 6px';
      ls.borderRadius = '8px';
      el.appendChild(label);
      el._onLabel = label;
    }
    this._decorate(el, id);
    return el;
  };

  CursorLayer.prototype._decorate = function (el, id) {
    var presence = this.room.presence(id) || {id: id, name: id, meta: {}};
    var color;
    try {
      color = this.color(id, presence);
    } catch (e) {
      reportListenerError(e);
    }
    color = color || colorFor(id);
    if (el._onPath) el._onPath.setAttribute('fill', color);
    if (el._onLabel) {
      var text;
      try {
        text = this.label(presence);
      } catch (e) {
        reportListenerError(e);
      }
      el._onLabel.textContent = text == null ? id : String(text);
      el._onLabel.style.background = color;
    }
    el.style.opacity = presence.meta && presence.meta.away ? '0.45' : '1';
    if (presence.meta && presence.meta.away) el.setAttribute('data-away', 'true');
    else if (el.removeAttribute) el.removeAttribute('data-away');
  };

  /* Where (0,0) of the received coordinates lies inside the container, and its scale. */
  CursorLayer.prototype._origin = function () {
    var c = this.container;
    if (this.coords === 'page') {
      var rect = c.getBoundingClientRect();
      var win = this.env.window || {};
      return {
        dx: -(rect.left + (win.pageXOffset || 0) + (c.clientLeft || 0)) + (c.scrollLeft || 0),
        dy: -(rect.top + (win.pageYOffset || 0) + (c.clientTop || 0)) + (c.scrollTop || 0),
        sx: 1,
        sy: 1
      };
    }
    return {dx: 0, dy: 0, sx: c.scrollWidth || c.clientWidth || 0, sy: c.scrollHeight || c.clientHeight || 0};
  };

  CursorLayer.prototype._place = function (c, origin) {
    var px = c.x * origin.sx + origin.dx;
    var py = c.y * origin.sy + origin.dy;
    c.el.style.transform = 'translate(' + px.toFixed(1) + 'px, ' + py.toFixed(1) + 'px)';
  };

  CursorLayer.prototype._animate = function () {
    if (this.frame !== null || this.destroyed) return;
    var self = this;
    this.frame = this.env.requestAnimationFrame(function () {
      self.frame = null;
      self._step();
    });
  };

  /* Linear interpolation from the drawn position to the newest target over `duration`:
     positions arrive once per tick, so a cursor glides and arrives as the next one comes. */
  CursorLayer.prototype._step = function () {
    if (this.destroyed) return;
    var now = this.env.now();
    var origin = this._origin(); // read layout once, then write
    var duration = this.duration;
    var moving = false;
    this.cursors.forEach(function (c) {
      if (c.x === c.toX && c.y === c.toY) return;
      var t = duration > 0 ? Math.min(1, (now - c.start) / duration) : 1;
      c.x = t >= 1 ? c.toX : c.fromX + (c.toX - c.fromX) * t;
      c.y = t >= 1 ? c.toY : c.fromY + (c.toY - c.fromY) * t;
      if (t < 1) moving = true;
      CursorLayer.prototype._place(c, origin);
    });
    if (moving) this._animate();
  };

  /* The data of an `online` frame, as online(fn) hands it over (the frame without its type). */
  function onlineData(msg) {
    var record = isPlainObject(msg.record) ? msg.record : {};
    return {
      count: typeof msg.count === 'number' ? msg.count : 0,
      guests: typeof msg.guests === 'number' ? msg.guests : 0,
      robots: typeof msg.robots === 'number' ? msg.robots : 0,
      users: Array.isArray(msg.users) ? msg.users.filter(isPlainObject) : [],
      record: {count: typeof record.count === 'number' ? record.count : 0,
        at: typeof record.at === 'number' ? record.at : 0}
    };
  }

  function removeNode(el) {
    if (el && el.parentNode) el.parentNode.removeChild(el);
  }

  // ---------------------------------------------------------------------------------------

  return {
    /** The WebSocket protocol version this client speaks. */
    PROTOCOL_VERSION: PROTOCOL_VERSION,
    /** Opens a live connection; see Client. */
    connect: function (options) { return new Client(options); },
    /** The stable colour of a user id (for avatars that match the cursors). */
    colorFor: colorFor,
    Client: Client,
    Room: Room
  };
});
