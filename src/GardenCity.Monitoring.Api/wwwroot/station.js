// The station page (issue 14): latest values with units and the quality flag of the latest window, battery, RSSI, last
// seen (Beijing time), online state, the station's alerts (in force and in the period's history) and a sparkline of every
// field over the dashboard's period, flagged windows drawn apart; for weather and fire stations the period's daily fire
// weather with each day marked in or out of the fire season (issue 15, docs/fire-weather.md). Opened by clicking a station on the map, a gauge in the
// watershed schematic, the station list above the map, or by address: #station=ID (or ?station=ID, turned into the
// hash); the back button or × closes it. Uses app.js's state, api(), t(), bj() and page hooks.
'use strict';
(() => {
  const FIELDS = {
    water_level_m: ['水位', 'water level'], flow_m3s: ['流量', 'flow'], rain_mm: ['降雨', 'rain'], air_temp_c: ['气温', 'air temperature'],
    rh_pct: ['相对湿度', 'relative humidity'], wind_speed_ms: ['风速', 'wind speed'], wind_dir_deg: ['风向', 'wind direction'],
    pressure_hpa: ['气压', 'pressure'], co_ppm: ['一氧化碳', 'carbon monoxide'], smoke_obscuration_pct_m: ['烟雾遮蔽度', 'smoke obscuration'],
    battery_v: ['电池电压', 'battery'], rssi_dbm: ['信号强度 RSSI', 'signal RSSI'],
  };
  const UNIT = { ...UNITS, rh_pct: '%', pressure_hpa: 'hPa', co_ppm: 'ppm' };
  // Rain is a per-reading amount: summed per window; the rest averaged (docs/api.md, series).
  const AGG = { rain_mm: 'sum' };
  const FLAG = { good: ['正常', 'good'], doubtful: ['存疑', 'doubtful'], bad: ['错误', 'bad'] };
  const TRANSITION = { raised: ['发布', 'raised'], escalated: ['升级', 'escalated'], deescalated: ['降级', 'de-escalated'], resolved: ['解除', 'resolved'],
    acknowledged: ['已确认', 'acknowledged'], late: ['迟到数据', 'late data'], stale: ['数据中断', 'stale'], lostcontact: ['失联', 'lost contact'],
    contactrestored: ['恢复联系', 'contact restored'], closed: ['人工关闭', 'closed by hand'] };
  let shown = null; // the station on screen
  let series = {}; // field → points of the period
  let past = []; // the period's alert history of the station
  let fire = null; // weather and fire stations: the period's fire-weather days and the fire season (docs/fire-weather.md)
  let loading = 0;

  const box = () => $('station-page');
  const fieldName = f => (FIELDS[f] ? t(...FIELDS[f]) : f);
  const withUnit = (f, v) => (v === null || v === undefined ? '—' : `${v} ${UNIT[f] || ''}`.trim());
  const el = (tag, cls, text) => { const e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; };

  function fieldsOf(s) {
    const fields = Object.keys(s.latest || {}).filter(f => f !== 'battery_v' && f !== 'rssi_dbm');
    return [...fields, 'battery_v', 'rssi_dbm'];
  }

  // The worst flag of the period and the flag of the latest window of a field's series.
  function flags(points) {
    const counts = { doubtful: 0, bad: 0 };
    for (const p of points) if (counts[p[2]] !== undefined) counts[p[2]]++;
    return { latest: points.length ? (points[points.length - 1][2] || 'good') : null, ...counts };
  }

  async function load(id) {
    const s = state.stations.find(x => x.id === id);
    if (!s) return;
    const mine = ++loading;
    const r = range();
    const fields = fieldsOf(s);
    const results = await Promise.allSettled(fields.map(f => api(`/api/v1/stations/${encodeURIComponent(id)}/series?field=${f}&agg=${AGG[f] || 'mean'}&${r}`)));
    let fw = null;
    if (s.kind === 'weather' || s.kind === 'fire') {
      try { fw = await api(`/api/v1/stations/${encodeURIComponent(id)}/fire-weather?${r}`); } catch (e) { console.warn('fire weather', e); }
    }
    let h = [];
    try { h = await api(`/api/v1/alerts/history?station=${encodeURIComponent(id)}&${r}&limit=50`); } catch (e) { console.warn('station history', e); }
    if (mine !== loading) return; // a newer load replaced this one
    series = Object.fromEntries(fields.map((f, i) => [f, results[i].status === 'fulfilled' ? results[i].value.points : []]));
    past = h;
    fire = fw;
    render();
    box().dataset.loaded = id;
  }

  function render() {
    const page = box();
    const s = state.stations.find(x => x.id === shown);
    if (!s) { page.hidden = true; return; }
    page.hidden = false;
    page.dataset.station = s.id;
    page.replaceChildren();

    const head = el('h2');
    head.append(el('span', 'name', t(s.name_zh, s.name_en)), el('span', 'muted', s.id));
    const close = el('button', 'close-page', '×');
    close.type = 'button';
    close.title = t('关闭站点页', 'Close the station page');
    close.setAttribute('aria-label', close.title);
    close.addEventListener('click', closePage);
    head.append(close);
    page.append(head);

    // Who and where, and how it is doing.
    const facts = el('dl', 'facts');
    const fact = (k, v, cls) => { const d = el('div', cls); d.append(el('dt', '', k), el('dd', '', v)); facts.append(d); };
    fact(t('类型', 'kind'), t(...KIND[s.kind]));
    fact(t('站点', 'site'), t(s.site_zh, s.site_en) + (s.watershed && WATERSHED[s.watershed] ? ` · ${t(...WATERSHED[s.watershed])}` : ''));
    fact(t('海拔', 'elevation'), `${s.elevation_m} m`);
    fact(t('最后数据（北京时间）', 'last seen (Beijing time)'), s.last_seen ? bj(s.last_seen) : t('从未', 'never'), 'last-seen');
    fact(t('状态', 'state'), s.online ? t('在线', 'online') : t('离线（超过1小时无数据）', 'offline (no data for over 1 h)'), s.online ? 'online' : 'offline');
    fact(t('电池', 'battery'), withUnit('battery_v', s.battery_v), 'battery');
    fact('RSSI', withUnit('rssi_dbm', s.rssi_dbm), 'rssi');
    if (s.warning_level_m !== null && s.warning_level_m !== undefined) fact(t('警戒 / 保证水位', 'warning / guaranteed level'), `${s.warning_level_m} m / ${s.guaranteed_level_m} m`);
    page.append(facts);

    // Latest values with units, the flag of the latest window, and a sparkline of the period.
    const table = el('table', 'values');
    const hr = table.createTHead().insertRow();
    for (const h of [t('量', 'field'), t('最新值', 'latest'), t('质量', 'quality'), t('本时段（北京时间）', 'this period (Beijing time)')]) hr.append(el('th', '', h));
    const body = table.createTBody();
    for (const f of fieldsOf(s)) {
      const tr = body.insertRow();
      tr.dataset.field = f;
      const points = series[f] || [];
      const q = flags(points);
      const latest = f === 'battery_v' ? s.battery_v : f === 'rssi_dbm' ? s.rssi_dbm : s.latest[f];
      tr.insertCell().textContent = fieldName(f);
      const v = tr.insertCell(); v.className = 'value'; v.textContent = withUnit(f, latest);
      const qc = tr.insertCell();
      qc.className = `quality flag-${q.latest || 'none'}`;
      qc.textContent = q.latest ? t(...FLAG[q.latest] || [q.latest, q.latest]) : '—';
      if (q.doubtful || q.bad) qc.append(el('span', 'muted', ` · ${t('本时段', 'period')}: ${q.bad ? `${q.bad} ${t('错误', 'bad')}` : ''}${q.bad && q.doubtful ? ', ' : ''}${q.doubtful ? `${q.doubtful} ${t('存疑', 'doubtful')}` : ''}`));
      const cell = tr.insertCell();
      cell.className = 'spark';
      if (points.length) {
        const c = el('canvas');
        c.id = `spark-${f}`;
        c.setAttribute('role', 'img');
        const lo = Math.min(...points.map(p => p[1])), hi = Math.max(...points.map(p => p[1]));
        c.setAttribute('aria-label', `${fieldName(f)}: ${withUnit(f, lo)} – ${withUnit(f, hi)}`);
        const wrap = el('div', 'spark-box');
        wrap.append(c);
        cell.append(wrap, el('span', 'muted range', `${withUnit(f, lo)} – ${withUnit(f, hi)}`));
        spark(c, f, points);
      } else cell.textContent = t('本时段无数据', 'no data in the period');
    }
    page.append(table);
    if (fire) page.append(fireWeather(fire));

    // Its alerts: in force (live) and what the history of the period holds.
    const active = [...state.alerts.values()].filter(a => a.station_id === s.id);
    const h3 = el('h3', '', t('警报', 'Alerts'));
    page.append(h3);
    const list = el('ul', 'station-alerts');
    for (const a of active) {
      const li = el('li', `sev-${a.severity}`);
      const link = el('a', '', `${t(SEV_ZH[a.severity], a.severity)} · ${t(a.message_zh, a.message_en)}`);
      link.href = `?alert=${encodeURIComponent(a.alert_id)}`;
      li.dataset.alertId = a.alert_id;
      li.append(link, el('span', 'muted', ` · ${t('生效中', 'in force')} · ${t('发布', 'raised')} ${bj(a.raised_at)} ${t('北京时间', 'Beijing time')}`));
      list.append(li);
    }
    const ended = [...new Map(past.filter(r => !active.some(a => a.alert_id === r.alert_id)).map(r => [r.alert_id, r])).values()];
    for (const r of ended.slice(0, 10)) {
      const li = el('li', `sev-${r.severity} past`);
      li.dataset.alertId = r.alert_id;
      const link = el('a', '', `${t(SEV_ZH[r.severity] || r.severity, r.severity)} · ${t(r.message_zh, r.message_en)}`);
      link.href = `?alert=${encodeURIComponent(r.alert_id)}`;
      li.append(link, el('span', 'muted', ` · ${t(...(TRANSITION[r.transition] || [r.transition, r.transition]))} ${bj(r.time)} ${t('北京时间', 'Beijing time')}`));
      list.append(li);
    }
    if (!list.children.length) list.append(el('li', 'muted', t('本时段无警报', 'no alerts in the period')));
    page.append(list);
  }

  // The daily FWI of the period, newest first, each day marked in or out of the fire season (out: not computed).
  function fireWeather(fw) {
    const box = el('section', 'fire-weather');
    box.append(el('h3', '', t('火险天气（FWI，每日正午观测）', 'Fire weather (FWI, daily noon observation)')));
    const s = fw.season;
    const dc = s.drought_code_start === 'overwinter' ? t(`DC 越冬调整（a=${s.carry_over}，b=${s.rain_effectiveness}）`, `DC overwintered (a=${s.carry_over}, b=${s.rain_effectiveness})`)
      : t('DC 自起始值 15', 'DC from the start-up value 15');
    const next = s.method === 'dates' && s.end < s.start; // the season spans the new year
    const how = s.method === 'dates' ? t(`防火期（按日期）：每年 ${s.start} 至${next ? '次年' : ''} ${s.end}`, `Fire season (dates): ${s.start} to ${s.end}${next ? ' of the next year' : ''}, every year`)
      : s.method === 'temperature' ? t(`防火期（WF93 气温法）：连续 ${s.days} 天最高气温高于 ${s.start_temp_c} °C 起，低于 ${s.end_temp_c} °C 止`, `Fire season (WF93 temperature method): from ${s.days} days with a maximum above ${s.start_temp_c} °C to ${s.days} days below ${s.end_temp_c} °C`)
        : t('全年计算（未设防火期）', 'Computed all year (no fire season)');
    const seasons = fw.seasons.map(x => `${x.start} – ${x.end || t('进行中', 'ongoing')}`).join(t('；', '; '));
    box.append(el('p', 'muted season', `${how}${s.method === 'all-year' ? '' : t('；换季时各码重新起算，', '; the codes restart at a season start, ') + dc}${seasons ? t('。本时段：', '. In this period: ') + seasons : ''}`));
    if (!fw.days.length) { box.append(el('p', 'muted', t('本时段无火险天气数据', 'no fire-weather days in the period'))); return box; }
    const table = el('table', 'fire-days');
    const cols = [[t('日期', 'date')], [t('防火期', 'fire season')], ['FWI'], ['FFMC'], ['DMC'], ['DC'], [t('24小时降雨', '24 h rain')]];
    const hr = table.createTHead().insertRow();
    for (const [h] of cols) hr.append(el('th', '', h));
    const body = table.createTBody();
    const num = v => (v === null || v === undefined ? '—' : String(v));
    for (const d of [...fw.days].reverse().slice(0, 62)) {
      const tr = body.insertRow();
      tr.dataset.date = d.date;
      tr.dataset.inSeason = String(d.in_season);
      tr.className = d.in_season ? 'in-season' : 'out-of-season';
      const restart = d.dc_start !== null && d.dc_start !== undefined ? ` · ${t('重新起算', 'restart')}, DC ${d.dc_start}` : '';
      const cells = [d.date, d.in_season ? t('防火期内', 'in season') + restart : t('防火期外（不计算）', 'out of season (not computed)'),
        num(d.fwi), num(d.ffmc), num(d.dmc), num(d.dc), d.rain_24h_mm === null || d.rain_24h_mm === undefined ? '—' : `${d.rain_24h_mm} mm`];
      cells.forEach((c, i) => { const td = tr.insertCell(); td.textContent = c; td.dataset.label = cols[i][0]; });
    }
    const wrap = el('div', 'fire-days-box');
    wrap.append(table);
    box.append(wrap);
    return box;
  }

  function spark(canvas, f, points) {
    if (state.charts[canvas.id]) state.charts[canvas.id].destroy();
    const flagged = p => p[2] && p[2] !== 'good';
    state.charts[canvas.id] = new Chart(canvas, {
      type: 'line',
      data: { labels: points.map(p => bjShort(p[0])), datasets: [{ label: fieldName(f), data: points.map(p => p[1]), borderColor: '#1f6fd1', borderWidth: 1.5, tension: 0.2,
        pointRadius: points.map(p => (flagged(p) ? 3 : 0)), pointStyle: points.map(p => (p[2] === 'bad' ? 'crossRot' : 'triangle')),
        pointBackgroundColor: points.map(p => QUALITY_COLORS[p[2]] || '#1f6fd1'), pointBorderColor: points.map(p => QUALITY_COLORS[p[2]] || '#1f6fd1') }] },
      options: { animation: false, maintainAspectRatio: false, plugins: { legend: { display: false }, tooltip: { intersect: false, mode: 'index' } },
        scales: { x: { display: false }, y: { display: false } } },
    });
  }

  function destroySparks() {
    for (const id of Object.keys(state.charts)) if (id.startsWith('spark-')) { state.charts[id].destroy(); delete state.charts[id]; }
  }

  function open(id) {
    if (!state.stations.some(s => s.id === id)) return;
    if (location.hash !== `#station=${encodeURIComponent(id)}`) { location.hash = `station=${encodeURIComponent(id)}`; return; } // hashchange opens it
    shown = id;
    series = {}; past = []; fire = null;
    $('station-list').value = id;
    render();
    box().scrollIntoView({ block: 'start' });
    load(id);
  }

  function closePage() {
    shown = null;
    destroySparks();
    box().hidden = true;
    delete box().dataset.loaded;
    $('station-list').value = '';
    if (location.hash.startsWith('#station=')) window.history.pushState(null, '', location.pathname + location.search);
  }

  function fromAddress() {
    const m = /^#station=([^&]+)/.exec(location.hash);
    if (m) { const id = decodeURIComponent(m[1]); if (id !== shown || box().hidden) open(id); } else if (shown) closePage();
  }

  function fillList() {
    const select = $('station-list');
    const options = [['', t('站点页…', 'Station page…')], ...state.stations.map(s => [s.id, `${t(s.name_zh, s.name_en)} (${s.id})`])];
    select.replaceChildren(...options.map(([v, l]) => { const o = el('option', '', l); o.value = v; return o; }));
    select.value = shown || '';
  }

  page.openStation = open;
  // Refreshed with the rest of the page (auto-refresh, a new period, the language); opened from the address once the
  // stations are known.
  page.chartsLoaded.push(() => {
    fillList();
    if (shown) load(shown); else fromAddress();
  });
  page.alertsChanged.push(() => { if (shown && !box().hidden && box().dataset.loaded) render(); });
  window.addEventListener('hashchange', fromAddress);
  $('station-list').addEventListener('change', e => { if (e.target.value) open(e.target.value); });
  const q = new URLSearchParams(location.search).get('station');
  if (q && !location.hash) {
    const rest = new URLSearchParams(location.search); rest.delete('station');
    window.history.replaceState(null, '', location.pathname + (rest.size ? '?' + rest : '') + '#station=' + encodeURIComponent(q));
  }
})();
