// GardenCity.Monitoring dashboard: alerts (live, server-sent events over fetch so the API key stays in a header),
// station map from coordinates, water level with warning and guaranteed levels, rainfall, species detections and
// diel activity. Charts: Chart.js 4.5.1 (vendor/). No external resources.
'use strict';
const state = { lang: localStorage.getItem('gc-lang') || 'zh', key: localStorage.getItem('gc-key') || '', stations: [], charts: {}, alerts: new Map() };
// A key given once in the address (?key=...) is kept in this browser and removed from the address bar.
// ?from=...&to=... (ISO times) open a given period, e.g. a link to the July 2023 storm.
const query = new URLSearchParams(location.search);
const given = query.get('key');
if (given) { state.key = given; localStorage.setItem('gc-key', given); query.delete('key'); history.replaceState(null, '', location.pathname + (query.size ? '?' + query : '')); }
const COLORS = { blue: '#1f6fd1', yellow: '#e6b800', orange: '#f07c00', red: '#d11f1f', info: '#6b7280' };
const QUALITY_COLORS = { doubtful: '#e8890c', bad: '#d0021b' }; // flagged values (docs/data-quality.md)
const SEV_ZH = { info: '提示', blue: '蓝色', yellow: '黄色', orange: '橙色', red: '红色' };
const KIND_COLORS = { 'weather': '#1f6fd1', 'water-level': '#0f9d8a', 'fire': '#d11f1f', 'camera-trap': '#7a4cc2' };
const $ = id => document.getElementById(id);
const t = (zh, en) => state.lang === 'zh' ? zh : en;

function headers() { return state.key ? { 'X-Api-Key': state.key } : {}; }
async function api(path) {
  const r = await fetch(path, { headers: headers() });
  if (!r.ok) throw new Error(`${r.status} ${path}`);
  return r.json();
}
function iso(input) { return new Date(input.value).toISOString(); }
function localInput(d) { const z = new Date(d.getTime() - d.getTimezoneOffset() * 60000); return z.toISOString().slice(0, 16); }
function range() { return `from=${encodeURIComponent(iso($('from')))}&to=${encodeURIComponent(iso($('to')))}`; }

function applyLanguage() {
  document.documentElement.lang = state.lang === 'zh' ? 'zh-CN' : 'en';
  document.querySelectorAll('[data-zh]').forEach(e => { e.textContent = t(e.dataset.zh, e.dataset.en); });
  $('lang').textContent = state.lang === 'zh' ? 'EN' : '中文';
  renderAlerts();
}

function chart(id, config) {
  if (state.charts[id]) state.charts[id].destroy();
  state.charts[id] = new Chart($(id), config);
}

function renderAlerts() {
  const list = $('alerts');
  list.replaceChildren();
  const order = { red: 5, orange: 4, yellow: 3, blue: 2, info: 1 };
  const alerts = [...state.alerts.values()].sort((a, b) => (order[b.severity] - order[a.severity]) || b.updated_at.localeCompare(a.updated_at));
  for (const a of alerts) {
    const li = document.createElement('li');
    li.className = `sev-${a.severity}` + (a.stale ? ' stale' : '');
    li.dataset.alertId = a.alert_id;
    const badge = document.createElement('span');
    badge.className = `badge sev-${a.severity}`;
    badge.textContent = t(SEV_ZH[a.severity] || a.severity, a.severity);
    const text = document.createElement('span');
    text.className = 'message';
    text.textContent = t(a.message_zh, a.message_en);
    const meta = document.createElement('div');
    meta.className = 'meta';
    const when = new Date(a.updated_at).toLocaleString(state.lang === 'zh' ? 'zh-CN' : 'en-GB', { timeZone: 'Asia/Shanghai' });
    meta.textContent = `${a.rule_id} · ${a.station_id} · ${when}` + (a.acknowledged_by ? ` · ${t('已确认', 'acknowledged by')} ${a.acknowledged_by}` : '')
      + (a.stale ? ` · ${t('最后数据', 'last data')} ${new Date(a.stale_since).toLocaleString(state.lang === 'zh' ? 'zh-CN' : 'en-GB', { timeZone: 'Asia/Shanghai' })}` : '');
    li.append(badge);
    if (a.stale) {
      // No data is not normal: the alert stays in force, its figures are as of the station's last data.
      const stale = document.createElement('span');
      stale.className = 'badge stale';
      stale.textContent = t('失联', 'lost contact');
      li.append(stale);
    }
    li.append(text, meta);
    list.append(li);
  }
  $('no-alerts').hidden = alerts.length > 0;
}

