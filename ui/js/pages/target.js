// One target (GET /admin/targets/:fid/stats): counts per message kind, its
// last sync and last error, its backfill job's state, and its recent casts
// (GET /v1/users/:fid/casts); backfill now from here too.
import { h, clear, loading, empty, change } from '../dom.js';
import { api, apiOrError } from '../api.js';
import { num, time } from '../format.js';
import { castView, userName } from '../casts.js';

const RECENT = 10;

function stat(label, key, value) {
  return h('div', {}, h('dt', {}, label), h('dd', { 'data-k': key }, value));
}

export function targetPage(main, [fid]) {
  const msg = h('div', { id: 'target-msg', 'aria-live': 'polite' });
  const head = h('section', { id: 'target-stats' }, loading('target'));
  const casts = h('section', { id: 'target-casts' }, loading('recent casts'));
  clear(main, h('p', {}, h('a', { href: '#/targets' }, '← Targets')),
    h('h1', {}, `Target fid ${fid}`), msg, head, h('h2', {}, 'Recent casts'), casts);

  async function loadStats() {
    const t = await apiOrError(head, `/admin/targets/${fid}/stats`);
    if (!t) return;
    if (t.username || t.display_name) {
      main.querySelector('h1').textContent = `Target ${userName(t)} · fid ${t.fid}`;
    }
    const backfill = h('button', { type: 'button', 'data-act': 'backfill' }, 'Backfill now');
    backfill.addEventListener('click', () => change(msg,
      () => api(`/admin/targets/${fid}/backfill`, { method: 'POST' }), `Backfill of fid ${fid} queued.`,
      loadStats));
    clear(head,
      h('dl', { class: 'stats', id: 'target-sync' },
        stat('Job state', 'state', t.state),
        stat('Root', 'root', t.root ? 'root' : 'not a root'),
        stat('Source', 'source', t.source),
        stat('Added', 'added_at', time(t.added_at)),
        stat('Last sync', 'last_synced_at', time(t.last_synced_at)),
        stat('Backfill attempts', 'backfill_attempts', num(t.backfill_attempts))),
      h('p', { class: t.last_error ? 'state error' : 'muted', 'data-k': 'last_error' },
        t.last_error ? `Last error: ${t.last_error}` : 'No error recorded.'),
      h('p', {}, backfill, ' ', h('a', { href: `#/u/${t.fid}`, class: 'button' }, 'Profile')),
      h('h2', {}, 'Indexed per kind'),
      h('dl', { class: 'stats', id: 'target-counts' },
        stat('Casts', 'casts', num(t.casts)),
        stat('Deleted casts', 'casts_deleted', num(t.casts_deleted)),
        stat('Reactions given', 'reactions', num(t.reactions)),
        stat('Reactions received', 'reactions_received', num(t.reactions_received)),
        stat('Followers', 'followers', num(t.followers)),
        stat('Following', 'following', num(t.following)),
        stat('Verifications', 'verifications', num(t.verifications))));
  }

  async function loadCasts() {
    const page = await apiOrError(casts, `/v1/users/${fid}/casts?limit=${RECENT}`);
    if (!page) return;
    clear(casts, page.casts.length
      ? h('div', { class: 'items', 'data-list': 'target-casts' }, page.casts.map((c) => castView(c)))
      : empty('No casts indexed for this account.'),
    page.next_cursor ? h('p', {}, h('a', { href: `#/u/${fid}/casts` }, 'All casts on the profile →')) : null);
  }

  loadStats();
  loadCasts();
  return null;
}
