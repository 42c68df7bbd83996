// The target set (GET /admin/targets): searched, filtered, sorted (by the
// select or the column headers), paged; add (root or not), remove
// (confirmed), promote, demote, backfill now; each fid opens its detail page.
import { h, clear, loading, empty, change } from '../dom.js';
import { api, apiOrError } from '../api.js';
import { num, time } from '../format.js';
import { go } from '../app.js';

const LIMIT = 50;

// Columns sorted by the API (GET /admin/targets?sort=): a first press sorts
// ascending, the next descending; username sorts one way only.
const SORTABLE = { Fid: 'fid', Account: 'username', Added: 'added_at', 'Last sync': 'last_synced_at' };
const ONE_WAY = new Set(['username']);

function select(id, label, value, options) {
  return [h('label', { for: id }, label), h('select', { id, name: id.replace('f-', '') },
    options.map(([v, text]) => h('option', { value: v, selected: v === value }, text)))];
}

export function targetsPage(main, params, query) {
  const f = Object.fromEntries(['q', 'root', 'state', 'source', 'added_after', 'added_before', 'sort', 'cursor']
    .map((k) => [k, query.get(k) || '']));
  const msg = h('div', { id: 'targets-msg', 'aria-live': 'polite' });
  const body = h('section', { id: 'targets' }, loading('targets'));

  const fid = h('input', { id: 'add-fid', name: 'fid', inputmode: 'numeric', pattern: '[0-9]+', required: true });
  const root = h('input', { id: 'add-root', type: 'checkbox', checked: true });
  const add = h('form', { id: 'add-form', class: 'inline card' },
    h('label', { for: 'add-fid' }, 'Add fid'), fid,
    h('label', { class: 'check' }, root, ' root'), h('button', { type: 'submit' }, 'Add'));
  add.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    await act(() => api('/admin/targets', { method: 'POST', body: { fid: fid.value.trim(), root: root.checked } }),
      `Added fid ${fid.value.trim()}${root.checked ? ' as a root' : ''}; its backfill is queued.`);
    fid.value = '';
  });

  const filters = h('form', { id: 'filters', class: 'inline' },
    h('label', { for: 'f-q' }, 'Search'), h('input', { id: 'f-q', name: 'q', type: 'search', value: f.q, pattern: '[A-Za-z0-9._\\-]{1,64}' }),
    select('f-root', 'Root', f.root, [['', 'any'], ['true', 'roots'], ['false', 'non-roots']]),
    select('f-state', 'State', f.state, [['', 'any'], ['pending', 'pending'], ['running', 'running'],
      ['failed', 'failed'], ['held', 'held'], ['synced', 'synced']]),
    select('f-source', 'Source', f.source, [['', 'any'], ['config', 'config'], ['admin', 'admin'], ['follow', 'follow'], ['client', 'client']]),
    h('label', { for: 'f-added_after' }, 'Added from'), h('input', { id: 'f-added_after', name: 'added_after', type: 'date', value: f.added_after }),
    h('label', { for: 'f-added_before' }, 'to'), h('input', { id: 'f-added_before', name: 'added_before', type: 'date', value: f.added_before }),
    select('f-sort', 'Sort', f.sort, [['', 'fid'], ['-fid', 'fid, highest first'], ['-added_at', 'newest added'],
      ['added_at', 'oldest added'], ['-last_synced_at', 'last synced'], ['last_synced_at', 'longest unsynced'], ['username', 'username']]),
    h('button', { type: 'submit' }, 'Apply'));
  filters.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const q = new URLSearchParams();
    for (const el of filters.elements) if (el.name && el.value) q.set(el.name, el.value);
    go(`#/targets?${q}`);
  });

  clear(main, h('h1', {}, 'Targets'), add, msg, filters, body);

  const act = (fn, done) => change(msg, fn, done, load);

  function sortHeader(label) {
    const key = SORTABLE[label];
    if (!key) return h('th', { scope: 'col' }, label);
    const cur = f.sort || 'fid';
    const dir = cur === key ? 'ascending' : cur === `-${key}` ? 'descending' : null;
    const next = dir === 'ascending' && !ONE_WAY.has(key) ? `-${key}` : key;
    const p = new URLSearchParams(query);
    p.delete('cursor');
    if (next === 'fid') p.delete('sort'); else p.set('sort', next);
    return h('th', { scope: 'col', 'aria-sort': dir || 'none' },
      h('button', { type: 'button', class: 'sort', 'data-sort': key,
        title: `Sort by ${label.toLowerCase()}${next.startsWith('-') ? ', highest first' : ''}`,
        onclick: () => go(`#/targets?${p}`) },
      label, h('span', { class: 'sort-mark', 'aria-hidden': 'true' }, dir === 'ascending' ? ' ▲' : dir === 'descending' ? ' ▼' : '')));
  }

  function actions(t) {
    const remove = h('button', { type: 'button', class: 'danger', 'data-act': 'remove' }, 'Remove');
    remove.addEventListener('click', () => {
      if (remove.dataset.confirm !== 'yes') {
        remove.dataset.confirm = 'yes';
        remove.textContent = `Confirm removing ${t.fid}`;
        remove.focus();
        return;
      }
      act(() => api(`/admin/targets/${t.fid}`, { method: 'DELETE' }), `Removed fid ${t.fid}.`);
    });
    return [
      h('button', { type: 'button', 'data-act': t.root ? 'demote' : 'promote',
        onclick: () => act(() => api(`/admin/targets/${t.fid}`, { method: 'PUT', body: { root: !t.root } }),
          `fid ${t.fid} is ${t.root ? 'no longer' : 'now'} a root.`) }, t.root ? 'Demote' : 'Promote'),
      h('button', { type: 'button', 'data-act': 'backfill',
        onclick: () => act(() => api(`/admin/targets/${t.fid}/backfill`, { method: 'POST' }),
          `Backfill of fid ${t.fid} queued.`) }, 'Backfill now'),
      remove,
    ];
  }

  async function load() {
    const q = new URLSearchParams({ limit: String(LIMIT) });
    for (const [k, v] of Object.entries(f)) if (v) q.set(k, v);
    const page = await apiOrError(body, `/admin/targets?${q}`);
    if (!page) return;
    const offset = Number(f.cursor || 0);
    const nav = (cursor, text) => {
      const p = new URLSearchParams(query);
      if (cursor) p.set('cursor', cursor); else p.delete('cursor');
      return h('a', { href: `#/targets?${p}`, class: 'button' }, text);
    };
    clear(body,
      h('p', { 'data-k': 'total' }, `${num(page.total)} targets`,
        page.targets.length ? ` · showing ${num(offset + 1)}–${num(offset + page.targets.length)}` : ''),
      page.summary ? h('dl', { class: 'stats', id: 'targets-summary' },
        h('div', {}, h('dt', {}, 'Roots'), h('dd', { 'data-k': 'sum-roots' }, num(page.summary.roots))),
        Object.entries(page.summary.states).map(([k, v]) =>
          h('div', {}, h('dt', {}, k), h('dd', { 'data-k': `sum-${k}` }, num(v))))) : null,
      page.targets.length ? h('div', { class: 'scroll' }, h('table', { id: 'targets-table' },
        h('thead', {}, h('tr', {}, ['Fid', 'Account', 'Root', 'Source', 'State', 'Added', 'Last sync', 'Attempts', 'Last error', 'Actions']
          .map(sortHeader))),
        h('tbody', {}, page.targets.map((t) => h('tr', { 'data-fid': t.fid },
          h('td', {}, h('a', { href: `#/targets/${t.fid}`, 'data-k': 'detail', title: `Details of fid ${t.fid}` }, t.fid)),
          h('td', {}, h('a', { href: `#/u/${t.fid}` }, t.username ? `@${t.username}` : (t.display_name || `fid ${t.fid}`))),
          h('td', { 'data-k': 'root' }, t.root ? 'root' : '—'),
          h('td', {}, t.source),
          h('td', { 'data-k': 'state' }, t.state),
          h('td', {}, time(t.added_at)),
          h('td', {}, time(t.last_synced_at)),
          h('td', {}, num(t.backfill_attempts)),
          h('td', { class: 'err' }, t.last_error || '—'),
          h('td', { class: 'actions' }, actions(t))))))) : empty('No targets match.'),
      h('p', { class: 'pager' },
        offset > 0 ? nav(String(Math.max(0, offset - LIMIT)) === '0' ? '' : String(Math.max(0, offset - LIMIT)), '← Previous') : null,
        ' ', page.next_cursor ? nav(page.next_cursor, 'Next →') : null));
  }
  load();
  return null;
}
