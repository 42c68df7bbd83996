// The social pages over the indexed data: an account's home feed, a
// profile with tabs, a cast's thread, search and trending. Anonymous
// visitors see all of them.
import { h, clear, loading, empty, errorView } from '../dom.js';
import { api } from '../api.js';
import { num, time } from '../format.js';
import { pagedList } from '../list.js';
import { castView, userRow, userName } from '../casts.js';
import { go } from '../app.js';

const PAGE = 25;

function withCursor(path, cursor, extra = {}) {
  const q = new URLSearchParams({ limit: String(PAGE), ...extra });
  if (cursor) q.set('cursor', cursor);
  return `${path}?${q}`;
}

function fidForm(id, label, value, onFid) {
  const input = h('input', { id, name: 'fid', inputmode: 'numeric', pattern: '[0-9]+', value: value || '', required: true });
  const form = h('form', { class: 'inline' }, h('label', { for: id }, label), input,
    h('button', { type: 'submit' }, 'Show'));
  form.addEventListener('submit', (ev) => { ev.preventDefault(); onFid(input.value.trim()); });
  return form;
}

export function feedPage(main, [fid]) {
  const body = h('section', { id: 'feed' });
  clear(main, h('h1', {}, fid ? `Home feed of fid ${fid}` : 'Home feed'),
    fidForm('feed-fid', 'Account (fid)', fid, (f) => go(`#/feed/${f}`)), body);
  if (!fid) {
    clear(body, empty('Choose an account to read the casts of the accounts it follows.'));
    return null;
  }
  const l = pagedList(body, {
    what: 'feed',
    emptyText: 'No casts: this account follows nobody who cast, or it is not indexed.',
    fetchPage: async (cursor) => {
      const p = await api(withCursor(`/v1/feed/${fid}`, cursor));
      return { items: p.casts, next: p.next_cursor };
    },
    render: (c) => castView(c),
  });
  return l.stop;
}

const tabs = ['casts', 'replies', 'likes', 'followers', 'following'];

export function profilePage(main, [fid, tab = 'casts']) {
  const head = h('section', { id: 'profile-head' }, loading('profile'));
  const body = h('section', { id: 'profile-tab', role: 'tabpanel', 'aria-label': tab });
  clear(main, h('h1', {}, `Profile of fid ${fid}`), head,
    h('nav', { class: 'tabs', 'aria-label': 'Profile' },
      h('ul', { role: 'tablist' }, tabs.map((t) => h('li', {},
        h('a', { href: `#/u/${fid}/${t}`, role: 'tab', 'aria-selected': t === tab ? 'true' : 'false', id: `tab-${t}` }, t))))),
    body);
  api(`/v1/users/${fid}`).then((u) => {
    main.querySelector('h1').textContent = userName(u);
    document.title = `${userName(u)} · fcindex`;
    clear(head, h('div', { class: 'card' },
      h('p', {}, u.username ? `@${u.username}` : '', h('span', { class: 'muted' }, ` fid ${u.fid}`)),
      u.bio ? h('p', { class: 'bio' }, u.bio) : null,
      h('dl', { class: 'stats' },
        h('div', {}, h('dt', {}, 'Casts'), h('dd', { 'data-k': 'casts' }, num(u.casts))),
        h('div', {}, h('dt', {}, 'Followers'), h('dd', { 'data-k': 'followers' }, num(u.followers))),
        h('div', {}, h('dt', {}, 'Following'), h('dd', { 'data-k': 'following' }, num(u.following)))),
      u.target ? h('p', { class: 'muted' }, `Indexed ${u.target.root ? 'root ' : ''}target (${u.target.source}), synced `,
        time(u.target.synced_at)) : h('p', { class: 'muted' }, 'Not a target.')));
  }).catch((e) => clear(head, errorView(e)));
  const userTab = tab === 'followers' || tab === 'following';
  const l = pagedList(body, {
    what: tab,
    emptyText: `No ${tab}.`,
    listClass: userTab ? 'items users' : 'items',
    fetchPage: async (cursor) => {
      const p = await api(withCursor(`/v1/users/${fid}/${tab}`, cursor));
      const items = tab === 'likes' ? p.likes : userTab ? p.users : p.casts;
      return { items, next: p.next_cursor };
    },
    render: (item) => (tab === 'likes'
      ? castView(item.cast, { extra: [' · liked ', time(item.liked_at)] })
      : userTab ? h('ul', { class: 'plain' }, userRow(item, item.followed_at ? [' · since ', time(item.followed_at)] : null))
        : castView(item)),
  });
  return l.stop;
}

