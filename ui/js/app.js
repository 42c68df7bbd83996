// The single page: a hash router (#/feed/3, #/cast/<hash>, ...), the
// session shown in the header, and each page mounted into <main>.
import { h, clear, errorView } from './dom.js';
import { session, loadSession, logout } from './api.js';
import { warm } from './format.js';
import { loginPage } from './pages/login.js';
import { dashboardPage } from './pages/dashboard.js';
import { targetsPage } from './pages/targets.js';
import { targetPage } from './pages/target.js';
import { clientsPage } from './pages/clients.js';
import { jobsPage } from './pages/jobs.js';
import { feedPage, profilePage, threadPage, searchPage, trendingPage } from './pages/social.js';

// CSP violations are collected for the browser tests (and visible in the console anyway)
window.fcCspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.fcCspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
});

const routes = [
  [/^\/?$/, () => feedPage],
  [/^\/feed(?:\/(\d+))?$/, () => feedPage],
  [/^\/u\/(\d+)(?:\/(casts|replies|likes|followers|following))?$/, () => profilePage],
  [/^\/cast\/([0-9a-fA-Fx]+)$/, () => threadPage],
  [/^\/search$/, () => searchPage],
  [/^\/trending(?:\/(1h|24h|7d))?$/, () => trendingPage],
  [/^\/login$/, () => loginPage, false, true],
  [/^\/dashboard$/, () => dashboardPage, true],
  [/^\/targets$/, () => targetsPage, true],
  [/^\/targets\/(\d+)$/, () => targetPage, true],
  [/^\/clients$/, () => clientsPage, true],
  [/^\/jobs$/, () => jobsPage, true],
];

const main = document.getElementById('main');
let cleanup = null;
// GET /auth/session (asked for by index.html's preload while the modules
// load): the social pages do not wait for it, the admin and login pages do.
let sessionKnown = false;
let deferred = false; // a page waits for the session

export function go(hash) {
  if (location.hash === hash) render();
  else location.hash = hash;
}

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, qs] = raw.split('?');
  return { path, query: new URLSearchParams(qs || '') };
}

function header() {
  const who = document.getElementById('who');
  if (session.authenticated) {
    clear(who, h('span', { class: 'muted', 'data-k': 'subject' }, session.subject || 'admin'), ' ',
      h('button', { type: 'button', id: 'logout', onclick: doLogout }, 'Log out'));
  } else {
    clear(who, h('a', { href: '#/login', id: 'login-link' }, 'Log in'));
  }
  const { path } = parseHash();
  for (const a of document.querySelectorAll('#nav a')) {
    const target = a.getAttribute('href').slice(1);
    if (path === target || path.startsWith(`${target}/`)) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

async function doLogout() {
  try {
    await logout();
  } catch (e) {
    clear(main, errorView(e));
    return;
  }
  header();
  go('#/login');
}

function render() {
  if (cleanup) { cleanup(); cleanup = null; }
  deferred = false;
  const { path, query } = parseHash();
  header();
  for (const [re, page, admin, needsSession] of routes) {
    const m = path.match(re);
    if (!m) continue;
    deferred = (admin || needsSession) && !sessionKnown;
    if (deferred) return; // rendered when the session is known (the "Loading…" stays)
    if (admin && !session.authenticated) {
      cleanup = loginPage(main, [], new URLSearchParams({ next: path }),
        'This page is for administrators: log in first.');
      return;
    }
    const started = performance.now();
    cleanup = page()(main, m.slice(1), query) || null;
    document.title = `${main.querySelector('h1')?.textContent || 'fcindex'} · fcindex`;
    window.fcLastRender = { path, ms: performance.now() - started };
    main.focus({ preventScroll: true });
    warm(); // the page's requests are on their way: load the locale's formats meanwhile
    return;
  }
  clear(main, h('h1', {}, 'Not found'), h('p', {}, `Nothing lives at ${path}. `),
    h('a', { href: '#/' }, 'Go to the feed'));
}

export function sessionChanged() { header(); }

window.addEventListener('hashchange', render);
render();
loadSession()
  .catch(() => { /* anonymous: the social pages still work */ })
  .finally(() => {
    sessionKnown = true;
    if (deferred) render();
    else header();
  });
