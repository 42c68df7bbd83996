// Numbers grouped, times relative with the exact time on hover.
import { h } from './dom.js';

// The formatters are made on first use, not when the module loads: the
// first Intl formatter of a page loads the locale's data, which takes tens of
// milliseconds, and app.js makes them (warm()) only once the page's requests
// are on their way, so that time overlaps the network's.
let fmt = null;
function formats() {
  if (!fmt) {
    fmt = {
      number: new Intl.NumberFormat(),
      rate: new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 }),
      relative: new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' }),
      clock: new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' }),
      // what toLocaleString() shows, without a formatter made per call
      exact: new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'numeric', day: 'numeric',
        hour: 'numeric', minute: 'numeric', second: 'numeric' }),
    };
  }
  return fmt;
}
export function warm() { formats(); }

export function num(n) {
  return n === null || n === undefined ? '—' : formats().number.format(n);
}

export function rate(n) {
  return n === null || n === undefined ? '—' : formats().rate.format(n);
}

// Hours and minutes, for chart labels.
export function clock(date) {
  return formats().clock.format(date);
}

const units = [['year', 31536000], ['month', 2592000], ['week', 604800], ['day', 86400],
  ['hour', 3600], ['minute', 60], ['second', 1]];

export function relative(date, now = Date.now()) {
  const s = Math.round((date.getTime() - now) / 1000);
  for (const [unit, size] of units) {
    if (Math.abs(s) >= size || unit === 'second') return formats().relative.format(Math.round(s / size), unit);
  }
  return '';
}

// <time> showing "5 minutes ago", the exact time in its title.
export function time(iso) {
  if (!iso) return h('span', { class: 'muted' }, 'never');
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return h('span', {}, String(iso));
  return h('time', { datetime: iso, title: formats().exact.format(d) }, relative(d));
}

export function duration(seconds) {
  if (seconds === null || seconds === undefined) return '—';
  const s = Math.floor(seconds);
  const d = Math.floor(s / 86400), hr = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d) return `${d} d ${hr} h`;
  if (hr) return `${hr} h ${m} min`;
  if (m) return `${m} min ${s % 60} s`;
  return `${s} s`;
}
