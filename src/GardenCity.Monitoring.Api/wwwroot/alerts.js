// Alerts beyond the list (issue 14): filters of the list by audience, watershed and least severity; the page of one
// alert — raised time, duration, peak, its timeline from the history (GET /api/v1/alerts/history?alert=ID), who was
// notified (GET /api/v1/alerts/{id}/deliveries), and Acknowledge with a responder key entered once and kept for this
// tab (sessionStorage). Opened by clicking an alert, or by address: ?alert=ID is the link the duty-room messages and
// CAP's <web> give. Uses app.js's state, api(), t(), bj() and page hooks.
'use strict';
(() => {
  const RESPONDER = 'gc-responder-key';
  const AUDIENCE = { emergency: ['应急', 'emergency'], ecology: ['生态', 'ecology'], maintenance: ['运维', 'maintenance'] };
  const TRANSITION = { raised: ['发布', 'raised'], escalated: ['升级', 'escalated'], deescalated: ['降级', 'de-escalated'], resolved: ['解除', 'resolved'],
    acknowledged: ['已确认', 'acknowledged'], late: ['迟到数据', 'late data'], stale: ['数据中断', 'stale'], lostcontact: ['失联', 'lost contact'],
    lost_contact: ['失联', 'lost contact'], contactrestored: ['恢复联系', 'contact restored'], contact_restored: ['恢复联系', 'contact restored'], closed: ['人工关闭', 'closed by hand'], updated: ['更新', 'updated'] };
  const DELIVERY = { sent: ['已送达', 'sent'], retrying: ['重试中', 'retrying'], failed: ['失败', 'failed'], gave_up: ['已放弃', 'gave up'] };
  const CHANNEL = { wecom: ['企业微信', 'WeCom'], dingtalk: ['钉钉', 'DingTalk'], sms: ['短信', 'SMS'], email: ['邮件', 'email'] };
  const filters = { audience: '', watershed: '', severity: '' };
  let shown = null; // { id, alert, history, deliveries }
  let error = '';

  const el = (tag, cls, text) => { const e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; };
  const label = (map, k) => (map[k] ? t(...map[k]) : k);
  const box = () => $('alert-page');
  const watershedOf = a => a.watershed || (state.stations.find(s => s.id === (a.station_id || a.station)) || {}).watershed || '';

  // ---- filters ----------------------------------------------------------------------------------------------------
  page.alertVisible = a => (!filters.audience || a.audience === filters.audience)
    && (!filters.watershed || watershedOf(a) === filters.watershed)
    && (!filters.severity || SEV_ORDER[a.severity] >= SEV_ORDER[filters.severity]);

  // Built again only when the language or the watersheds change (a live alert must not close an open select).
  let built = '';
  function renderFilters(all, visible) {
    const bar = $('alert-filters');
    const sheds = [...new Set(state.stations.map(s => s.watershed).filter(Boolean))].sort();
    const count = t(`显示 ${visible.length} / ${all.length}`, `showing ${visible.length} of ${all.length}`);
    bar.dataset.shown = String(visible.length);
    if (built === state.lang + sheds.join()) { bar.querySelector('.count').textContent = count; return; }
    built = state.lang + sheds.join();
    const make = (name, labelText, options) => {
      const l = el('label');
      const s = el('select');
      s.id = `filter-${name}`;
      s.replaceChildren(...options.map(([v, text]) => { const o = el('option', '', text); o.value = v; return o; }));
      s.value = filters[name];
      s.addEventListener('change', () => { filters[name] = s.value; renderAlerts(); });
      l.append(el('span', '', labelText), s);
      return l;
    };
    bar.replaceChildren(
      make('audience', t('对象', 'audience'), [['', t('全部', 'all')], ...Object.keys(AUDIENCE).map(k => [k, label(AUDIENCE, k)])]),
      make('watershed', t('流域', 'watershed'), [['', t('全部', 'all')], ...sheds.map(k => [k, WATERSHED[k] ? t(...WATERSHED[k]) : k])]),
      make('severity', t('级别', 'severity'), [['', t('全部', 'all')], ...['blue', 'yellow', 'orange'].map(k => [k, t(`${SEV_ZH[k]}及以上`, `${k} and above`)]), ['red', t('红色', 'red')]]),
      el('span', 'muted count', count));
  }

  // ---- one alert ----------------------------------------------------------------------------------------------------
  function duration(ms) {
    if (Number.isNaN(ms)) return '—';
    const m = Math.max(0, Math.round(ms / 60000)), d = Math.floor(m / 1440), h = Math.floor((m % 1440) / 60), min = m % 60;
    return state.lang === 'zh' ? `${d ? d + '天' : ''}${h ? h + '小时' : ''}${min}分钟` : `${d ? d + ' d ' : ''}${h ? h + ' h ' : ''}${min} min`;
  }

  // The alert as shown: its live notification while in force, else its latest change in the history.
  function current() {
    const live = state.alerts.get(shown.id);
    if (live) return { ...live, active: true };
    const last = shown.history[0];
    if (!last) return null;
    return { alert_id: last.alert_id, rule_id: last.rule, station_id: last.station, audience: last.audience, severity: last.severity, peak_severity: last.peak,
      message_zh: last.message_zh, message_en: last.message_en, value: last.value, threshold: last.threshold, acknowledged_by: last.acknowledged_by,
      acknowledged_at: last.acknowledged_at, closed_by: last.closed_by, close_reason: last.close_reason, status: last.transition === 'closed' ? 'closed' : 'resolved',
      raised_at: (shown.history.find(r => r.transition === 'raised') || shown.history[shown.history.length - 1]).time, updated_at: last.time, active: false };
  }

  async function load(id) {
    shown = { id, history: [], deliveries: null, loaded: false };
    error = '';
    render();
    const [h, d] = await Promise.allSettled([api(`/api/v1/alerts/history?alert=${encodeURIComponent(id)}&limit=500`), api(`/api/v1/alerts/${encodeURIComponent(id)}/deliveries`)]);
    if (!shown || shown.id !== id) return;
    shown.history = h.status === 'fulfilled' ? h.value : [];
    shown.deliveries = d.status === 'fulfilled' ? d.value : null;
    shown.loaded = true;
    seen = state.alerts.has(id) ? state.alerts.get(id).notification_id : null;
    render();
    box().dataset.loaded = id;
    if (!shown.history.length) refetch(id); // raised a moment ago: its history is being written
  }

  // The history is written just after a change: after one (seen live or made here), read it again until it has grown.
  let polling = null;
  function refetch(id) {
    clearTimeout(polling);
    const before = shown ? shown.history.length : 0;
    let tries = 0;
    const next = async () => {
      if (!shown || shown.id !== id) return;
      try {
        const [h, d] = await Promise.allSettled([api(`/api/v1/alerts/history?alert=${encodeURIComponent(id)}&limit=500`), api(`/api/v1/alerts/${encodeURIComponent(id)}/deliveries`)]);
        if (!shown || shown.id !== id) return;
        if (h.status === 'fulfilled') shown.history = h.value;
        if (d.status === 'fulfilled') shown.deliveries = d.value;
        render();
      } catch (e) { console.warn('alert history', e); }
      if (shown && shown.id === id && shown.history.length <= before && ++tries < 10) polling = setTimeout(next, 1500);
    };
    polling = setTimeout(next, 1000);
  }

  function render() {
    const page = box();
    if (!shown) { page.hidden = true; return; }
    page.hidden = false;
    page.dataset.alertId = shown.id;
    page.replaceChildren();
    const a = current();
    const head = el('h2');
    const close = el('button', 'close-page', '×');
    close.type = 'button';
    close.title = t('关闭警报页', 'Close the alert page');
    close.setAttribute('aria-label', close.title);
    close.addEventListener('click', () => closePage(true));
    if (!a) {
      head.append(el('span', '', shown.loaded ? t(`找不到警报 ${shown.id}`, `No alert ${shown.id}`) : t('正在加载警报…', 'Loading the alert…')), close);
      page.append(head);
      return;
    }
    const station = state.stations.find(s => s.id === a.station_id);
    head.append(el('span', `badge sev-${a.severity}`, t(SEV_ZH[a.severity] || a.severity, a.severity)),
      el('span', 'rule', a.rule_zh ? t(a.rule_zh, a.rule_en) : a.rule_id), close);
    page.append(head, el('p', 'message', t(a.message_zh, a.message_en)));

    const facts = el('dl', 'facts');
    const fact = (cls, k, v) => { const d = el('div', cls); d.append(el('dt', '', k)); const dd = el('dd'); if (v instanceof Node) dd.append(v); else dd.textContent = v; d.append(dd); facts.append(d); };
    const link = el('a', '', station ? t(station.name_zh, station.name_en) : a.station_id);
    link.href = `#station=${encodeURIComponent(a.station_id)}`;
    fact('station', t('站点', 'station'), link);
    fact('state', t('状态', 'state'), a.active ? t('生效中', 'in force') + (a.stale ? ` · ${t('失联', 'lost contact')}` : '') : a.status === 'closed' ? t('已人工关闭', 'closed by hand') : t('已解除', 'resolved'));
    fact('audience', t('对象', 'audience'), label(AUDIENCE, a.audience));
    fact('raised', t('发布时间（北京时间）', 'raised (Beijing time)'), bj(a.raised_at));
    const end = a.active ? (state.clock ? new Date(state.clock.now) : new Date()) : new Date(a.updated_at);
    fact('duration', t('持续时间', 'duration'), duration(end - new Date(a.raised_at)) + (a.active ? ` ${t('（至今）', '(so far)')}` : ''));
    const values = shown.history.map(r => r.value).filter(v => typeof v === 'number');
    if (typeof a.value === 'number') values.push(a.value);
    const peak = a.peak_severity || a.severity;
    fact('peak', t('峰值', 'peak'), `${t(SEV_ZH[peak] || peak, peak)}${values.length ? ` · ${Math.max(...values)}` : ''}`);
    if (a.value !== null && a.value !== undefined) fact('value', t('当前值 / 阈值', 'value / threshold'), `${a.value}${a.threshold !== null && a.threshold !== undefined ? ' / ' + a.threshold : ''}`);
    if (a.acknowledged_by) fact('acknowledged', t('已确认', 'acknowledged'), `${a.acknowledged_by}${a.acknowledged_at ? ' · ' + bj(a.acknowledged_at) + ' ' + t('北京时间', 'Beijing time') : ''}`);
    if (a.closed_by) fact('closed', t('关闭', 'closed'), `${a.closed_by} · ${a.close_reason || ''}`);
    page.append(facts);

    if (a.active && !a.acknowledged_by) page.append(ackForm(a));
    if (error) page.append(el('p', 'error', error));

    page.append(el('h3', '', t('时间线（北京时间）', 'Timeline (Beijing time)')));
    const ol = el('ol', 'timeline');
    // Oldest first by revision: an acknowledgement keeps the time of the change it acknowledges (docs/influxdb-schema.md),
    // so it is shown at when it was made.
    const order = r => (typeof r.revision === 'number' ? r.revision : 0);
    for (const r of [...shown.history].sort((x, y) => order(x) - order(y) || x.time.localeCompare(y.time))) {
      const li = el('li', `sev-${r.severity}`);
      li.dataset.transition = r.transition;
      const at = (r.transition === 'acknowledged' && r.acknowledged_at) || (r.transition === 'closed' && r.closed_at) || r.time;
      li.append(el('time', '', bj(at)), el('span', 'what', label(TRANSITION, r.transition)), el('span', `badge sev-${r.severity}`, t(SEV_ZH[r.severity] || r.severity, r.severity)));
      const more = [];
      if (typeof r.value === 'number') more.push(`${r.value}${typeof r.threshold === 'number' ? ' / ' + r.threshold : ''}`);
      if (r.transition === 'acknowledged' && r.acknowledged_by) more.push(r.acknowledged_by);
      if (r.transition === 'closed' && r.closed_by) more.push(`${r.closed_by}: ${r.close_reason || ''}`);
      if (more.length) li.append(el('span', 'muted', more.join(' · ')));
      ol.append(li);
    }
    if (!ol.children.length) ol.append(el('li', 'muted', shown.loaded ? t('历史中暂无记录（写入可能稍有延迟）', 'nothing in the history yet (it is written shortly after)') : t('加载中…', 'loading…')));
    page.append(ol);

    page.append(el('h3', '', t('值班通知', 'Duty-room notifications')));
    if (shown.deliveries === null) page.append(el('p', 'muted', shown.loaded ? t('无法读取通知状态（本进程未运行告警角色）', 'delivery statuses unavailable (alerting does not run in this process)') : t('加载中…', 'loading…')));
    else if (!shown.deliveries.length) page.append(el('p', 'muted deliveries-none', t('未发送值班通知：没有值班渠道接收此类警报', 'no duty-room notification: no channel takes this alert')));
    else {
      const table = el('table', 'deliveries');
      const hr = table.createTHead().insertRow();
      for (const h of [t('渠道', 'channel'), t('接收人', 'recipient'), t('状态', 'status'), t('次数', 'rounds'), t('时间（北京时间）', 'at (Beijing time)')]) hr.append(el('th', '', h));
      const body = table.createTBody();
      for (const d of shown.deliveries) {
        const tr = body.insertRow();
        tr.className = `delivery-${d.status}`;
        for (const v of [label(CHANNEL, d.channel), d.recipient, label(DELIVERY, d.status) + (d.reason ? ` · ${d.reason}` : ''), String(d.rounds), bj(d.at)]) tr.insertCell().textContent = v;
      }
      page.append(table);
    }
  }

  // Acknowledge needs a responder key: typed once, kept for this tab only (sessionStorage), used for acknowledge and
  // close until the tab is closed or the API refuses it.
  function ackForm(a) {
    const form = el('form', 'ack-form');
    const stored = sessionStorage.getItem(RESPONDER);
    if (!stored) {
      const input = el('input');
      input.type = 'password'; input.id = 'responder-key'; input.autocomplete = 'off';
      input.placeholder = t('值班员（responder）密钥', 'responder key');
      input.setAttribute('aria-label', input.placeholder);
      form.append(input);
    }
    const ok = el('button', 'ack-alert', t('确认警报', 'Acknowledge'));
    ok.type = 'submit';
    form.append(ok);
    if (stored) {
      const forget = el('button', 'forget-key', t('清除密钥', 'Forget key'));
      forget.type = 'button';
      forget.addEventListener('click', () => { sessionStorage.removeItem(RESPONDER); render(); });
      form.append(forget);
    }
    form.append(el('span', 'muted', stored ? t('使用本标签页已保存的值班员密钥', 'using the responder key kept for this tab') : t('只需输入一次，仅保存在本标签页', 'entered once, kept for this tab only')));
    form.addEventListener('submit', async e => {
      e.preventDefault();
      const typed = $('responder-key') && $('responder-key').value.trim();
      if (typed) sessionStorage.setItem(RESPONDER, typed);
      error = '';
      const key = page.actionKey();
      try {
        const updated = await api(`/api/v1/alerts/${encodeURIComponent(a.alert_id)}/ack`, { method: 'POST', headers: key ? { 'X-Api-Key': key } : {} });
        state.alerts.set(updated.alert_id, updated);
        renderAlerts();
      } catch (err) {
        if (err.status === 401 || err.status === 403) { sessionStorage.removeItem(RESPONDER); error = t('需要值班员（responder）密钥：此密钥无权确认。', 'This needs a responder key: this key may not acknowledge.'); }
        else error = (err.problem && err.problem.detail) || err.message;
        render();
      }
    });
    return form;
  }

  function open(id, push) {
    if (push) {
      const q = new URLSearchParams(location.search);
      q.set('alert', id);
      window.history.pushState(null, '', `${location.pathname}?${q}${location.hash}`);
    }
    load(id);
    box().scrollIntoView({ block: 'start' });
  }

  function closePage(push) {
    shown = null;
    box().hidden = true;
    delete box().dataset.loaded;
    if (push) {
      const q = new URLSearchParams(location.search);
      q.delete('alert');
      window.history.pushState(null, '', location.pathname + (q.size ? '?' + q : '') + location.hash);
    }
  }

  function fromAddress() {
    const id = new URLSearchParams(location.search).get('alert');
    if (id && (!shown || shown.id !== id)) open(id, false);
    else if (!id && shown) closePage(false);
  }

  page.actionKey = () => sessionStorage.getItem(RESPONDER) || state.key;
  let seen = null; // the shown alert's latest notification
  page.alertsChanged.push((all, visible) => {
    renderFilters(all, visible);
    if (!shown || !shown.loaded) return;
    const live = state.alerts.get(shown.id);
    const now = live ? live.notification_id : null;
    if (seen !== null && now !== seen) refetch(shown.id);
    seen = now;
    render();
  });
  let opened = false;
  page.chartsLoaded.push(() => { if (!opened) { opened = true; fromAddress(); } });
  window.addEventListener('popstate', fromAddress);
  // Links to an alert (the list, the station page) open it here, without a reload.
  document.addEventListener('click', e => {
    const a = e.target.closest && e.target.closest('a[href^="?alert="]');
    if (!a || e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
    e.preventDefault();
    open(new URLSearchParams(a.getAttribute('href').slice(1)).get('alert'), true);
  });
})();
