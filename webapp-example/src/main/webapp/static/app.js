/* online-now example: helpers shared by the pages (no framework, no external assets). */
(function () {
  'use strict';

  /** The initials Avatars.initials(name) gives on the server. */
  function initials(name) {
    const words = String(name || '').trim().split(/[\s._-]+/).filter(Boolean);
    if (words.length === 0) return '?';
    const first = Array.from(words[0])[0];
    const last = words.length > 1 ? Array.from(words[words.length - 1])[0] : '';
    return (first + last).toUpperCase();
  }

  function avatar(id, name, small) {
    const el = document.createElement('span');
    el.className = small ? 'avatar sm' : 'avatar';
    // the board page loads online-now.js, whose colour its cursors use too (Avatars.java matches it)
    el.style.background = window.OnlineNow.colorFor(id);
    el.textContent = initials(name);
    el.title = name;
    return el;
  }

  /** "active now" / "3 min ago" for every <time class="seen">. */
  function refreshTimes(root) {
    const now = Date.now();
    (root || document).querySelectorAll('time.seen[datetime]').forEach(function (t) {
      const at = Date.parse(t.getAttribute('datetime'));
      if (isNaN(at)) return;
      const mins = Math.floor((now - at) / 60000);
      t.textContent = mins < 1 ? 'active now' : mins + ' min ago';
    });
  }

  function clock(date) {
    return date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  }

  /** The page's one live connection (online-now.js), shared with the board page's script. */
  let client = null;
  function live() {
    if (!client && window.OnlineNow) {
      client = window.OnlineNow.connect({ contextPath: document.body.dataset.contextPath });
    }
    return client;
  }

  /*
   * Who is online, kept current by the live `online` frame (online-now.js: client.online(fn)),
   * not by re-fetching the page: the open socket keeps its user online, as online-now documents,
   * and nothing else the page does counts as activity.
   *
   * - Every page: the top bar's "N online" is the frame's count, as it arrives.
   * - The home page and who-is-online (body data-parts): the frame carries the count, guests,
   *   robots, the list as this viewer may see it and the record, but not where each person is,
   *   the robots' names nor the boards' viewing counts. So the page re-reads its sections marked
   *   data-refresh from its twin under /parts/, which web.xml excludes from online-now's activity:
   *   at once when the frame shows someone came, left, hid or a count changed, else (someone
   *   only moved) at most every 10 seconds; never while the tab is hidden.
   *
   * While the socket is not open, the page asks every few seconds whether the server answers (the
   * /parts/ twin, or the script on the board page): while it does not, nothing stale is shown as
   * current: the top bar says so instead of a count, a banner says since when, and every
   * refreshed part is marked as of that time (the board page marks its live parts the same way,
   * whiteboard.js). When it answers again, the parts catch up and the socket reconnects at once.
   * If the answer is for another user than the page shows (the session ended meanwhile), the page
   * loads itself again: a page never greets someone the server no longer knows. If the socket
   * cannot open at all (a proxy without WebSocket), those re-reads every few seconds keep the
   * page current instead.
   */
  function keepCurrent() {
    if (!window.fetch || !window.DOMParser || !document.querySelector('[data-testid="online-pill"]')) return;
    const parts = document.body.dataset.parts || '';
    const probeUrl = parts ? parts + window.location.search
      : (document.body.dataset.contextPath || '') + '/online-now/online-now.js';
    let downSince = null;
    let lastKey = null;
    let busy = false;
    let again = false;
    let missed = false;
    let soon = null;
    let probing = null;

    const socket = live();
    if (socket) {
      socket.online(function (data) {
        showCount(data.count);
        if (!parts) return;
        const key = JSON.stringify([data.count, data.guests, data.robots, data.record,
          data.users.map(function (u) { return [u.id, !!u.hidden]; })]);
        if (key !== lastKey) {
          lastKey = key;
          reread();
        } else if (soon === null) {
          soon = setTimeout(reread, 10000);
        }
      });
      socket.on('open', function () {
        stopProbing();
        serverUp();
      });
      socket.on('close', function (e) {
        if (e && e.reason === 'page hidden') return; // back/forward cache: it reconnects when shown
        if (!parts && e && !e.willReconnect) { // the board page ended its connection (signed out)
          stopProbing();
          reread(); // once: whether the server answers
          return;
        }
        startProbing();
        reread(); // at once: down, or (1008) signed out in another tab or the session is lost
      });
    } else {
      startProbing(); // no live layer on this page: the re-reads keep it current
    }
    document.addEventListener('visibilitychange', function () {
      if (document.visibilityState === 'visible' && missed) reread();
    });

    function startProbing() {
      if (probing === null) probing = setInterval(reread, 5000);
    }

    function stopProbing() {
      if (probing !== null) clearInterval(probing);
      probing = null;
    }

    /* Reads the page's twin under /parts/ (or, on the board page, whether the server answers). */
    async function reread() {
      if (soon !== null) {
        clearTimeout(soon);
        soon = null;
      }
      if (document.visibilityState !== 'visible') {
        missed = true;
        return;
      }
      if (busy) {
        again = true;
        return;
      }
      busy = true;
      missed = false;
      try {
        let res = null;
        const abort = window.AbortController ? new AbortController() : null;
        const timer = abort ? setTimeout(function () { abort.abort(); }, 10000) : null;
        try {
          res = await fetch(probeUrl, { method: parts ? 'GET' : 'HEAD', credentials: 'same-origin', cache: 'no-store',
            headers: { 'Accept': 'text/html' }, signal: abort ? abort.signal : undefined });
        } catch (e) {
          /* the server is not answering (stopped, restarting, or the network is down) */
        } finally {
          if (timer) clearTimeout(timer);
        }
        if (!res || res.status === 502 || res.status === 503 || res.status === 504) { // a proxy's answers while the app restarts
          serverDown();
          return;
        }
        const doc = parts && res.ok ? new DOMParser().parseFromString(await res.text(), 'text/html') : null;
        serverUp();
        if (socket && socket.status === 'waiting') socket.reconnect(); // the server is back: no need to wait for the next retry
        if (!doc || !doc.body) return;
        if ((doc.body.dataset.me || '') !== (document.body.dataset.me || '')) {
          window.location.reload(); // signed out (or in) meanwhile: the page as this visitor sees it now
          return;
        }
        document.querySelectorAll('[data-refresh]').forEach(function (s) {
          const fresh = doc.querySelector('[data-refresh="' + s.getAttribute('data-refresh') + '"]');
          if (fresh) s.innerHTML = fresh.innerHTML;
        });
        const freshCount = doc.querySelector('[data-testid="online-count"]');
        if (freshCount) showCount(freshCount.textContent);
        refreshTimes();
      } finally {
        busy = false;
        if (again) {
          again = false;
          reread();
        }
      }
    }

    function showCount(n) {
      document.querySelectorAll('[data-testid="online-count"], [data-testid="online-count-badge"]').forEach(function (el) {
        el.textContent = String(n);
      });
      if (downSince === null) document.title = document.title.replace(/^\d+ online/, n + ' online');
    }

    function serverDown() {
      if (downSince === null) downSince = new Date();
      const pill = document.querySelector('[data-testid="online-pill"]');
      if (pill) {
        pill.classList.add('offline');
        pill.dataset.state = 'offline';
        pill.querySelector('[data-testid="online-count"]').hidden = true;
        pill.querySelector('.pill-label').textContent = 'offline';
        pill.title = 'the server is not answering';
      }
      const banner = document.getElementById('offline-banner');
      if (banner) {
        banner.textContent = 'The server is not answering (since ' + clock(downSince) + '). What this page shows may be '
          + 'out of date; it catches up by itself when the server is back.';
        banner.hidden = false;
      }
      document.querySelectorAll('[data-refresh]').forEach(function (s) { markStale(s, downSince); });
      document.querySelectorAll('[data-while-down]').forEach(function (el) { el.textContent = el.dataset.whileDown; });
      document.title = document.title.replace(/^\d+ online/, 'offline');
    }

    function serverUp() {
      if (downSince === null) return;
      downSince = null;
      const pill = document.querySelector('[data-testid="online-pill"]');
      if (pill) {
        pill.classList.remove('offline');
        pill.dataset.state = 'online';
        pill.querySelector('[data-testid="online-count"]').hidden = false;
        pill.querySelector('.pill-label').textContent = 'online';
        pill.title = 'users active in the last 5 minutes: who and where';
      }
      const banner = document.getElementById('offline-banner');
      if (banner) banner.hidden = true;
      document.querySelectorAll('[data-refresh]').forEach(unmarkStale);
      document.querySelectorAll('[data-while-up]').forEach(function (el) { el.textContent = el.dataset.whileUp; });
      document.title = document.title.replace(/^offline/, document.querySelector('[data-testid="online-count"]').textContent + ' online');
    }
  }

  /** Marks a part of the page as not current: greyed, with the time it is from. */
  function markStale(el, since) {
    el.classList.add('stale');
    el.dataset.stale = 'true';
    let note = el.querySelector(':scope > .stale-note');
    if (!note) {
      note = document.createElement('p');
      note.className = 'stale-note';
      el.prepend(note);
    }
    note.textContent = 'Not current: as of ' + clock(since) + '.';
  }

  function unmarkStale(el) {
    el.classList.remove('stale');
    delete el.dataset.stale;
    const note = el.querySelector(':scope > .stale-note');
    if (note) note.remove();
  }

  window.Example = { avatar: avatar, markStale: markStale, unmarkStale: unmarkStale, live: live };

  refreshTimes();
  setInterval(refreshTimes, 30000);
  keepCurrent();
})();
