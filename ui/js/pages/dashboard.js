// The instance at a glance from GET /admin/status, polled every 5 s while
// the page is visible; the last hour's rows written per minute
// (GET /admin/analytics?window=1h, every 30 s); and GET /admin/analytics
// over 24 h, 7 d and 30 d as charts with the same numbers in tables.
import { h, clear, loading, empty, errorView } from '../dom.js';
import { api } from '../api.js';
import { num, rate, time, duration } from '../format.js';
import { userName } from '../casts.js';

const POLL_MS = 5000;
const HOUR_POLL_MS = 30000;

function stat(label, key, value) {
  return h('div', { class: 'stat' }, h('dt', {}, label), h('dd', { 'data-k': key }, value));
}

function table(caption, cols, rows, id) {
  if (!rows.length) return h('div', {}, h('h3', {}, caption), empty(`No ${caption.toLowerCase()}.`));
  return h('div', { class: 'scroll' }, h('table', { id },
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, cols.map(([name]) => h('th', { scope: 'col' }, name)))),
    h('tbody', {}, rows.map((r) => h('tr', {}, cols.map(([, f]) => h('td', {}, f(r))))))));
}

function statusView(s) {
  const q = s.queue || {};
  const ix = s.indexer;
  return [
    h('dl', { class: 'stats', id: 'status-stats' },
      stat('Targets', 'targets', num(s.targets)),
      stat('Roots', 'roots', num(s.roots)),
      stat('Non-roots', 'non_roots', num(s.targets - s.roots)),
      stat('Pending sync', 'unsynced', num(s.unsynced)),
      stat('Dead letters', 'dead_letters', num(s.dead_letters)),
      stat('Client apps', 'clients', num(s.clients)),
      stat('Queue pending', 'queue_pending', num(q.pending)),
      stat('Queue running', 'queue_running', num(q.running)),
      stat('Queue delayed', 'queue_delayed', num(q.delayed)),
      stat('Queue failed', 'queue_failed', num(q.failed)),
      stat('Events/s', 'events_per_s', ix ? rate(ix.events_per_s) : '—'),
      stat('Messages/s', 'messages_per_s', ix ? rate(ix.messages_per_s) : '—'),
      stat('Version', 'version', s.version),
      stat('API uptime', 'uptime', duration(s.api?.uptime_s))),
    ix ? null : h('p', { class: 'note' }, 'No indexer process reports: nothing is following the hubs.'),
    table('Lag per shard', [['Shard', (r) => r.shard], ['Next event', (r) => num(r.cursor)],
      ['Lag (s)', (r) => rate(r.lag_s)]], ix ? ix.streams : [], 'streams'),
    table('Hubs', [['Hub', (r) => r.name], ['Healthy', (r) => (r.healthy === null ? 'unknown' : r.healthy ? 'yes' : 'no')],
      ['Latency (ms)', (r) => rate(r.latency_ms)], ['Last error', (r) => r.last_error || '—']], s.hubs || [], 'hubs'),
    table('Processes', [['Id', (r) => r.id], ['Role', (r) => r.role], ['State', (r) => r.state],
      ['Up', (r) => duration(r.uptime_s)], ['Heartbeat', (r) => time(r.last_heartbeat)],
      ['Events/s', (r) => rate(r.events_per_s)]], s.processes || [], 'processes'),
    table('Rows', [['Table', (r) => r[0]], ['Rows', (r) => h('span', { 'data-row': r[0] }, num(r[1]))]],
      Object.entries(s.rows || {}), 'rows'),
  ];
}

let chartLib = null;
function loadCharts() {
  if (window.Chart) return Promise.resolve(window.Chart);
  if (!chartLib) {
    chartLib = new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = new URL('../../vendor/chart.min.js', import.meta.url).href;
      s.onload = () => resolve(window.Chart);
      s.onerror = () => reject(new Error('the chart library did not load'));
      document.head.append(s);
    });
  }
  return chartLib;
}

function chart(Chart, type, labels, datasets, id) {
  const canvas = h('canvas', { role: 'img', id, 'aria-label': datasets.map((d) => d.label).join(', ') });
  const box = h('div', { class: 'chart' }, canvas);
  const c = new Chart(canvas, {
    type,
    data: { labels, datasets },
    options: { animation: false, responsive: true, maintainAspectRatio: false,
      plugins: { legend: { position: 'bottom' } }, scales: { y: { beginAtZero: true } } },
  });
  return id ? { box, chart: c } : box;
}

