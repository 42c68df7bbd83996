// One cast as every social page shows it: author linked to the profile,
// mentions linked, embeds as links (images stay on their own sites: the
// Content-Security-Policy loads nothing from elsewhere), the channel URL,
// counts, and the time.
import { h } from './dom.js';
import { num, time } from './format.js';

const utf8 = new TextEncoder();
const text8 = new TextDecoder();

// The cast's text with each mention (a byte offset in the UTF-8 text)
// rendered as a link to the mentioned account; terms, when given, marked.
export function castText(cast, terms) {
  const bytes = utf8.encode(cast.text || '');
  const parts = [];
  let at = 0;
  const mentions = cast.mentions || [];
  const positions = cast.mentions_positions || [];
  mentions.forEach((fid, i) => {
    const pos = Math.min(Math.max(positions[i] ?? at, at), bytes.length);
    parts.push(...highlight(text8.decode(bytes.slice(at, pos)), terms));
    parts.push(h('a', { href: `#/u/${fid}`, class: 'mention', 'data-mention': fid }, `@${fid}`));
    at = pos;
  });
  parts.push(...highlight(text8.decode(bytes.slice(at)), terms));
  return parts;
}

// text split so every occurrence of a term (case-insensitive) is a <mark>
export function highlight(text, terms) {
  if (!terms || !terms.length || !text) return [text];
  const escaped = terms.filter(Boolean).map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  if (!escaped.length) return [text];
  const re = new RegExp(`(${escaped.join('|')})`, 'gi');
  return text.split(re).map((s, i) => (i % 2 ? h('mark', {}, s) : s)).filter((s) => s !== '');
}

export function userName(u) {
  if (!u) return '';
  return u.display_name || (u.username ? `@${u.username}` : `fid ${u.fid}`);
}

function embed(e) {
  if (e && e.url) {
    let safe = null;
    try {
      const u = new URL(e.url);
      if (u.protocol === 'https:' || u.protocol === 'http:') safe = u.href;
    } catch { /* not a URL: shown as text */ }
    return h('li', {}, safe ? h('a', { href: safe, rel: 'noopener noreferrer nofollow', target: '_blank' }, e.url) : e.url);
  }
  if (e && e.cast_id) {
    return h('li', {}, h('a', { href: `#/cast/${e.cast_id.hash}` }, `cast by fid ${e.cast_id.fid}`));
  }
  return null;
}

export function castView(cast, { terms, extra, focus } = {}) {
  const a = cast.author || { fid: cast.fid };
  const embeds = (cast.embeds || []).map(embed).filter(Boolean);
  return h('article', { class: `cast${focus ? ' focus' : ''}`, 'data-hash': cast.hash },
    h('header', {},
      h('a', { href: `#/u/${a.fid}`, class: 'author' }, userName(a)),
      a.username ? h('span', { class: 'muted' }, ` @${a.username}`) : null,
      ' · ', h('a', { href: `#/cast/${cast.hash}`, class: 'when' }, time(cast.timestamp))),
    cast.parent_url ? h('p', { class: 'channel' }, 'in ', h('span', { class: 'url' }, cast.parent_url)) : null,
    h('p', { class: 'text' }, castText(cast, terms)),
    embeds.length ? h('ul', { class: 'embeds' }, embeds) : null,
    h('footer', { class: 'counts' },
      h('span', { 'data-k': 'likes' }, `${num(cast.reactions?.likes)} likes`), ' · ',
      h('span', { 'data-k': 'recasts' }, `${num(cast.reactions?.recasts)} recasts`), ' · ',
      h('a', { href: `#/cast/${cast.hash}`, 'data-k': 'replies' }, `${num(cast.replies)} replies`),
      extra || null));
}

export function userRow(u, extra) {
  return h('li', { class: 'user', 'data-fid': u.fid },
    h('a', { href: `#/u/${u.fid}` }, userName(u)),
    u.username ? h('span', { class: 'muted' }, ` @${u.username}`) : null,
    h('span', { class: 'muted' }, ` · fid ${u.fid}`),
    extra || null);
}
