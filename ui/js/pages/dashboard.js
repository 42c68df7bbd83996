// The instance at a glance from GET /admin/status, polled every 5 s while
// the page is visible; the indexers' events and messages over the last hour
// (GET /admin/throughput, every 10 s: its bucket); and GET /admin/analytics
// over 1 h, 24 h, 7 d and 30 d as charts with the same numbers in tables.
import { h, clear, loading, empty, errorView } from '../dom.js';
import { api } from '../api.js';
import { num, rate, time, duration, clock } from '../format.js';
import { userName } from '../casts.js';

const POLL_MS = 5000;
const HOUR_POLL_MS = 10000; // the history's bucket

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

// The chart library (the page's largest file: about 200 KB of script to
// compile) is fetched as soon as the dashboard opens but runs only once the
// page's numbers are shown, so compiling it never holds up the first render.
const CHART_URL = new URL('../../vendor/chart.min.js', import.meta.url).href;
let chartLib = null;
let chartGate = Promise.resolve();
function prefetchCharts() {
  if (window.Chart || document.querySelector(`link[href="${CHART_URL}"]`)) return;
  document.head.append(h('link', { rel: 'preload', as: 'script', href: CHART_URL }));
}
function loadCharts() {
  if (window.Chart) return Promise.resolve(window.Chart);
  if (!chartLib) {
    chartLib = chartGate.then(() => new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = CHART_URL;
      s.onload = () => resolve(window.Chart);
      s.onerror = () => reject(new Error('the chart library did not load'));
      document.head.append(s);
    }));
  }
  return chartLib;
}

// A chart in box (a new one by default), drawn into a canvas with that id.
function chart(Chart, type, labels, datasets, id, box = h('div', { class: 'chart' })) {
  const canvas = h('canvas', { role: 'img', id, 'aria-label': datasets.map((d) => d.label).join(', ') });
  clear(box, canvas);
  const c = new Chart(canvas, {
    type,
    data: { labels, datasets },
    options: { animation: false, responsive: true, maintainAspectRatio: false,
      plugins: { legend: { position: 'bottom' } }, scales: { y: { beginAtZero: true } } },
  });
  return id ? { box, chart: c } : box;
}

// The indexers' history over the last hour (GET /admin/throughput): events
// read and applied and backfill messages per 10-second bucket, as rates
// (count / bucket_s). The numbers show as soon as they arrive; the chart
// joins them when the chart library has loaded, and is drawn once and its
// data replaced on each refresh.
const HOUR_SERIES = [
  ['events_read', 'events read/s', '#2563eb'],
  ['events_applied', 'events applied/s', '#059669'],
  ['messages', 'messages written/s', '#db2777'],
];

function hourTable(t) {
  const at = (i) => new Date((Date.parse(t.since) / 1000 + i * t.bucket_s) * 1000).toISOString().replace('.000Z', 'Z');
  const rows = t.events_read.map((_, i) => i).reverse();
  return table('Events and messages per bucket, newest first', [['From', (i) => time(at(i))],
    ['Events read', (i) => num(t.events_read[i])], ['Events applied', (i) => num(t.events_applied[i])],
    ['Messages', (i) => num(t.messages[i])]], rows, 'hour-table');
}

function lastHour(box) {
  let drawn = null;
  return async function refresh() {
    let t;
    try {
      t = await api('/admin/throughput');
    } catch (e) {
      // the last chart stays; the error says why it stopped moving
      const v = errorView(e);
      if (drawn) { drawn.summary.replaceWith(v); drawn.summary = v; } else clear(box, v);
      return;
    }
    const perSecond = (k) => t[k].map((c) => c / t.bucket_s);
    const summary = h('p', { id: 'hour-summary', 'data-since': t.since },
      h('span', { 'data-k': 'hour_events_read' }, num(t.total.events_read)), ' events read (',
      h('span', { 'data-k': 'hour_events_applied' }, num(t.total.events_applied)), ' applied) and ',
      h('span', { 'data-k': 'hour_messages' }, num(t.total.messages)), ' messages written in the last hour',
      t.processes > 1 ? ` by ${num(t.processes)} indexer processes` : '',
      ' · now ', h('span', { 'data-k': 'now_events' }, rate(t.now.events_per_s)), ' events/s, ',
      h('span', { 'data-k': 'now_messages' }, rate(t.now.messages_per_s)), ' messages/s');
    // the 360 rows are built when someone opens them
    const numbers = h('details', { id: 'hour-numbers' }, h('summary', {}, `The numbers per ${t.bucket_s} s`));
    numbers.addEventListener('toggle', () => {
      if (numbers.open && !numbers.querySelector('table')) numbers.append(hourTable(t));
    });
    if (drawn && drawn.numbers.open) { // open stays open across refreshes
      numbers.open = true;
      numbers.append(hourTable(t));
    }
    const chartBox = h('div', { class: 'chart', id: 'hour-chart-box' });
    if (drawn) {
      drawn.summary.replaceWith(summary);
      drawn.numbers.replaceWith(numbers);
      Object.assign(drawn, { summary, numbers });
    } else {
      drawn = { summary, numbers, chart: null, box: chartBox };
      clear(box, summary, chartBox, numbers);
    }
    const data = { t, sets: HOUR_SERIES.map(([k]) => perSecond(k)), since: t.since };
    drawn.data = data;
    drawHour(drawn, data);
  };
}

