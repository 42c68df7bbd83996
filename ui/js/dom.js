// Building the page: elements from data (text always as text, never as
// HTML), and the loading, empty and error states every data view shows.

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export function loading(what) {
  return h('p', { class: 'state loading', role: 'status' }, `Loading ${what}…`);
}

export function empty(text) {
  return h('p', { class: 'state empty', 'data-state': 'empty' }, text);
}

// An error as the user should read it; a 503 also names the dependency
// /readyz reports down.
export function errorView(err) {
  const box = h('div', { class: 'state error', role: 'alert', 'data-state': 'error' },
    h('strong', {}, err.status ? `Error ${err.status}` : 'Error'), ': ', err.message);
  if (err.status === 503) {
    fetch('/readyz', { headers: { Accept: 'application/json' } })
      .then((r) => r.json())
      .then((j) => {
        const down = Object.entries(j.checks || {}).filter(([, v]) => v !== 'ok');
        box.append(h('p', { 'data-down': down.map(([k]) => k).join(',') },
          down.length ? `Unavailable: ${down.map(([k, v]) => `${k} (${v})`).join(', ')}`
            : 'Every dependency answers again; retry.'));
      })
      .catch(() => box.append(h('p', {}, 'The server does not answer /readyz either.')));
  }
  return box;
}

// A change the user asked for (fn, a promise): progress, then done (a text,
// or a function of fn's answer) or the error, in msg; then reload() shows
// the state as it now is, either way. True when the change succeeded.
export async function change(msg, fn, done, reload) {
  clear(msg, loading('change'));
  let ok = false;
  try {
    const r = await fn();
    clear(msg, h('p', { class: 'state ok', role: 'status' }, typeof done === 'function' ? done(r) : done));
    ok = true;
  } catch (e) {
    clear(msg, errorView(e));
  }
  reload();
  return ok;
}
