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

  /*
   * The home page is server-rendered; to keep "who is online" current without a framework it
   * fetches itself every few seconds while visible and swaps the marked sections. The fetch is
   * a normal request, so an open tab keeps its user online, as a user would expect.
   */
  function autoRefresh(intervalMs) {
    const sections = document.querySelectorAll('[data-refresh]');
    if (sections.length === 0 || !window.fetch || !window.DOMParser) return;
    let busy = false;
    async function tick() {
      if (busy || document.visibilityState !== 'visible') return;
      busy = true;
      try {
        const res = await fetch(window.location.href, { credentials: 'same-origin', headers: { 'Accept': 'text/html' } });
        if (!res.ok || res.redirected) return;
        const doc = new DOMParser().parseFromString(await res.text(), 'text/html');
        sections.forEach(function (s) {
          const key = s.getAttribute('data-refresh');
          const fresh = doc.querySelector('[data-refresh="' + key + '"]');
          if (fresh) s.innerHTML = fresh.innerHTML;
        });
        document.querySelectorAll('[data-testid="online-count"]').forEach(function (el) {
          const fresh = doc.querySelector('[data-testid="online-count"]');
          if (fresh) el.textContent = fresh.textContent;
        });
        if (doc.title) document.title = doc.title;
      } catch (e) {
        /* offline or server restarting: try again next tick */
      } finally {
        busy = false;
      }
    }
    setInterval(tick, intervalMs);
    document.addEventListener('visibilitychange', tick);
  }

  window.Example = { avatar: avatar };

  refreshTimes();
  setInterval(refreshTimes, 30000);
  if (document.querySelector('[data-refresh]')) autoRefresh(5000);
})();
