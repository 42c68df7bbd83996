// A list read page by page on the API's next_cursor: the next page is
// fetched when the end of the list scrolls into view (or its button is
// pressed), until the API says there is none.
import { h, clear, loading, empty, errorView } from './dom.js';

// fetchPage(cursor) -> {items, next}; render(item) -> element.
export function pagedList(container, { fetchPage, render, emptyText, what, listClass = 'items' }) {
  const list = h('div', { class: listClass, 'data-list': what });
  const more = h('button', { type: 'button', class: 'more' }, 'Load more');
  const foot = h('div', { class: 'list-foot' });
  let cursor = null, busy = false, done = false, count = 0;
  const observer = 'IntersectionObserver' in window
    ? new IntersectionObserver((entries) => { if (entries.some((e) => e.isIntersecting)) next(); })
    : null;

  async function next() {
    if (busy || done) return;
    busy = true;
    clear(foot, loading(what));
    try {
      const page = await fetchPage(cursor);
      for (const item of page.items) list.append(render(item));
      count += page.items.length;
      cursor = page.next;
      done = !cursor;
      if (done) {
        observer?.disconnect();
        clear(foot, count ? h('p', { class: 'state end', 'data-state': 'end' }, `End · ${count} shown`)
          : empty(emptyText));
      } else {
        clear(foot, more);
      }
    } catch (e) {
      clear(foot, errorView(e), h('button', { type: 'button', onclick: () => next() }, 'Retry'));
    } finally {
      busy = false;
    }
    // a short first page may not fill the screen: keep going while the end shows
    if (!done && observer) { observer.unobserve(foot); observer.observe(foot); }
  }
  more.addEventListener('click', () => next());
  clear(container, list, foot);
  observer?.observe(foot);
  next();
  return { stop: () => observer?.disconnect() };
}