// Rows written per minute over the last hour (GET /admin/analytics?window=1h):
// the chart is drawn once and its data replaced on each refresh.
function lastHour(box) {
  let drawn = null;
  return async function refresh() {
    let a;
    try {
      a = await api('/admin/analytics?window=1h');
    } catch (e) {
      // the last chart stays; the error says why it stopped moving
      const v = errorView(e);
      if (drawn) { drawn.summary.replaceWith(v); drawn.summary = v; } else clear(box, v);
      return;
    }
    let Chart = null;
    try { Chart = await loadCharts(); } catch { /* the table still shows the numbers */ }
    const labels = a.indexed.map((r) => new Date(r.at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }));
    const kinds = ['casts', 'reactions', 'follows'];
    const total = a.indexed.reduce((t, r) => t + r.casts + r.reactions + r.follows, 0);
    const span = (new Date(a.until) - new Date(a.since)) / 1000;
    const summary = h('p', { id: 'hour-summary' }, h('span', { 'data-k': 'hour_total' }, num(total)),
      ' rows written in the last hour · ', h('span', { 'data-k': 'hour_rate' }, rate(span > 0 ? total / span : 0)),
      ' a second on average · now ', h('span', { 'data-k': 'hour_now' }, rate(a.now.messages_per_s)),
      ' messages/s, ', rate(a.now.events_per_s), ' events/s');
    const numbers = h('details', {}, h('summary', {}, 'The numbers per minute'),
      table('Rows written per minute', [['Minute', (r) => time(r.at)], ['Casts', (r) => num(r.casts)],
        ['Reactions', (r) => num(r.reactions)], ['Follows', (r) => num(r.follows)]], a.indexed, 'hour-table'));
    if (drawn && drawn.chart) {
      drawn.chart.data.labels = labels;
      kinds.forEach((k, i) => { drawn.chart.data.datasets[i].data = a.indexed.map((r) => r[k]); });
      drawn.chart.update('none');
      drawn.summary.replaceWith(summary);
      drawn.numbers.replaceWith(numbers);
      drawn.summary = summary;
      drawn.numbers = numbers;
      return;
    }
    const colors = ['#2563eb', '#db2777', '#059669'];
    const c = Chart ? chart(Chart, 'line', labels, kinds.map((k, i) => ({ label: `${k} per minute`,
      data: a.indexed.map((r) => r[k]), borderColor: colors[i], backgroundColor: colors[i], pointRadius: 0 })), 'hour-chart') : null;
    drawn = { chart: c && c.chart, summary, numbers };
    clear(box, summary, c && c.box, numbers);
  };
}

async function analyticsView(box, win) {
  clear(box, loading('analytics'));
  let a;
  try {
    a = await api(`/admin/analytics?window=${win}`);
  } catch (e) {
    clear(box, errorView(e));
    return;
  }
  const label = (iso) => {
    const d = new Date(iso);
    return a.bucket === 'hour' ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : d.toLocaleDateString();
  };
  let Chart = null;
  try { Chart = await loadCharts(); } catch { /* tables still show the numbers */ }
  const colors = ['#2563eb', '#db2777', '#059669'];
  clear(box,
    h('h3', {}, `Items indexed per ${a.bucket}`),
    Chart && a.indexed.length ? chart(Chart, 'line', a.indexed.map((r) => label(r.at)),
      ['casts', 'reactions', 'follows'].map((k, i) => ({ label: k, data: a.indexed.map((r) => r[k]), borderColor: colors[i], backgroundColor: colors[i] }))) : null,
    table(`Indexed per ${a.bucket}`, [['At', (r) => time(r.at)], ['Casts', (r) => num(r.casts)],
      ['Reactions', (r) => num(r.reactions)], ['Follows', (r) => num(r.follows)]], a.indexed, 'indexed'),
    h('h3', {}, 'Targets added per day'),
    Chart && a.targets_added.length ? chart(Chart, 'bar', a.targets_added.map((r) => r.day),
      [{ label: 'targets added', data: a.targets_added.map((r) => r.count), backgroundColor: colors[0] }]) : null,
    table('Targets added', [['Day', (r) => r.day], ['Added', (r) => num(r.count)]], a.targets_added, 'targets-added'),
    table('Top targets', [['Account', (r) => h('a', { href: `#/u/${r.fid}` }, userName(r))],
      ['Casts', (r) => num(r.casts)], ['Reactions', (r) => num(r.reactions)], ['Follows', (r) => num(r.follows)],
      ['Total', (r) => h('span', { 'data-top': r.fid }, num(r.total))]], a.top_targets, 'top-targets'),
    table('Sign-ups per client app', [['Client fid', (r) => r.client_fid], ['Sign-ups', (r) => num(r.signups)]],
      a.signups_by_client, 'signups'));
}

export function dashboardPage(main) {
  const status = h('section', { id: 'status', 'aria-live': 'polite' }, loading('status'));
  const updated = h('p', { class: 'muted', id: 'updated' });
  const analytics = h('section', { id: 'analytics' });
  const hour = h('section', { id: 'last-hour', 'aria-live': 'polite' }, loading('the last hour'));
  const wins = ['24h', '7d', '30d'];
  let win = '24h';
  const winNav = h('div', { class: 'tabs', role: 'group', 'aria-label': 'Analytics window' }, wins.map((w) =>
    h('button', { type: 'button', 'data-window': w, 'aria-pressed': w === win ? 'true' : 'false',
      onclick: (ev) => {
        win = w;
        for (const b of winNav.querySelectorAll('button')) b.setAttribute('aria-pressed', b === ev.currentTarget ? 'true' : 'false');
        analyticsView(analytics, win);
      } }, w)));
  clear(main, h('h1', {}, 'Dashboard'), updated, status, h('h2', {}, 'Last hour'), hour,
    h('h2', {}, 'Analytics'), winNav, analytics);

  let timer = null, stopped = false;
  async function poll() {
    try {
      const s = await api('/admin/status');
      if (stopped) return;
      clear(status, statusView(s));
      clear(updated, 'Updated ', h('time', { datetime: new Date().toISOString(), title: new Date().toLocaleString() },
        new Date().toLocaleTimeString()), ` · refreshes every ${POLL_MS / 1000} s`);
    } catch (e) {
      if (!stopped) clear(status, errorView(e));
    }
    if (!stopped) timer = setTimeout(poll, document.hidden ? POLL_MS * 6 : POLL_MS);
  }
  // the chart library (the page's largest file) loads while the data is asked for
  loadCharts().catch(() => { /* the tables still show the numbers */ });
  const refreshHour = lastHour(hour);
  let hourTimer = null;
  async function pollHour() {
    await refreshHour();
    if (!stopped) hourTimer = setTimeout(pollHour, document.hidden ? HOUR_POLL_MS * 4 : HOUR_POLL_MS);
  }
  poll();
  pollHour();
  analyticsView(analytics, win);
  return () => { stopped = true; clearTimeout(timer); clearTimeout(hourTimer); };
}
