// Geohazard panel (issue 15): every hazard unit (debris-flow gully, landslide slope unit) with its warning level (the
// alerts in force, live) and the figures of its latest stored hour (event time), and for the unit chosen a chart of
// the rainfall event's path in its threshold plane against each colour's line: (D, I) with log axes for an
// intensity–duration curve I = a·D^b, (R, I) with linear axes for the combined criterion. Data:
// /api/v1/geohazard/units and /api/v1/geohazard/units/{id} (docs/api.md). Uses app.js's state, api(), t(), bj(),
// chart(), range() and page hooks.
'use strict';
(() => {
  const KIND = { 'debris-flow': ['泥石流沟', 'debris-flow gully'], 'landslide': ['滑坡单元', 'landslide unit'] };
  const LEVEL = { none: ['无预警', 'no warning'], unknown: ['未知', 'unknown'] };
  let units = [];
  let selected = null; // the unit charted
  let detail = null; // its /units/{id} answer
  let rule = 0; // which of its thresholds is charted
  const el = (tag, cls, text) => { const e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; };
  const n1 = v => (v === null || v === undefined ? '—' : Number(v).toFixed(1));

  // The level now: the worst alert in force about the unit, live from the alert stream; null when alerting is not in
  // the API's process (unknown, not "none").
  function levelOf(u) {
    if (u.level === null) return 'unknown';
    let worst = 'none';
    for (const a of state.alerts.values()) if (a.station_id === u.id && (SEV_ORDER[a.severity] || 0) > (SEV_ORDER[worst] || 0)) worst = a.severity;
    return worst;
  }
  const levelName = l => (LEVEL[l] ? t(...LEVEL[l]) : `${t(SEV_ZH[l], SEV_EN[l])}${t('预警', ' warning')}`);

  function figuresText(f) {
    if (!f) return t('尚无存储的逐时数值', 'no hourly figures stored yet');
    const at = `${bj(f.at)} ${t('北京时间', 'Beijing time')}`;
    if (!f.in_event) return t(`${at}（事件时间）：无降雨过程；前期有效降雨 Pa ${n1(f.antecedent_mm)} 毫米`, `${at} (event time): no rainfall event; antecedent rainfall Pa ${n1(f.antecedent_mm)} mm`);
    return t(`${at}（事件时间）：本次降雨 R ${n1(f.event_rain_mm)} 毫米，历时 D ${n1(f.duration_h)} 小时，平均雨强 ${n1(f.mean_intensity_mm_h)} 毫米/小时，最大小时雨强 ${n1(f.max_hourly_mm_h)} 毫米/小时，前期有效降雨 Pa ${n1(f.antecedent_mm)} 毫米，有效降雨 ${n1(f.effective_rain_mm)} 毫米（${f.gauge}）`,
      `${at} (event time): event rain R ${n1(f.event_rain_mm)} mm over D ${n1(f.duration_h)} h, mean intensity ${n1(f.mean_intensity_mm_h)} mm/h, maximum hourly ${n1(f.max_hourly_mm_h)} mm/h, antecedent Pa ${n1(f.antecedent_mm)} mm, effective ${n1(f.effective_rain_mm)} mm (${f.gauge})`);
  }

  function renderList() {
    const list = $('geo-units');
    list.replaceChildren(...units.map(u => {
      const level = levelOf(u);
      const li = el('li', `sev-${level}` + (u.id === selected ? ' selected' : ''));
      li.dataset.unit = u.id;
      li.dataset.level = level;
      const b = el('button', 'unit');
      b.type = 'button';
      const badge = el('span', `badge sev-${level}`, levelName(level));
      const name = el('span', 'name', t(u.name_zh, u.name_en));
      const meta = el('div', 'meta', `${t(...(KIND[u.kind] || [u.kind, u.kind]))} · ${t(u.site_zh, u.site_en)} · ${t('雨量站', 'gauges')} ${u.gauges.map(g => t(g.name_zh, g.name_en)).join(t('、', ', '))}`);
      const fig = el('div', 'figures', figuresText(u.figures));
      b.append(badge, name, meta, fig);
      b.addEventListener('click', () => select(u.id));
      li.append(b);
      return li;
    }));
    $('geo-none').hidden = units.length > 0;
  }

  async function select(id) {
    selected = id; rule = 0;
    renderList();
    await loadDetail();
  }

  async function loadDetail() {
    const u = units.find(x => x.id === selected);
    if (!u) return;
    // The period of the dashboard, reaching back to the start of the unit's current event, so that its whole path shows.
    const p = new URLSearchParams(range());
    const start = u.figures && u.figures.in_event && u.figures.event_start;
    if (start && new Date(start) < new Date(p.get('from'))) p.set('from', new Date(start).toISOString());
    detail = await api(`/api/v1/geohazard/units/${encodeURIComponent(u.id)}?${p}`);
    renderChart();
  }

  function renderChart() {
    const box = $('geohazard');
    const select = $('geo-rule');
    if (!detail) return;
    box.dataset.unit = detail.id;
    $('geo-title').textContent = `${t(detail.name_zh, detail.name_en)} · ${t('本次降雨路径与预警线', 'event path and warning lines')}`;
    const ths = detail.thresholds || [];
    select.replaceChildren(...ths.map((th, i) => { const o = el('option', '', t(th.name_zh, th.name_en)); o.value = String(i); return o; }));
    select.hidden = ths.length < 2;
    select.value = String(rule);
    const th = ths[rule];
    if (!th) {
      chart('geo-chart', { type: 'scatter', data: { datasets: [] } });
      $('geo-note').textContent = detail.thresholds === null
        ? t('本进程未运行预警（alerting）角色：无法显示阈值线和预警级别。', 'The alerting role does not run in this process: no threshold lines or level.')
        : t('没有规则监视此单元。', 'No rule watches this unit.');
      box.dataset.loaded = 'true';
      return;
    }
    const curve = th.form === 'curve';
    const datasets = th.lines.map(l => ({
      label: `${t(SEV_ZH[l.severity], SEV_EN[l.severity])}${t('预警线', ' line')} (${l.fraction}×)`,
      data: l.points.map(([x, y]) => ({ x, y })), showLine: true, pointRadius: 0, borderWidth: 2, borderColor: COLORS[l.severity], backgroundColor: COLORS[l.severity],
    }));
    // One path per rainfall event in the period (hours in an event only), the latest drawn last and boldest.
    const events = new Map();
    for (const p of th.path) { const k = p.event_start || ''; if (!events.has(k)) events.set(k, []); events.get(k).push(p); }
    [...events.entries()].forEach(([startKey, pts], i, all) => {
      const last = i === all.length - 1;
      datasets.push({
        label: `${t('降雨过程', 'rainfall event')} ${startKey ? bj(startKey, { month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit' }) : ''} ${t('起（逐时）', 'onwards (hourly)')}`,
        data: pts.map(p => ({ x: p.x, y: p.y, time: p.time, reached: p.reached })), showLine: true, borderColor: last ? '#12324f' : '#8a99a8', borderWidth: last ? 2.5 : 1.5,
        pointRadius: last ? 3.5 : 2, pointBackgroundColor: pts.map(p => COLORS[p.reached] || '#12324f'), pointBorderColor: '#12324f',
      });
    });
    const xName = curve ? t('历时 D（小时，对数坐标）', 'duration D (h, log scale)')
      : (th.rain === 'effective' ? t('有效降雨 Pa + R（毫米）', 'effective rainfall Pa + R (mm)') : t('本次降雨 R（毫米）', 'event rain R (mm)'));
    const yName = curve ? (th.rain === 'effective' ? t('有效雨强 (Pa + R)/D（毫米/小时，对数坐标）', 'effective intensity (Pa + R)/D (mm/h, log scale)') : t('平均雨强 I = R/D（毫米/小时，对数坐标）', 'mean intensity I = R/D (mm/h, log scale)'))
      : t('最大 60 分钟雨强（毫米/小时）', 'maximum 60-minute intensity (mm/h)');
    let scales;
    if (curve) {
      // Log axes label 1, 2 and 5 of each decade only (Chart.js labels every minor tick, which run into each other).
      const ticks = { callback: v => { const m = v / 10 ** Math.floor(Math.log10(v)); return [1, 2, 5].some(k => Math.abs(m - k) < 1e-6) ? String(Number(v.toPrecision(3))) : ''; }, autoSkip: false, maxRotation: 0 };
      scales = { x: { type: 'logarithmic', min: 1 / 6, max: 240, ticks, title: { display: true, text: xName } }, y: { type: 'logarithmic', ticks, title: { display: true, text: yName } } };
    } else {
      // Linear axes reaching a little beyond the red corner (or the path), so that every colour's corner shows.
      const corners = th.lines.map(l => l.points[1]);
      const xMax = Math.max(...corners.map(c => c[0]), ...th.path.map(p => p.x)) * 1.25;
      const yMax = Math.max(...corners.map(c => c[1]), ...th.path.map(p => p.y)) * 1.25;
      scales = { x: { type: 'linear', min: 0, max: Math.ceil(xMax), title: { display: true, text: xName } }, y: { type: 'linear', min: 0, max: Math.ceil(yMax), title: { display: true, text: yName } } };
    }
    chart('geo-chart', {
      type: 'scatter',
      data: { datasets },
      options: { scales, plugins: { tooltip: { callbacks: { label: c => (c.raw.time ? `${bj(c.raw.time)} ${t('北京时间', 'Beijing time')}: ` : '') + `(${n1(c.raw.x)}, ${n1(c.raw.y)})` } } } },
    });
    $('geo-note').textContent = curve
      ? t(`I–D 临界曲线 I = ${th.levels[0].a}·D^${th.levels[0].b} 的各颜色比例（双对数坐标，惯例画法）；点为每小时存储的数值（事件时间），颜色为该时刻达到的级别。`,
        `Intensity–duration threshold I = ${th.levels[0].a}·D^${th.levels[0].b} at each colour's fraction (log–log axes, as usual); points are the stored hourly figures (event time), coloured by the level they reach.`)
      : t(`组合判据：${th.rain === 'effective' ? '有效降雨' : '本次降雨'} ≥ f×${th.levels[0].rain_mm} 毫米且最大小时雨强 ≥ f×${th.levels[0].intensity_mm_h} 毫米/小时；各颜色线的右上方为该级别（线性坐标）。点为每小时存储的数值（事件时间）。`,
        `Combined criterion: ${th.rain === 'effective' ? 'effective' : 'event'} rain ≥ f×${th.levels[0].rain_mm} mm and maximum hourly intensity ≥ f×${th.levels[0].intensity_mm_h} mm/h; above and right of each colour's line is that level (linear axes). Points are the stored hourly figures (event time).`);
    box.dataset.loaded = 'true';
  }

  async function load() {
    try {
      units = await api('/api/v1/geohazard/units');
    } catch (e) { console.warn('geohazard', e); return; }
    if (!units.some(u => u.id === selected)) {
      // The unit with the worst level first, else the first.
      selected = units.length ? [...units].sort((a, b) => (SEV_ORDER[levelOf(b)] || 0) - (SEV_ORDER[levelOf(a)] || 0))[0].id : null;
    }
    renderList();
    try { await loadDetail(); } catch (e) { console.warn('geohazard unit', e); }
  }

  $('geo-rule').addEventListener('change', e => { rule = Number(e.target.value); renderChart(); });
  page.chartsLoaded.push(load); // the period, the auto-refresh and the language
  page.alertsChanged.push(() => { if (units.length) renderList(); });
})();