function threadNode(node) {
  const self = node.deleted
    ? h('p', { class: 'deleted', 'data-hash': node.hash }, 'This cast was deleted.')
    : node.author ? castView(node) : h('p', { class: 'muted', 'data-hash': node.hash }, h('a', { href: `#/cast/${node.hash}` }, 'more replies'));
  const kids = node.children || [];
  return h('li', {}, self, kids.length ? h('ul', { class: 'tree' }, kids.map(threadNode)) : null);
}

export function threadPage(main, [hash]) {
  const body = h('section', { id: 'thread' }, loading('thread'));
  clear(main, h('h1', {}, 'Thread'), body);
  api(`/v1/casts/${hash}/thread`).then((t) => {
    clear(body,
      t.ancestors.length ? h('ol', { class: 'ancestors', 'aria-label': 'Earlier in the thread' },
        t.ancestors.map((a) => h('li', {}, a.deleted ? h('p', { class: 'deleted', 'data-hash': a.hash }, 'This cast was deleted.') : castView(a)))) : null,
      castView(t.cast, { focus: true }),
      h('h2', {}, `Replies`),
      t.replies.length ? h('ul', { class: 'tree', id: 'replies' }, t.replies.map(threadNode)) : empty('No replies yet.'),
      t.truncated ? h('p', { class: 'muted' }, 'Some replies are not shown (the thread is large).') : null);
  }).catch((e) => clear(body, errorView(e)));
  return null;
}

export function searchPage(main, params, query) {
  const q = query.get('q') || '';
  const input = h('input', { id: 'search-q', type: 'search', name: 'q', value: q, required: true, 'aria-label': 'Search' });
  const form = h('form', { class: 'inline', role: 'search' }, input, h('button', { type: 'submit' }, 'Search'));
  form.addEventListener('submit', (ev) => { ev.preventDefault(); go(`#/search?${new URLSearchParams({ q: input.value.trim() })}`); });
  const body = h('section', { id: 'results' });
  clear(main, h('h1', {}, 'Search'), form, body);
  if (!q) {
    clear(body, empty('Search users by name and casts by their words.'));
    return null;
  }
  const terms = q.split(/\s+/).filter((t) => t.length > 1);
  clear(body, loading('results'));
  api(`/v1/search?${new URLSearchParams({ q })}`).then((r) => {
    clear(body,
      h('h2', {}, 'Users ', h('span', { class: 'muted', 'data-k': 'users-count' }, `(${num(r.users.count)})`)),
      r.users.items.length ? h('ul', { class: 'plain', id: 'user-results' }, r.users.items.map((u) =>
        userRow(u, [' · ', h('span', {}, `${num(u.followers)} followers`)]))) : empty('No users match.'),
      h('h2', {}, 'Casts ', h('span', { class: 'muted', 'data-k': 'casts-count' },
        `(${num(r.casts.count)}${r.casts.count_capped ? '+' : ''})`)),
      r.casts.items.length ? h('div', { class: 'items', id: 'cast-results' }, r.casts.items.map((c) => castView(c, { terms })))
        : empty('No casts match.'));
  }).catch((e) => clear(body, errorView(e)));
  return null;
}

export function trendingPage(main, [win = '24h']) {
  const body = h('section', { id: 'trending' });
  clear(main, h('h1', {}, 'Trending'),
    h('nav', { class: 'tabs', 'aria-label': 'Window' }, h('ul', {}, ['1h', '24h', '7d'].map((w) =>
      h('li', {}, h('a', { href: `#/trending/${w}`, 'aria-current': w === win ? 'page' : null }, w))))),
    body);
  const l = pagedList(body, {
    what: 'trending',
    emptyText: `Nothing was liked, recast or replied to in the last ${win}.`,
    fetchPage: async (cursor) => {
      const p = await api(withCursor('/v1/trending', cursor, { window: win }));
      return { items: p.casts, next: p.next_cursor };
    },
    render: (c) => castView(c, { extra: [' · ', h('span', { 'data-k': 'score' }, `score ${num(c.score)}`)] }),
  });
  return l.stop;
}
