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

  /*
   * Server-rendered parts kept current without a framework: the top bar's "N online" on every
   * page and, on the home page, the sections marked data-refresh. The page fetches itself every
   * few seconds while visible and swaps those parts in; the fetch is a normal request, so an open
   * tab keeps its user online, as a user would expect.
   *
   * While the server does not answer, nothing stale is shown as current: the top bar says so
   * instead of a count, a banner says since when, and every refreshed part is marked as of that
   * time (the board page marks its live parts the same way, whiteboard.js). When the server
   * answers again, the parts catch up by themselves. If the answer is for another user than the
   * page shows (the session ended meanwhile), the top bar and the page's content are swapped as
   * well, and the event 'example:identity' tells the board page: a page never greets someone the
   * server no longer knows. The event 'example:server-back' lets the board page reconnect at once
   * instead of at its next backoff step.
   */
  function keepCurrent(intervalMs) {
    if (!window.fetch || !window.DOMParser || !document.querySelector('[data-testid="online-pill"]')) return;
    const boardPage = document.body.classList.contains('board-page');
    let busy = false;
    let downSince = null;

    async function tick() {
      if (busy || document.visibilityState !== 'visible') return;
      busy = true;
      try {
        let res = null;
        try {
          res = await fetch(window.location.href, { credentials: 'same-origin', cache: 'no-store', headers: { 'Accept': 'text/html' } });
        } catch (e) {
          /* the server is not answering (stopped, restarting, or the network is down) */
        }
        if (!res || res.status === 502 || res.status === 503 || res.status === 504) { // a proxy's answers while the app restarts
          serverDown();
          return;
        }
        const doc = res.ok ? new DOMParser().parseFromString(await res.text(), 'text/html') : null;
        serverUp();
        if (!doc || !doc.body) return;
        const me = document.body.dataset.me || '';
        const freshMe = doc.body.dataset.me || '';
        if (freshMe !== me) {
          identityChanged(doc, freshMe);
          return;
        }
        document.querySelectorAll('[data-refresh]').forEach(function (s) {
          const fresh = doc.querySelector('[data-refresh="' + s.getAttribute('data-refresh') + '"]');
          if (fresh) s.innerHTML = fresh.innerHTML;
        });
        const freshCount = doc.querySelector('[data-testid="online-count"]');
        if (freshCount) {
          document.querySelectorAll('[data-testid="online-count"]').forEach(function (el) { el.textContent = freshCount.textContent; });
        }
        if (doc.title) document.title = doc.title;
      } finally {
        busy = false;
      }
    }

    function identityChanged(doc, freshMe) {
      document.body.dataset.me = freshMe;
      replaceWithFresh(doc, '.topbar');
      if (!boardPage) {
        replaceWithFresh(doc, 'main');
        if (doc.title) document.title = doc.title;
      }
      refreshTimes();
      document.dispatchEvent(new CustomEvent('example:identity', { detail: { me: freshMe } }));
    }

    function replaceWithFresh(doc, css) {
      const old = document.querySelector(css);
      const fresh = doc.querySelector(css);
      if (old && fresh) old.replaceWith(document.importNode(fresh, true));
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
        pill.title = 'users active in the last 5 minutes';
      }
      const banner = document.getElementById('offline-banner');
      if (banner) banner.hidden = true;
      document.querySelectorAll('[data-refresh]').forEach(unmarkStale);
      document.dispatchEvent(new CustomEvent('example:server-back'));
      document.querySelectorAll('[data-while-up]').forEach(function (el) { el.textContent = el.dataset.whileUp; });
    }

    setInterval(tick, intervalMs);
    document.addEventListener('visibilitychange', tick);
    window.addEventListener('online', tick);
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

  window.Example = { avatar: avatar, markStale: markStale, unmarkStale: unmarkStale };

  refreshTimes();
  setInterval(refreshTimes, 30000);
  keepCurrent(5000);
})();
