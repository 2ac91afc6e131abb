/*
 * The board page: who is in the room (avatars), join/leave toasts, a status everyone sees, and
 * everyone's live cursor. All of it is online-now.js's API; this file only renders.
 */
(function () {
  'use strict';
  const body = document.body;
  const boardId = body.dataset.board;
  const board = document.getElementById('board');
  const hint = document.getElementById('board-hint');
  const stack = document.getElementById('here-avatars');
  const list = document.getElementById('here-list');
  const count = document.getElementById('here-count');
  const conn = document.getElementById('conn');
  const toasts = document.getElementById('toasts');
  const statusForm = document.getElementById('status-form');
  const statusInput = document.getElementById('status');
  const share = document.querySelector('[data-share]');
  const hereCard = list.closest('.card');
  const MAX_STACK = 6;

  if (share) share.value = window.location.href;
  if (!window.OnlineNow) {
    setConnection('offline', 'live layer not loaded');
    return;
  }

  // the page's one connection (app.js opened it for the top bar's live count)
  const live = window.Example.live();
  const room = live.join(boardId, { status: '' });

  room.trackCursor(board);
  room.drawCursors(board);

  room.on('sync', render);
  room.on('join', function (p) {
    render();
    if (p.id !== room.self) toast(p, 'joined the board');
  });
  room.on('leave', function (p) {
    render();
    if (p.id !== room.self) toast(p, 'left');
  });
  room.on('meta', render);
  room.on('error', function (e) {
    toastText('The board refused that: ' + (e && e.message ? e.message : 'unknown error'));
  });

  live.on('open', function () { setConnection('open', 'live'); });
  let ended = false;
  live.on('close', function (e) {
    if (ended) return;
    if (e && e.code === 1008 && (e.reason === 'session ended' || e.reason === 'no identity')) {
      // signed out in another tab, the session timed out, or it did not survive a restart of the
      // server: no retry can help, so stop and offer to sign in again
      signedOut();
    } else if (e && e.willReconnect) {
      // the server restarts or the network is gone: the client reconnects by itself; until the
      // room's next sync nobody shown here is known to be here now
      setConnection('waiting', 'reconnecting\u2026');
      showDisconnected('not current');
    } else {
      setConnection('closed', 'offline');
      conn.replaceChildren(link(window.location.href, 'offline: reload'));
      showDisconnected('not connected');
      if (e && e.reason && e.code !== 1000) toastText('The board closed the connection: ' + e.reason);
    }
  });

  function signedOut() {
    ended = true;
    live.close();
    setConnection('closed', 'signed out');
    conn.replaceChildren(link(body.dataset.contextPath + '/?next=' + encodeURIComponent(boardId), 'signed out: sign in'));
    toastText('You were signed out. Sign in again to rejoin this board.');
    // nothing on this page is current any more: say so rather than show stale people
    window.Example.unmarkStale(hereCard);
    stack.classList.remove('stale');
    list.replaceChildren();
    stack.replaceChildren();
    count.textContent = 'not connected';
    delete count.dataset.count;
    board.classList.add('ended');
    const me = document.querySelector('.me');
    if (me) me.remove();
  }

  let disconnectedAt = null;

  /* While the socket is down the people shown are from before: no count, greyed, with the time. */
  function showDisconnected(text) {
    if (disconnectedAt === null) disconnectedAt = new Date();
    count.textContent = text;
    delete count.dataset.count;
    window.Example.markStale(hereCard, disconnectedAt);
    stack.classList.add('stale');
  }

  function link(href, text) {
    const a = document.createElement('a');
    a.href = href;
    a.textContent = text;
    return a;
  }

  board.addEventListener('pointerenter', function () { hint.hidden = true; }, { once: true });

  statusForm.addEventListener('submit', function (ev) {
    ev.preventDefault();
    try {
      room.setMeta({ status: statusInput.value.trim() });
      statusInput.blur();
      render();
    } catch (e) {
      toastText(e.message);
    }
  });

  function render() {
    if (ended) return;
    if (disconnectedAt !== null) {
      if (!live.connected) return; // shown as of the disconnection until the room's next sync
      disconnectedAt = null;
      window.Example.unmarkStale(hereCard);
      stack.classList.remove('stale');
    }
    const people = room.presences();
    const here = people.length;
    count.textContent = here === 1 ? 'only you here' : here + ' here';
    count.dataset.count = String(here);

    stack.replaceChildren();
    people.slice(0, MAX_STACK).forEach(function (p) {
      const a = window.Example.avatar(p.id, p.name || p.id, false);
      a.dataset.userId = p.id;
      if (p.meta && p.meta.away) a.classList.add('away');
      stack.appendChild(a);
    });
    if (here > MAX_STACK) {
      const more = document.createElement('span');
      more.className = 'avatar more';
      more.textContent = '+' + (here - MAX_STACK);
      stack.appendChild(more);
    }

    list.replaceChildren();
    people.forEach(function (p) {
      const li = document.createElement('li');
      li.className = 'person' + (p.id === room.self ? ' self' : '');
      li.dataset.userId = p.id;
      li.appendChild(window.Example.avatar(p.id, p.name || p.id, true));
      const text = document.createElement('span');
      text.className = 'person-text';
      const name = document.createElement('span');
      name.className = 'person-name';
      name.textContent = p.name || p.id;
      if (p.id === room.self) {
        const tag = document.createElement('span');
        tag.className = 'tag';
        tag.textContent = 'you';
        name.append(' ', tag);
      }
      const status = document.createElement('span');
      status.className = 'status-text';
      // own status as set here, even before the server's echo of it arrives
      const meta = p.id === room.self ? Object.assign({}, p.meta, room.meta) : (p.meta || {});
      const s = typeof meta.status === 'string' ? meta.status : '';
      status.textContent = meta.away ? 'away' + (s ? ' \u00b7 ' + s : '') : (s || (p.connections > 1 ? p.connections + ' tabs' : 'here'));
      text.append(name, status);
      li.appendChild(text);
      list.appendChild(li);
    });
  }

  function setConnection(state, text) {
    conn.className = 'conn ' + state;
    conn.textContent = text;
    conn.dataset.state = state;
  }

  function toast(p, what) {
    const el = document.createElement('div');
    el.className = 'toast';
    el.appendChild(window.Example.avatar(p.id, p.name || p.id, true));
    const text = document.createElement('span');
    const strong = document.createElement('strong');
    strong.textContent = p.name || p.id;
    text.append(strong, ' ' + what);
    el.appendChild(text);
    show(el);
  }

  function toastText(message) {
    const el = document.createElement('div');
    el.className = 'toast';
    el.textContent = message;
    show(el);
  }

  function show(el) {
    toasts.appendChild(el);
    while (toasts.children.length > 4) toasts.removeChild(toasts.firstChild);
    setTimeout(function () {
      el.classList.add('leaving');
      setTimeout(function () { el.remove(); }, 350);
    }, 4000);
  }

  /* leaving the page, and coming back to it from the back/forward cache, online-now.js handles:
     it closes the socket (the others see the leave) and on return reconnects and re-syncs */
})();