async function loadAlerts() {
  try {
    const active = await api('/api/v1/alerts/active');
    state.alerts = new Map(active.map(a => [a.alert_id, a]));
  } catch (e) { console.warn('alerts', e); }
  renderAlerts();
}

async function streamAlerts() {
  // Server-sent events read with fetch, so that the API key travels in a header; reconnects after a drop.
  for (;;) {
    try {
      const r = await fetch('/api/v1/alerts/stream', { headers: headers() });
      if (!r.ok) throw new Error(String(r.status));
      $('live').className = 'live on';
      const reader = r.body.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let cut;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut); buffer = buffer.slice(cut + 2);
          const data = block.split('\n').filter(l => l.startsWith('data: ')).map(l => l.slice(6)).join('\n');
          if (!data) continue;
          const n = JSON.parse(data);
          if (n.transition === 'late') continue;
          if (n.status !== 'active') state.alerts.delete(n.alert_id); // resolved, or closed by hand
          else state.alerts.set(n.alert_id, n); // the same JSON shape as /alerts/active
          renderAlerts();
        }
      }
    } catch (e) { console.warn('stream', e); }
    $('live').className = 'live off';
    await new Promise(r => setTimeout(r, 3000));
  }
}

function fill(select, items, label) {
  const current = select.value;
  select.replaceChildren(...items.map(i => { const o = document.createElement('option'); o.value = i.value; o.textContent = label(i); return o; }));
  if (items.some(i => i.value === current)) select.value = current;
}

async function loadStations() {
  state.stations = await api('/api/v1/stations');
  const latest = state.stations.map(s => s.last_seen).filter(Boolean).sort().pop();
  if (query.get('from') && query.get('to') && !$('to').value) {
    $('from').value = localInput(new Date(query.get('from')));
    $('to').value = localInput(new Date(query.get('to')));
  } else if (latest && !$('to').value) {
    const to = new Date(latest);
    $('to').value = localInput(new Date(to.getTime() + 60000));
    $('from').value = localInput(new Date(to.getTime() - 2 * 86400000));
  }
  const byKind = k => state.stations.filter(s => s.kind === k);
  fill($('gauge'), byKind('water-level').map(s => ({ value: s.id, s })), i => t(i.s.name_zh, i.s.name_en));
  fill($('weather'), byKind('weather').map(s => ({ value: s.id, s })), i => t(i.s.name_zh, i.s.name_en));
  chart('map', {
    type: 'scatter',
    data: { datasets: Object.keys(KIND_COLORS).map(k => ({
      label: k, backgroundColor: KIND_COLORS[k], borderColor: KIND_COLORS[k], pointRadius: 5,
      data: byKind(k).map(s => ({ x: s.lon, y: s.lat, name: t(s.name_zh, s.name_en), online: s.online })),
      pointStyle: byKind(k).map(s => s.online ? 'circle' : 'crossRot'),
    })) },
    options: { animation: false, maintainAspectRatio: false, scales: { x: { title: { display: true, text: t('经度', 'longitude') } }, y: { title: { display: true, text: t('纬度', 'latitude') } } },
      plugins: { tooltip: { callbacks: { label: c => `${c.raw.name}${c.raw.online ? '' : ' (' + t('离线', 'offline') + ')'}` } } } },
  });
}

