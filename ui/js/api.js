// The JSON API as the pages use it: same origin, the session cookie, and the
// session's CSRF token on every change.
import { clear, errorView } from './dom.js';

export const session = { authenticated: false, csrf: null, subject: null };

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export async function api(path, { method = 'GET', body } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && session.csrf) headers['X-CSRF-Token'] = session.csrf;
  let r;
  try {
    r = await fetch(path, {
      method, headers, credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, 'network', `the server cannot be reached (${e.message})`);
  }
  let json = null;
  try { json = await r.json(); } catch { /* an empty or non-JSON answer */ }
  if (!r.ok) {
    const e = json && json.error;
    throw new ApiError(r.status, e ? e.code : 'http',
      e ? e.message : `${method} ${path} answered ${r.status}`);
  }
  return json;
}

// GET path for one part of a page (el): the answer, or null once the error
// is shown in place of the part.
export async function apiOrError(el, path) {
  try {
    return await api(path);
  } catch (e) {
    clear(el, errorView(e));
    return null;
  }
}

export async function loadSession() {
  const s = await api('/auth/session');
  session.authenticated = !!s.authenticated;
  session.csrf = s.csrf_token || null;
  session.subject = s.subject || null;
  return session;
}

export async function login(password) {
  const s = await api('/auth/login', { method: 'POST', body: { password } });
  session.authenticated = true;
  session.csrf = s.csrf_token;
  session.subject = s.subject;
}

export async function logout() {
  await api('/auth/logout', { method: 'POST' });
  session.authenticated = false;
  session.csrf = null;
  session.subject = null;
}
