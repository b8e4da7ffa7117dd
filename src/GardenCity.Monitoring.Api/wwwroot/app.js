// GardenCity.Monitoring dashboard: alerts (live, server-sent events over fetch so the API key stays in a header) with
// acknowledge and close, the station map (Leaflet; tiles only when GardenCity:Api:MapTileUrl is set) coloured by alert
// state, a schematic of each watershed, water level with warning and guaranteed levels, rainfall, species detections
// and diel activity. Every time shown or typed is Beijing time (UTC+8). Charts: Chart.js 4.5.1, map: Leaflet 1.9.4
// (vendor/). No external resources unless a tile server is configured.
// Other parts live in their own files and hook in through `page` (below): station.js (the station page, #station=ID),
// alerts.js (filters, the page of one alert, ?alert=ID, its timeline and deliveries, the responder key).
'use strict';
const state = { lang: localStorage.getItem('gc-lang') || 'zh', key: localStorage.getItem('gc-key') || '', stations: [], charts: {}, alerts: new Map(),
  species: {}, follow: 24, closing: null, closeDraft: '', map: null, markers: null, mapConfig: null, clock: null, timer: null, selected: null };
// A key given once in the address (?key=...) is kept in this browser and removed from the address bar.
// ?from=...&to=... (ISO times) open a given period, e.g. a link to the July 2023 storm; ?refresh=SECONDS sets auto-refresh.
const query = new URLSearchParams(location.search);
const given = query.get('key');
if (given) { state.key = given; localStorage.setItem('gc-key', given); query.delete('key'); history.replaceState(null, '', location.pathname + (query.size ? '?' + query : '')); }
const REFRESH_S = Math.max(2, Number(query.get('refresh')) || 60);
const COLORS = { blue: '#1f6fd1', yellow: '#e6b800', orange: '#f07c00', red: '#d11f1f', info: '#6b7280', ok: '#2e9d4b', none: '#9aa0a6' };
const QUALITY_COLORS = { doubtful: '#e8890c', bad: '#d0021b' }; // flagged values (docs/data-quality.md)
const SEV_ZH = { info: '提示', blue: '蓝色', yellow: '黄色', orange: '橙色', red: '红色' };
const SEV_EN = { info: 'info', blue: 'blue', yellow: 'yellow', orange: 'orange', red: 'red' };
const SEV_ORDER = { red: 5, orange: 4, yellow: 3, blue: 2, info: 1 };
const KIND = { 'weather': ['气象站', 'weather station'], 'water-level': ['水位站', 'water-level gauge'], 'fire': ['林火监测站', 'forest-fire station'], 'camera-trap': ['红外相机', 'camera trap'] };
const WATERSHED = { yongding: ['永定河', 'Yongding River'], qingshui: ['清水河', 'Qingshui River'] };
const NOT_SPECIES = new Set(['human', 'vehicle', 'unknown']); // labels of the wire contract, not species
const UNITS = { water_level_m: 'm', flow_m3s: 'm³/s', rain_mm: 'mm', air_temp_c: '°C', temperature_c: '°C', humidity_pct: '%', relative_humidity_pct: '%', wind_speed_ms: 'm/s', wind_gust_ms: 'm/s', wind_dir_deg: '°', pressure_hpa: 'hPa', co_ppm: 'ppm', smoke_obscuration_pct_m: '%/m', battery_v: 'V', rssi_dbm: 'dBm' };
const $ = id => document.getElementById(id);
// Hooks for the page's other scripts (station.js, alerts.js), each optional: which alerts the list shows, what happens
// after the alerts change, opening a station, the key that acts (acknowledge, close).
const page = { alertVisible: () => true, alertsChanged: [], chartsLoaded: [], openStation: null, actionKey: () => state.key };
const t = (zh, en) => state.lang === 'zh' ? zh : en;
const locale = () => state.lang === 'zh' ? 'zh-CN' : 'en-GB';
const BEIJING_MS = 8 * 3600000;

function headers() { return state.key ? { 'X-Api-Key': state.key } : {}; }
async function api(path, init) {
  const r = await fetch(path, { ...init, headers: { ...headers(), ...(init && init.headers) } });
  if (!r.ok) { const e = new Error(`${r.status} ${path}`); e.status = r.status; try { e.problem = await r.json(); } catch { /* no body */ } throw e; }
  return r.json();
}

