// Backfill jobs (GET /admin/jobs/stats and /admin/jobs): per state, the
// pause switch, clear (asks for a second click), retry all or one failure;
// dead letters (GET /admin/dead-letters): raw payload, retry, delete.
import { h, clear, loading, empty, change } from '../dom.js';
import { api, apiOrError } from '../api.js';
import { num, time } from '../format.js';

const DL_LIMIT = 50;

// A button that acts on its second click (its label asks first).
function confirmButton(label, ask, act, attrs = {}) {
  const b = h('button', { type: 'button', ...attrs }, label);
  b.addEventListener('click', () => {
    if (b.dataset.confirm !== 'yes') {
      b.dataset.confirm = 'yes';
      b.textContent = ask;
      return;
    }
    act();
  });
  b.addEventListener('blur', () => { b.dataset.confirm = ''; b.textContent = label; });
  return b;
}

export function jobsPage(main, params, query) {
  const msg = h('div', { id: 'jobs-msg', 'aria-live': 'polite' });
  const stats = h('section', { id: 'job-stats' }, loading('jobs'));
  const failures = h('section', { id: 'job-failures' });
  const dead = h('section', { id: 'dead-letters' });
  clear(main, h('h1', {}, 'Jobs'), msg, stats, h('h2', {}, 'Recent failures'), failures,
    h('h2', {}, 'Dead letters'), dead);
  const dlOffset = Number(query.get('cursor') || 0);

  const act = (fn, done) => change(msg, fn, done, load);

  async function loadStats() {
    const s = await apiOrError(stats, '/admin/jobs/stats');
    if (!s) return;
    const q = s.queue;
    clear(stats,
      h('p', { 'data-k': 'paused', class: s.paused ? 'note' : '' },
        s.paused ? 'Paused: no worker takes a job.' : 'Running: workers take jobs.',
        h('span', { class: 'muted' }, ` Changed by ${s.paused_changed_by} `, time(s.paused_changed_at))),
      h('p', { class: 'inline-actions' },
        s.paused
          ? h('button', { type: 'button', id: 'resume', onclick: () => act(() => api('/admin/jobs/resume', { method: 'POST' }), () => 'Resumed.') }, 'Resume')
          : h('button', { type: 'button', id: 'pause', onclick: () => act(() => api('/admin/jobs/pause', { method: 'POST' }), () => 'Paused.') }, 'Pause'),
        ' ',
        h('button', { type: 'button', id: 'retry-all', onclick: () => act(() => api('/admin/jobs/retry-all', { method: 'POST' }), (r) => `${num(r.retried)} jobs queued again.`) }, 'Retry all failed and held'),
        ' ',
        ['pending', 'failed'].map((state) => [confirmButton(`Clear ${state}`, `Confirm: hold every ${state} job`,
          () => act(() => api('/admin/jobs/clear', { method: 'POST', body: { state, confirm: true } }), (r) => `${num(r.cleared)} ${state} jobs held.`),
          { class: 'danger', id: `clear-${state}` }), ' '])),
      h('dl', { class: 'stats', id: 'job-states' },
        Object.entries(s.states).map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', { 'data-k': `state-${k}` }, num(v)))),
        q ? ['pending', 'running', 'delayed', 'failed'].map((k) =>
          h('div', {}, h('dt', {}, `queue ${k}`), h('dd', { 'data-k': `queue-${k}` }, num(q[k])))) : null));
  }

  async function loadFailures() {
    const j = await apiOrError(failures, '/admin/jobs');
    if (!j) return;
    clear(failures, j.failures.length ? h('div', { class: 'scroll' }, h('table', { id: 'failures' },
      h('thead', {}, h('tr', {}, ['Job', 'Fid', 'Attempts', 'Reason', ''].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, j.failures.map((f) => h('tr', { 'data-job': f.id },
        h('td', {}, f.id), h('td', {}, h('a', { href: `#/u/${f.fid}` }, f.fid)), h('td', {}, num(f.attempts)),
        h('td', { class: 'err' }, f.error),
        h('td', {}, h('button', { type: 'button', onclick: () => act(() => api(`/admin/jobs/${encodeURIComponent(f.id)}/retry`, { method: 'POST' }), () => `Job ${f.id} queued again.`) }, 'Retry')))))))
      : empty('No failed jobs.'));
  }

  async function loadDead() {
    const d = await apiOrError(dead, `/admin/dead-letters?limit=${DL_LIMIT}${dlOffset ? `&cursor=${dlOffset}` : ''}`);
    if (!d) return;
    clear(dead,
      h('p', { 'data-k': 'dl-total' }, `${num(d.total)} dead letters`),
      d.dead_letters.length ? h('div', { class: 'scroll' }, h('table', { id: 'dead-table' },
        h('thead', {}, h('tr', {}, ['Id', 'Source', 'Reason', 'Attempts', 'First seen', 'Last seen', 'Payload', 'Actions'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, d.dead_letters.map((x) => h('tr', { 'data-dl': x.id },
          h('td', {}, x.id), h('td', {}, x.source), h('td', { class: 'err' }, x.reason),
          h('td', { 'data-k': 'attempts' }, num(x.attempts)), h('td', {}, time(x.first_seen)), h('td', {}, time(x.last_seen)),
          h('td', {}, h('a', { href: `/admin/dead-letters/${x.id}/payload`, download: `dead-letter-${x.id}.bin` }, `${num(x.payload_bytes)} bytes`)),
          h('td', { class: 'actions' },
            h('button', { type: 'button', 'data-act': 'retry',
              onclick: () => act(() => api(`/admin/dead-letters/${x.id}/retry`, { method: 'POST' }), (r) => `Dead letter ${x.id}: ${r.outcome.replace('_', ' ')}.`) }, 'Retry'),
            confirmButton('Delete', `Confirm deleting ${x.id}`,
              () => act(() => api(`/admin/dead-letters/${x.id}`, { method: 'DELETE' }), () => `Dead letter ${x.id} deleted.`),
              { class: 'danger', 'data-act': 'delete' }))))))) : empty('No dead letters: every item received was valid.'),
      h('p', { class: 'pager' },
        dlOffset > 0 ? h('a', { class: 'button', href: `#/jobs${dlOffset - DL_LIMIT > 0 ? `?cursor=${dlOffset - DL_LIMIT}` : ''}` }, '← Previous') : null,
        d.next_cursor ? h('a', { class: 'button', href: `#/jobs?cursor=${d.next_cursor}` }, 'Next →') : null));
  }

  function load() { loadStats(); loadFailures(); loadDead(); }
  load();
  return null;
}