async function drawHour(drawn, data) {
  let Chart;
  try { Chart = await loadCharts(); } catch { return; /* the numbers are there */ }
  if (drawn.data !== data) return; // a newer refresh draws
  const start = Date.parse(data.t.since);
  data.labels = data.t.events_read.map((_, i) => clock(new Date(start + i * data.t.bucket_s * 1000)));
  if (drawn.chart) {
    drawn.chart.data.labels = data.labels;
    data.sets.forEach((d, i) => { drawn.chart.data.datasets[i].data = d; });
    drawn.chart.update('none');
  } else {
    drawn.chart = chart(Chart, 'line', data.labels, HOUR_SERIES.map(([, label, color], i) => ({
      label, data: data.sets[i], borderColor: color, backgroundColor: color, pointRadius: 0, borderWidth: 1.5 })),
    'hour-chart', drawn.box).chart;
  }
  drawn.box.setAttribute('data-since', data.since);
}

// The tables show as soon as the numbers arrive; the charts are drawn into
// their slots when the chart library has loaded.
let analyticsSeq = 0;
async function analyticsView(box, win) {
  const seq = ++analyticsSeq;
  clear(box, loading('analytics'));
  let a;
  try {
    a = await api(`/admin/analytics?window=${win}`);
  } catch (e) {
    if (seq === analyticsSeq) clear(box, errorView(e));
    return;
  }
  if (seq !== analyticsSeq) return; // another window was chosen meanwhile
  const label = (iso) => {
    const d = new Date(iso);
    return a.bucket === 'day' ? d.toLocaleDateString() : clock(d);
  };
  const total = a.indexed.reduce((t, r) => t + r.casts + r.reactions + r.follows, 0);
  const indexedChart = a.indexed.length ? h('div', { class: 'chart' }) : null;
  const addedChart = a.targets_added.length ? h('div', { class: 'chart' }) : null;
  clear(box,
    h('h3', {}, `Items indexed per ${a.bucket}`),
    h('p', {}, h('span', { 'data-k': 'indexed_total' }, num(total)), ` rows written in the ${win} window`),
    indexedChart,
    table(`Indexed per ${a.bucket}`, [['At', (r) => time(r.at)], ['Casts', (r) => num(r.casts)],
      ['Reactions', (r) => num(r.reactions)], ['Follows', (r) => num(r.follows)]], a.indexed, 'indexed'),
    h('h3', {}, 'Targets added per day'),
    addedChart,
    table('Targets added', [['Day', (r) => r.day], ['Added', (r) => num(r.count)]], a.targets_added, 'targets-added'),
    table('Top targets', [['Account', (r) => h('a', { href: `#/u/${r.fid}` }, userName(r))],
      ['Casts', (r) => num(r.casts)], ['Reactions', (r) => num(r.reactions)], ['Follows', (r) => num(r.follows)],
      ['Total', (r) => h('span', { 'data-top': r.fid }, num(r.total))]], a.top_targets, 'top-targets'),
    table('Sign-ups per client app', [['Client fid', (r) => r.client_fid], ['Sign-ups', (r) => num(r.signups)]],
      a.signups_by_client, 'signups'));
  drawAnalytics(seq, a, indexedChart, addedChart, label);
}

async function drawAnalytics(seq, a, indexedChart, addedChart, label) {
  let Chart;
  try { Chart = await loadCharts(); } catch { return; /* the tables show the numbers */ }
  if (seq !== analyticsSeq) return;
  const colors = ['#2563eb', '#db2777', '#059669'];
  if (indexedChart) {
    chart(Chart, 'line', a.indexed.map((r) => label(r.at)), ['casts', 'reactions', 'follows'].map((k, i) => ({
      label: k, data: a.indexed.map((r) => r[k]), borderColor: colors[i], backgroundColor: colors[i],
      pointRadius: a.indexed.length > 31 ? 0 : 3 })), undefined, indexedChart);
  }
  if (addedChart) {
    chart(Chart, 'bar', a.targets_added.map((r) => r.day), [{ label: 'targets added',
      data: a.targets_added.map((r) => r.count), backgroundColor: colors[0] }], undefined, addedChart);
  }
}

export function dashboardPage(main) {
  const status = h('section', { id: 'status', 'aria-live': 'polite' }, loading('status'));
  const updated = h('p', { class: 'muted', id: 'updated' });
  const analytics = h('section', { id: 'analytics' });
  const hour = h('section', { id: 'last-hour', 'aria-live': 'polite' }, loading('the last hour'));
  const wins = ['1h', '24h', '7d', '30d'];
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
  const refreshHour = lastHour(hour);
  let hourTimer = null;
  async function pollHour() {
    await refreshHour();
    if (!stopped) hourTimer = setTimeout(pollHour, document.hidden ? HOUR_POLL_MS * 6 : HOUR_POLL_MS);
  }
  prefetchCharts();
  chartGate = Promise.allSettled([poll(), pollHour(), analyticsView(analytics, win)]);
  return () => { stopped = true; clearTimeout(timer); clearTimeout(hourTimer); };
}
