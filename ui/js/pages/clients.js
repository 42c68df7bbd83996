// Client apps (GET /admin/client-targets): each monitored app with the
// users who signed up through it; add one, remove one (asks for a second
// click). Users signing up through a monitored app become roots.
import { h, clear, loading, empty, change } from '../dom.js';
import { api, apiOrError } from '../api.js';
import { num, time } from '../format.js';
import { userName } from '../casts.js';

export function clientsPage(main) {
  const msg = h('div', { id: 'clients-msg', 'aria-live': 'polite' });
  const body = h('section', { id: 'clients' }, loading('client apps'));
  const fid = h('input', { id: 'client-fid', name: 'fid', inputmode: 'numeric', pattern: '[0-9]+', required: true });
  const add = h('form', { id: 'client-form', class: 'inline card' },
    h('label', { for: 'client-fid' }, 'Monitor app fid'), fid, h('button', { type: 'submit' }, 'Add'));
  add.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const f = fid.value.trim();
    if (await act(() => api('/admin/client-targets', { method: 'POST', body: { fid: f } }),
      `Now monitoring app fid ${f}: its new sign-ups become roots.`)) fid.value = '';
  });
  clear(main, h('h1', {}, 'Client apps'), add, msg, body);

  const act = (fn, done) => change(msg, fn, done, load);

  function removeButton(c) {
    const b = h('button', { type: 'button', class: 'danger', 'data-act': 'remove' }, 'Remove');
    b.addEventListener('click', () => {
      if (b.dataset.confirm !== 'yes') {
        b.dataset.confirm = 'yes';
        b.textContent = `Confirm removing app ${c.fid}`;
        return;
      }
      act(() => api(`/admin/client-targets/${c.fid}`, { method: 'DELETE' }),
        `Stopped monitoring app fid ${c.fid}; the users it brought in stay targets.`);
    });
    b.addEventListener('blur', () => { b.dataset.confirm = ''; b.textContent = 'Remove'; });
    return b;
  }

  function users(c) {
    if (!c.user_list.length) return h('span', { class: 'muted' }, 'none indexed');
    const more = c.users - c.user_list.length;
    return [h('ul', { class: 'plain inline-list' }, c.user_list.map((u) =>
      h('li', { 'data-user': u.fid }, h('a', { href: `#/u/${u.fid}` }, userName(u))))),
    more > 0 ? h('span', { class: 'muted' }, `and ${num(more)} more`) : null];
  }

  async function load() {
    const r = await apiOrError(body, '/admin/client-targets');
    if (!r) return;
    // one card per app: the users it brought in wrap at any width, never sideways
    clear(body, r.clients.length ? h('div', { id: 'clients-list', class: 'items' }, r.clients.map((c) =>
      h('article', { class: 'card client', 'data-client': c.fid },
        h('h2', {}, 'App ', h('a', { href: `#/u/${c.fid}` }, `fid ${c.fid}`)),
        h('dl', { class: 'stats' },
          h('div', {}, h('dt', {}, 'Users brought in'), h('dd', { 'data-k': 'users' }, num(c.users))),
          h('div', {}, h('dt', {}, 'Source'), h('dd', {}, c.source)),
          h('div', {}, h('dt', {}, 'Monitored since'), h('dd', {}, time(c.added_at)))),
        h('div', { class: 'who-list' }, h('h3', {}, 'Signed up through it'), users(c)),
        h('p', { class: 'actions' }, removeButton(c)))))
      : empty('No client app is monitored.'));
  }
  load();
  return null;
}