async function loadLevel() {
  if (!$('gauge').value) return;
  const s = await api(`/api/v1/stations/${encodeURIComponent($('gauge').value)}/series?field=water_level_m&agg=max&${range()}`);
  const xs = s.points.map(p => p[0]);
  const line = (label, v, color) => ({ label, data: xs.map(() => v), borderColor: color, borderDash: [6, 4], pointRadius: 0, borderWidth: 1.5 });
  chart('level', {
    type: 'line',
    data: { labels: xs.map(x => new Date(x).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit' })),
      // Doubtful values are drawn as orange triangles and bad ones (spikes) as red crosses (docs/data-quality.md).
      datasets: [{ label: t('水位 (米)', 'water level (m)'), data: s.points.map(p => p[1]), borderColor: '#0f9d8a',
        pointRadius: s.points.map(p => (p[2] && p[2] !== 'good' ? 5 : 0)),
        pointStyle: s.points.map(p => (p[2] === 'bad' ? 'crossRot' : 'triangle')),
        pointBackgroundColor: s.points.map(p => QUALITY_COLORS[p[2]] || '#0f9d8a'),
        pointBorderColor: s.points.map(p => QUALITY_COLORS[p[2]] || '#0f9d8a') },
        line(t('警戒水位', 'warning level'), s.warning_level_m, COLORS.yellow), line(t('保证水位', 'guaranteed level'), s.guaranteed_level_m, COLORS.red)] },
    options: { animation: false, maintainAspectRatio: false },
  });
}

async function loadRain() {
  if (!$('weather').value) return;
  const s = await api(`/api/v1/stations/${encodeURIComponent($('weather').value)}/series?field=rain_mm&agg=sum&window=1h&${range()}`);
  chart('rain', {
    type: 'bar',
    data: { labels: s.points.map(p => new Date(p[0]).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', month: 'numeric', day: 'numeric', hour: '2-digit' })),
      datasets: [{ label: t('降雨 (毫米/小时)', 'rain (mm/h)'), data: s.points.map(p => p[1]), backgroundColor: s.points.map(p => QUALITY_COLORS[p[2]] || COLORS.blue) }] },
    options: { animation: false, maintainAspectRatio: false },
  });
}

async function loadSpecies() {
  const list = await api(`/api/v1/species?${range()}`);
  fill($('species'), list.map(s => ({ value: s.species, s })), i => `${i.s.species} (${i.s.detections})`);
  const name = $('species').value;
  if (!name) { chart('detections', { type: 'bar', data: { labels: [], datasets: [] } }); chart('activity', { type: 'bar', data: { labels: [], datasets: [] } }); return; }
  const d = await api(`/api/v1/species/${encodeURIComponent(name)}/detections?interval=day&${range()}`);
  chart('detections', { type: 'bar', data: { labels: d.counts.map(c => c.start), datasets: [{ label: name, data: d.counts.map(c => c.detections), backgroundColor: '#7a4cc2' }] }, options: { animation: false, maintainAspectRatio: false } });
  const a = await api(`/api/v1/species/${encodeURIComponent(name)}/activity?${range()}`);
  chart('activity', { type: 'bar', data: { labels: a.hours.map((_, h) => `${h}:00`), datasets: [{ label: t('独立检出', 'independent detections'), data: a.hours, backgroundColor: '#12324f' }] }, options: { animation: false, maintainAspectRatio: false } });
}

async function loadAll() {
  const tasks = [loadAlerts(), loadStations().then(() => Promise.all([loadLevel(), loadRain(), loadSpecies()]))];
  const results = await Promise.allSettled(tasks);
  results.filter(r => r.status === 'rejected').forEach(r => console.warn(r.reason));
  document.body.dataset.ready = 'true';
}

$('lang').addEventListener('click', () => { state.lang = state.lang === 'zh' ? 'en' : 'zh'; localStorage.setItem('gc-lang', state.lang); applyLanguage(); loadAll(); });
$('key').value = state.key;
$('key').addEventListener('change', () => { state.key = $('key').value; localStorage.setItem('gc-key', state.key); loadAll(); });
$('reload').addEventListener('click', loadAll);
$('gauge').addEventListener('change', loadLevel);
$('weather').addEventListener('change', loadRain);
$('species').addEventListener('change', loadSpecies);
applyLanguage();
loadAll();
streamAlerts();