// The range inputs are Beijing time whatever the browser's zone: a datetime-local value is read as +08:00.
function fromInput(input) { return new Date(input.value + ':00+08:00'); }
function toInput(d) { return new Date(d.getTime() + BEIJING_MS).toISOString().slice(0, 16); }
function range() { return `from=${encodeURIComponent(fromInput($('from')).toISOString())}&to=${encodeURIComponent(fromInput($('to')).toISOString())}`; }
function bj(d, opts) { return new Date(d).toLocaleString(locale(), { timeZone: 'Asia/Shanghai', hour12: false, ...opts }); }
const bjShort = d => bj(d, { month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit' });
const timeAxis = () => ({ title: { display: true, text: t('时间（北京时间）', 'time (Beijing time, UTC+8)') }, ticks: { maxRotation: 0, autoSkipPadding: 12 } });
const countAxis = text => ({ beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text } });
const speciesName = s => { const n = state.species[s]; return n ? t(n.zh, n.en) : s; };

function applyLanguage() {
  document.documentElement.lang = state.lang === 'zh' ? 'zh-CN' : 'en';
  document.querySelectorAll('[data-zh]').forEach(e => { e.textContent = t(e.dataset.zh, e.dataset.en); });
  $('lang').textContent = state.lang === 'zh' ? 'EN' : '中文';
  $('key').placeholder = t('API 密钥', 'API key');
  renderAlerts();
  renderClock();
}

function chart(id, config) {
  if (state.charts[id]) state.charts[id].destroy();
  config.options = { animation: false, maintainAspectRatio: false, ...config.options };
  state.charts[id] = new Chart($(id), config);
}

// ---- alerts -------------------------------------------------------------------------------------------------------
function renderAlerts() {
  const list = $('alerts');
  const focused = document.activeElement && document.activeElement.id === 'close-reason';
  list.replaceChildren();
  const all = [...state.alerts.values()].sort((a, b) => (SEV_ORDER[b.severity] - SEV_ORDER[a.severity]) || b.updated_at.localeCompare(a.updated_at));
  const alerts = all.filter(a => page.alertVisible(a));
  for (const a of alerts) {
    const li = document.createElement('li');
    li.className = `sev-${a.severity}` + (a.stale ? ' stale' : '');
    li.dataset.alertId = a.alert_id;
    const badge = document.createElement('span');
    badge.className = `badge sev-${a.severity}`;
    badge.textContent = t(SEV_ZH[a.severity] || a.severity, SEV_EN[a.severity] || a.severity);
    const text = document.createElement('a'); // the alert's own page (alerts.js), the link duty messages and CAP give
    text.className = 'message';
    text.href = `?alert=${encodeURIComponent(a.alert_id)}`;
    text.textContent = t(a.message_zh, a.message_en);
    const meta = document.createElement('div');
    meta.className = 'meta';
    const station = state.stations.find(s => s.id === a.station_id);
    meta.textContent = `${a.rule_id} · ${station ? t(station.name_zh, station.name_en) : a.station_id} · ${bj(a.updated_at)} ${t('北京时间', 'Beijing time')}`
      + (a.acknowledged_by ? ` · ${t('已确认', 'acknowledged by')} ${a.acknowledged_by}` : '')
      + (a.stale ? ` · ${t('最后数据', 'last data')} ${bj(a.stale_since)}` : '');
    li.append(badge);
    if (a.stale) {
      // No data is not normal: the alert stays in force, its figures are as of the station's last data.
      const stale = document.createElement('span');
      stale.className = 'badge stale';
      stale.textContent = t('失联', 'lost contact');
      li.append(stale);
    }
    li.append(text, meta, actions(a));
    if (typeof dutyDecorate === 'function') dutyDecorate(li, a); // silences and audit (duty.js)
    list.append(li);
  }
  $('no-alerts').hidden = alerts.length > 0;
  $('no-alerts').textContent = all.length ? t('筛选后无警报', 'No alert matches the filters') : t('无当前警报', 'No active alerts');
  if (focused && $('close-reason')) $('close-reason').focus();
  renderMarkers();
  page.alertsChanged.forEach(f => f(all, alerts));
}

// Acknowledge and close (responder key): closing asks for the reason, which is recorded with the key's name.
function actions(a) {
  const box = document.createElement('div');
  box.className = 'actions';
  if (state.closing === a.alert_id) {
    const form = document.createElement('form');
    form.className = 'close-form';
    const reason = document.createElement('input');
    reason.id = 'close-reason'; reason.required = true; reason.maxLength = 500; reason.value = state.closeDraft;
    reason.placeholder = t('关闭原因（必填），如：现场核实，水位已回落', 'reason (required), e.g. checked on site, the river has fallen');
    reason.setAttribute('aria-label', t('关闭原因', 'reason for closing'));
    reason.addEventListener('input', () => { state.closeDraft = reason.value; });
    const ok = button(t('确认关闭', 'Close alert'), 'confirm-close');
    ok.type = 'submit';
    const cancel = button(t('取消', 'Cancel'), 'cancel-close', () => { state.closing = null; state.closeDraft = ''; renderAlerts(); });
    form.addEventListener('submit', e => { e.preventDefault(); closeAlert(a.alert_id, reason.value.trim()); });
    form.append(reason, ok, cancel);
    box.append(form);
    return box;
  }
  if (!a.acknowledged_by) box.append(button(t('确认', 'Acknowledge'), 'ack', () => post(a.alert_id, 'ack')));
  box.append(button(t('关闭…', 'Close…'), 'close', () => { state.closing = a.alert_id; state.closeDraft = ''; renderAlerts(); $('close-reason').focus(); }));
  return box;
}

function button(text, cls, onClick) {
  const b = document.createElement('button');
  b.type = 'button'; b.className = cls; b.textContent = text;
  if (onClick) b.addEventListener('click', onClick);
  return b;
}

async function post(id, verb, body) {
  $('action-error').hidden = true;
  try {
    const key = page.actionKey();
    const auth = key ? { 'X-Api-Key': key } : {};
    const updated = await api(`/api/v1/alerts/${encodeURIComponent(id)}/${verb}`, body ? { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json', ...auth } } : { method: 'POST', headers: auth });
    if (updated.status !== 'active') state.alerts.delete(updated.alert_id); else state.alerts.set(updated.alert_id, updated);
    return true;
  } catch (e) {
    const why = e.status === 401 || e.status === 403 ? t('需要值班员（responder）密钥：请在右上角输入。', 'This needs a responder key: enter it at the top right.')
      : (e.problem && e.problem.detail) || e.message;
    $('action-error').textContent = why;
    $('action-error').hidden = false;
    return false;
  } finally { renderAlerts(); }
}

async function closeAlert(id, reason) {
  if (!reason) { $('action-error').textContent = t('请填写关闭原因。', 'Please give a reason.'); $('action-error').hidden = false; return; }
  const closing = state.closing;
  state.closing = null;
  if (!await post(id, 'close', { reason })) { state.closing = closing; state.closeDraft = reason; renderAlerts(); }
  else state.closeDraft = '';
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

// ---- time: the API's clock (wall clock live, the watermark in a replay), presets, auto-refresh ----------------------
async function loadClock() {
  try { state.clock = await api('/api/v1/clock'); } catch (e) { console.warn('clock', e); state.clock = null; }
  renderClock();
}

function renderClock() {
  const c = state.clock;
  if (!c) { $('clock').textContent = ''; return; }
  const replay = c.basis !== 'wall-clock';
  $('clock').textContent = `${t('当前时间', 'Now')}: ${bj(c.now)} ${t('北京时间', 'Beijing time')}`
    + (replay ? ` · ${t('回放：按数据时间（水位线）判断', 'replay: judged by the data\'s own time (watermark)')}` : '')
    + ` · ${t('在线', 'online')} ${c.online}/${c.stations}`;
}

function setPeriod(hours) {
  const now = state.clock ? new Date(state.clock.now) : new Date();
  const to = new Date(Math.ceil(now.getTime() / 60000) * 60000);
  $('to').value = toInput(to);
  $('from').value = toInput(new Date(to.getTime() - hours * 3600000));
  document.querySelectorAll('.presets button').forEach(b => b.classList.toggle('on', Number(b.dataset.hours) === hours));
}

async function preset(hours) {
  state.follow = hours;
  await loadClock();
  setPeriod(hours);
  await loadCharts();
}

function unfollow() { state.follow = null; document.querySelectorAll('.presets button').forEach(b => b.classList.remove('on')); }

function scheduleRefresh() {
  clearInterval(state.timer);
  state.timer = $('auto').checked ? setInterval(refresh, REFRESH_S * 1000) : null;
}

async function refresh() {
  await loadClock();
  if (state.follow) setPeriod(state.follow); // a preset follows "now"; a period typed by hand stays put
  await loadCharts();
  document.body.dataset.refreshed = String(Number(document.body.dataset.refreshed || 0) + 1);
}

// ---- stations: map, watersheds, station panel ---------------------------------------------------------------------
function fill(select, items, label) {
  const current = select.value;
  select.replaceChildren(...items.map(i => { const o = document.createElement('option'); o.value = i.value; o.textContent = label(i); return o; }));
  if (items.some(i => i.value === current)) select.value = current;
}

async function loadStations() {
  state.stations = await api('/api/v1/stations');
  const byKind = k => state.stations.filter(s => s.kind === k);
  fill($('gauge'), byKind('water-level').map(s => ({ value: s.id, s })), i => t(i.s.name_zh, i.s.name_en));
  fill($('weather'), byKind('weather').map(s => ({ value: s.id, s })), i => t(i.s.name_zh, i.s.name_en));
  renderMap();
  renderRivers();
}

// A station's colour: its worst alert in force, else green when online, grey (hollow) when offline.
function stationState(s) {
  const mine = [...state.alerts.values()].filter(a => a.station_id === s.id);
  const worst = mine.sort((a, b) => SEV_ORDER[b.severity] - SEV_ORDER[a.severity])[0];
  if (worst) return { color: COLORS[worst.severity] || COLORS.info, label: t(`${SEV_ZH[worst.severity]}警报`, `${worst.severity} alert`) + (worst.stale ? ' · ' + t('失联', 'lost contact') : ''), stale: worst.stale };
  return s.online ? { color: COLORS.ok, label: t('在线，无警报', 'online, no alert') } : { color: COLORS.none, label: t('离线（超过1小时无数据）', 'offline (no data for over 1 h)'), offline: true };
}

function renderMap() {
  if (!window.L || !state.stations.length) return;
  if (!state.map) {
    state.map = L.map('map', { zoomSnap: 0.25, attributionControl: true });
    if (state.mapConfig && state.mapConfig.tile_url) L.tileLayer(state.mapConfig.tile_url, { attribution: state.mapConfig.attribution || '', maxZoom: 18 }).addTo(state.map);
    L.control.scale({ imperial: false }).addTo(state.map);
    state.legend = L.control({ position: 'bottomright' });
    state.legend.onAdd = () => { const d = L.DomUtil.create('div', 'map-legend'); d.id = 'map-legend'; return d; };
    state.legend.addTo(state.map);
    state.markers = L.layerGroup().addTo(state.map);
    state.rivers = L.layerGroup().addTo(state.map);
    state.map.fitBounds(L.latLngBounds(state.stations.map(s => [s.lat, s.lon])).pad(0.08));
  }
  // The watersheds drawn as lines through their gauges, upstream to downstream (the offline view's rivers).
  state.rivers.clearLayers();
  for (const [, gauges] of watersheds()) L.polyline(gauges.map(s => [s.lat, s.lon]), { color: '#7fb6e6', weight: 4, opacity: 0.8, interactive: false }).addTo(state.rivers);
  renderMarkers();
  $('map-legend').innerHTML = [['red', t('红色预警', 'red')], ['orange', t('橙色预警', 'orange')], ['yellow', t('黄色预警', 'yellow')], ['blue', t('蓝色预警', 'blue')], ['info', t('提示', 'info')], ['ok', t('在线，无警报', 'online, no alert')]]
    .map(([c, l]) => `<div><i style="background:${COLORS[c]}"></i>${l}</div>`).join('')
    + `<div><i class="offline"></i>${t('离线', 'offline')}</div><div><i style="background:#7fb6e6;border-radius:0;height:.3rem"></i>${t('河流（水位站连线）', 'river (gauges joined)')}</div>`;
}

function renderMarkers() {
  if (!state.markers) return;
  state.markers.clearLayers();
  for (const s of state.stations) {
    const st = stationState(s);
    const m = L.circleMarker([s.lat, s.lon], { radius: s.kind === 'water-level' ? 8 : 6, color: st.offline ? COLORS.none : '#1b1f24', weight: st.offline ? 3 : 1, dashArray: st.stale ? '3 3' : null,
      fillColor: st.offline ? '#fff' : st.color, fillOpacity: st.offline ? 0.6 : 0.9 });
    m.bindTooltip(`${t(s.name_zh, s.name_en)} · ${t(...KIND[s.kind])} · ${st.label}`);
    m.on('click', () => showStation(s.id));
    m.addTo(state.markers);
    if (m.getElement()) m.getElement().dataset.station = s.id;
  }
}

// Gauges of each watershed, upstream to downstream: by elevation (water runs downhill), highest first.
function watersheds() {
  const groups = new Map();
  for (const s of state.stations.filter(s => s.kind === 'water-level' && s.watershed)) {
    if (!groups.has(s.watershed)) groups.set(s.watershed, []);
    groups.get(s.watershed).push(s);
  }
  for (const g of groups.values()) g.sort((a, b) => b.elevation_m - a.elevation_m);
  return [...groups.entries()].sort((a, b) => a[0].localeCompare(b[0]));
}

function levelClass(s) {
  const v = s.latest && s.latest.water_level_m;
  if (v === undefined || v === null) return 'none';
  if (s.guaranteed_level_m !== null && v >= s.guaranteed_level_m) return 'guaranteed';
  if (s.warning_level_m !== null && v >= s.warning_level_m) return 'warning';
  return 'normal';
}

function renderRivers() {
  const box = $('rivers');
  box.replaceChildren(...watersheds().map(([name, gauges]) => {
    const div = document.createElement('div');
    div.className = 'river';
    div.dataset.watershed = name;
    const h = document.createElement('h3');
    h.textContent = WATERSHED[name] ? t(...WATERSHED[name]) : name;
    const ol = document.createElement('ol');
    for (const s of gauges) {
      const li = document.createElement('li');
      li.className = `level-${levelClass(s)}`;
      li.dataset.station = s.id;
      const v = s.latest && s.latest.water_level_m;
      li.innerHTML = '<span class="name"></span><br><span class="value"></span> <span class="muted"></span>';
      li.querySelector('.name').textContent = t(s.name_zh, s.name_en);
      li.querySelector('.value').textContent = v === undefined ? t('无数据', 'no data') : `${v.toFixed(2)} m`;
      li.querySelector('.muted').textContent = `${t('警戒', 'warning')} ${s.warning_level_m} m · ${t('保证', 'guaranteed')} ${s.guaranteed_level_m} m`;
      li.addEventListener('click', () => { $('gauge').value = s.id; loadLevel(); showStation(s.id); });
      ol.append(li);
    }
    div.append(h, ol);
    return div;
  }));
}

// A station's page (station.js): #station=ID in the address, so that it can be linked and the back button closes it.
function showStation(id) {
  state.selected = id;
  if (page.openStation) page.openStation(id);
}

// ---- charts -------------------------------------------------------------------------------------------------------
async function loadLevel() {
  if (!$('gauge').value) return;
  const s = await api(`/api/v1/stations/${encodeURIComponent($('gauge').value)}/series?field=water_level_m&agg=max&${range()}`);
  const xs = s.points.map(p => p[0]);
  const line = (label, v, color) => ({ label, data: xs.map(() => v), borderColor: color, borderDash: [6, 4], pointRadius: 0, borderWidth: 1.5 });
  chart('level', {
    type: 'line',
    data: { labels: xs.map(bjShort),
      // Doubtful values are drawn as orange triangles and bad ones (spikes) as red crosses (docs/data-quality.md).
      datasets: [{ label: t('水位（米）', 'water level (m)'), data: s.points.map(p => p[1]), borderColor: '#0f9d8a',
        pointRadius: s.points.map(p => (p[2] && p[2] !== 'good' ? 5 : 0)),
        pointStyle: s.points.map(p => (p[2] === 'bad' ? 'crossRot' : 'triangle')),
        pointBackgroundColor: s.points.map(p => QUALITY_COLORS[p[2]] || '#0f9d8a'),
        pointBorderColor: s.points.map(p => QUALITY_COLORS[p[2]] || '#0f9d8a') },
        line(t('警戒水位', 'warning level'), s.warning_level_m, COLORS.yellow), line(t('保证水位', 'guaranteed level'), s.guaranteed_level_m, COLORS.red)] },
    options: { scales: { x: timeAxis(), y: { title: { display: true, text: t('水位（米）', 'water level (m)') } } } },
  });
}

async function loadRain() {
  if (!$('weather').value) return;
  const s = await api(`/api/v1/stations/${encodeURIComponent($('weather').value)}/series?field=rain_mm&agg=sum&window=1h&${range()}`);
  chart('rain', {
    type: 'bar',
    data: { labels: s.points.map(p => bj(p[0], { month: 'numeric', day: 'numeric', hour: '2-digit' })),
      datasets: [{ label: t('降雨（毫米/小时）', 'rain (mm/h)'), data: s.points.map(p => p[1]), backgroundColor: s.points.map(p => QUALITY_COLORS[p[2]] || COLORS.blue) }] },
    options: { scales: { x: timeAxis(), y: { beginAtZero: true, title: { display: true, text: t('降雨（毫米/小时）', 'rain (mm/h)') } } } },
  });
}

async function loadSpecies() {
  const list = (await api(`/api/v1/species?${range()}`)).filter(s => !NOT_SPECIES.has(s.species)).sort((a, b) => b.detections - a.detections);
  fill($('species'), list.map(s => ({ value: s.species, s })), i => `${speciesName(i.s.species)} · ${i.s.species} (${i.s.detections})`);
  const name = $('species').value;
  if (!name) { chart('detections', { type: 'bar', data: { labels: [], datasets: [] } }); chart('activity', { type: 'bar', data: { labels: [], datasets: [] } }); return; }
  const d = await api(`/api/v1/species/${encodeURIComponent(name)}/detections?interval=day&${range()}`);
  chart('detections', { type: 'bar', data: { labels: d.counts.map(c => bj(c.start, { month: 'numeric', day: 'numeric' })), datasets: [{ label: `${speciesName(name)}（${t('检出次数', 'detections')}）`, data: d.counts.map(c => c.detections), backgroundColor: '#7a4cc2' }] },
    options: { scales: { x: { title: { display: true, text: t('日期（北京时间）', 'day (Beijing time)') } }, y: countAxis(t('检出次数（次/日）', 'detections per day')) } } });
  const a = await api(`/api/v1/species/${encodeURIComponent(name)}/activity?${range()}`);
  chart('activity', { type: 'bar', data: { labels: a.hours.map((_, h) => `${h}:00`), datasets: [{ label: `${speciesName(name)}（${t('独立检出', 'independent detections')}）`, data: a.hours, backgroundColor: '#12324f' }] },
    options: { scales: { x: { title: { display: true, text: t('时刻（北京时间）', 'hour of day (Beijing time)') } }, y: countAxis(t('独立检出（次）', 'independent detections')) } } });
}

async function loadCharts() {
  const results = await Promise.allSettled([loadAlerts(), loadStations().then(() => Promise.all([loadLevel(), loadRain(), loadSpecies()]))]);
  results.filter(r => r.status === 'rejected').forEach(r => console.warn(r.reason));
  renderAlerts(); // with the stations' names
  page.chartsLoaded.forEach(f => f());
}

async function loadAll() {
  if (!state.mapConfig) { try { state.mapConfig = await api('/api/v1/map'); } catch (e) { console.warn('map', e); } }
  await loadClock();
  if (query.get('from') && query.get('to') && !$('to').value) {
    unfollow();
    $('from').value = toInput(new Date(query.get('from')));
    $('to').value = toInput(new Date(query.get('to')));
  } else if (state.follow) setPeriod(state.follow);
  await loadCharts();
  document.body.dataset.ready = 'true';
}

async function init() {
  try { state.species = await (await fetch('species.json')).json(); } catch (e) { console.warn('species names', e); }
  $('lang').addEventListener('click', () => { state.lang = state.lang === 'zh' ? 'en' : 'zh'; localStorage.setItem('gc-lang', state.lang); applyLanguage(); loadCharts(); });
  $('key').value = state.key;
  $('key').addEventListener('change', () => { state.key = $('key').value; localStorage.setItem('gc-key', state.key); loadAll(); });
  $('reload').addEventListener('click', () => refresh());
  $('auto').addEventListener('change', scheduleRefresh);
  for (const id of ['from', 'to']) $(id).addEventListener('change', () => { unfollow(); loadCharts(); });
  document.querySelectorAll('.presets button').forEach(b => b.addEventListener('click', () => preset(Number(b.dataset.hours))));
  $('gauge').addEventListener('change', loadLevel);
  $('weather').addEventListener('change', loadRain);
  $('species').addEventListener('change', loadSpecies);
  applyLanguage();
  await loadAll();
  scheduleRefresh();
  streamAlerts();
}
init();
