// Log in with the admin password (POST /auth/login); a wrong one is refused
// with the server's message.
import { h, clear, errorView } from '../dom.js';
import { login, session } from '../api.js';
import { go, sessionChanged } from '../app.js';

export function loginPage(main, params, query, note) {
  const next = query.get('next') || '/dashboard';
  const pw = h('input', { type: 'password', id: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const msg = h('div', { id: 'login-msg', 'aria-live': 'polite' });
  const form = h('form', { id: 'login-form', class: 'card narrow' },
    h('label', { for: 'password' }, 'Admin password'), pw,
    h('button', { type: 'submit' }, 'Log in'), msg);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(msg);
    try {
      await login(pw.value);
    } catch (e) {
      clear(msg, e.status === 401 ? h('p', { class: 'state error', role: 'alert', 'data-state': 'error' },
        'Wrong password.') : errorView(e));
      pw.select();
      return;
    }
    sessionChanged();
    go(`#${next}`);
  });
  clear(main, h('h1', {}, 'Log in'),
    note ? h('p', { class: 'note' }, note) : null,
    session.authenticated ? h('p', {}, `Logged in as ${session.subject}.`) : null, form);
  pw.focus();
}
