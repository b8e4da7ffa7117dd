// GardenCity.Monitoring dashboard, duty room (issue 13): silences and the audit of one alert. Loaded after app.js, whose
// helpers it uses (state, t, api, bj, $, button, loadAlerts); app.js calls dutyDecorate(li, alert) for every alert line.
// - a silence button on each alert: scope (this rule at this station, or the whole station), duration, reason (required);
//   a responder key is needed, an admin key for anything that can cover an emergency red alert. A key typed here is kept
//   for this browser tab only (sessionStorage 'gc-duty-key'); otherwise the key at the top right is used.
// - the silence list (active, pending and recent), each active one with an "end now" button;
// - the audit trail of one alert (who did what, when; Beijing time).
'use strict';
const duty = { silencing: null, draft: { reason: '', duration: '4h', scope: 'rule' }, askKey: false, error: '', audit: new Map(), auditOpen: null, focus: null, silences: [] };
const DUTY_DURATIONS = [['1h', '1 小时', '1 hour'], ['4h', '4 小时', '4 hours'], ['12h', '12 小时', '12 hours'], ['1d', '1 天', '1 day'], ['3d', '3 天', '3 days']];

function dutyKey() { return sessionStorage.getItem('gc-duty-key') || state.key; }
async function dutyApi(path, init) {
  const key = dutyKey();
  const r = await fetch(path, { ...init, headers: { ...(key ? { 'X-Api-Key': key } : {}), ...(init && init.headers) } });
  if (!r.ok) { const e = new Error(`${r.status} ${path}`); e.status = r.status; try { e.problem = await r.json(); } catch { /* no body */ } throw e; }
  return r.json();
}

// ---- hook: one alert line -----------------------------------------------------------------------------------------
function dutyDecorate(li, a) {
  if (a.silenced_by) {
    const badge = document.createElement('span');
    badge.className = 'badge silenced';
    badge.textContent = t('已静默', 'silenced');
    badge.title = `${a.silence_id} · ${a.silenced_by}`;
    li.querySelector('.badge').after(badge);
    const meta = li.querySelector('.meta');
    meta.textContent += ` · ${t('静默至', 'silenced until')} ${bj(a.silenced_until, { month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit' })}（${a.silenced_by}）`;
  }
  const box = li.querySelector('.actions');
  if (duty.silencing === a.alert_id) box.after(silenceForm(a));
  else if (box && !box.querySelector('form')) box.append(button(t('静默…', 'Silence…'), 'silence', () => { duty.silencing = a.alert_id; duty.askKey = false; duty.error = ''; renderAlerts(); focusDuty('silence-reason'); }));
  if (box && !box.querySelector('form')) box.append(button(duty.auditOpen === a.alert_id ? t('收起审计', 'Hide audit') : t('审计', 'Audit'), 'audit', () => toggleAudit(a.alert_id)));
  if (duty.auditOpen === a.alert_id) li.append(auditList(a.alert_id));
  if (duty.focus && document.activeElement === document.body && document.getElementById(duty.focus)) document.getElementById(duty.focus).focus();
}

function focusDuty(id) { const e = document.getElementById(id); if (e) e.focus(); }
function remember(input, key) {
  input.addEventListener('input', () => { duty.draft[key] = input.value; });
  input.addEventListener('focus', () => { duty.focus = input.id; });
  input.addEventListener('focusout', e => { if (e.relatedTarget) duty.focus = null; });
}

function silenceForm(a) {
  const form = document.createElement('form');
  form.className = 'silence-form';
  form.id = 'silence-form';
  const station = state.stations.find(s => s.id === a.station_id);
  const where = station ? t(station.name_zh, station.name_en) : a.station_id;
  const scope = document.createElement('select');
  scope.id = 'silence-scope';
  scope.setAttribute('aria-label', t('静默范围', 'what to silence'));
  for (const [value, zh, en] of [['rule', `${a.rule_id} @ ${where}`, `${a.rule_id} at ${where}`], ['station', `${where}（全部规则）`, `${where} (all rules)`]]) scope.append(new Option(t(zh, en), value, false, duty.draft.scope === value));
  remember(scope, 'scope');
  scope.addEventListener('change', () => { duty.draft.scope = scope.value; });
  const duration = document.createElement('select');
  duration.id = 'silence-duration';
  duration.setAttribute('aria-label', t('时长', 'duration'));
  for (const [value, zh, en] of DUTY_DURATIONS) duration.append(new Option(t(zh, en), value, false, duty.draft.duration === value));
  duration.addEventListener('change', () => { duty.draft.duration = duration.value; });
  const reason = document.createElement('input');
  reason.id = 'silence-reason'; reason.required = true; reason.maxLength = 500; reason.value = duty.draft.reason;
  reason.placeholder = t('静默原因（必填），如：闸门检修', 'reason (required), e.g. gate maintenance');
  reason.setAttribute('aria-label', t('静默原因', 'reason for the silence'));
  remember(reason, 'reason');
  form.append(scope, duration, reason);
  if (duty.askKey) {
    const key = document.createElement('input');
    key.id = 'silence-key'; key.type = 'password'; key.autocomplete = 'off';
    key.placeholder = a.severity === 'red' && a.audience === 'emergency' ? t('管理员（admin）密钥', 'admin key') : t('值班员或管理员密钥', 'responder or admin key');
    key.setAttribute('aria-label', key.placeholder);
    form.append(key);
  }
  const ok = button(t('确认静默', 'Silence'), 'confirm-silence');
  ok.type = 'submit';
  const cancel = button(t('取消', 'Cancel'), 'cancel-silence', () => { duty.silencing = null; duty.error = ''; renderAlerts(); });
  form.append(ok, cancel);
  if (duty.error) {
    const p = document.createElement('p');
    p.className = 'error silence-error';
    p.textContent = duty.error;
    form.append(p);
  }
  form.addEventListener('submit', e => { e.preventDefault(); createSilence(a, form); });
  return form;
}

async function createSilence(a, form) {
  const reason = form.querySelector('#silence-reason').value.trim();
  const key = form.querySelector('#silence-key');
  if (key && key.value.trim()) sessionStorage.setItem('gc-duty-key', key.value.trim());
  if (!reason) { duty.error = t('请填写静默原因。', 'Please give a reason.'); renderAlerts(); return; }
  const matchers = duty.draft.scope === 'station' ? { station: a.station_id } : { rule: a.rule_id, station: a.station_id };
  try {
    await dutyApi('/api/v1/silences', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ matchers, reason, duration: form.querySelector('#silence-duration').value }) });
    duty.silencing = null; duty.error = ''; duty.draft.reason = ''; duty.askKey = false; duty.focus = null;
    await Promise.all([loadSilences(), loadAlerts()]);
  } catch (e) {
    if (e.status === 401 || e.status === 403) {
      duty.askKey = true;
      duty.error = (e.problem && e.problem.title && e.status === 403 && /admin/.test(e.problem.title) && a.severity === 'red')
        ? t('红色应急预警只能由管理员（admin）静默：请输入管理员密钥。', 'Only an admin may silence an emergency red alert: enter an admin key.') + ' ' + e.problem.title
        : t('静默需要值班员（responder）或管理员密钥：请在下方输入。', 'Silencing needs a responder or admin key: enter it below.');
    } else duty.error = (e.problem && (e.problem.detail || e.problem.title)) || e.message;
    renderAlerts();
    focusDuty(duty.askKey ? 'silence-key' : 'silence-reason');
  }
}

// ---- the audit of one alert ---------------------------------------------------------------------------------------
async function toggleAudit(id) {
  if (duty.auditOpen === id) { duty.auditOpen = null; renderAlerts(); return; }
  duty.auditOpen = id;
  try { duty.audit.set(id, await api(`/api/v1/audit?alert=${encodeURIComponent(id)}`)); }
  catch (e) { duty.audit.set(id, { error: (e.problem && (e.problem.detail || e.problem.title)) || e.message }); }
  renderAlerts();
}

function auditList(id) {
  const box = document.createElement('div');
  box.className = 'audit-list';
  const entries = duty.audit.get(id);
  if (!entries) { box.textContent = t('加载中…', 'loading…'); return box; }
  if (entries.error) { box.className += ' error'; box.textContent = entries.error; return box; }
  const ol = document.createElement('ol');
  for (const e of entries) {
    const li = document.createElement('li');
    li.dataset.kind = e.kind;
    const when = document.createElement('time');
    when.dateTime = e.at;
    when.textContent = bj(e.at, { month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    const what = document.createElement('span');
    what.className = 'kind';
    what.textContent = kindName(e.kind);
    const who = document.createElement('span');
    who.className = 'who';
    who.textContent = e.who === 'system' ? t('系统', 'system') : e.who;
    const detail = document.createElement('span');
    detail.className = 'detail';
    detail.textContent = (e.target && !e.target.startsWith(id) ? e.target + ' · ' : '') + e.detail;
    li.append(when, ' ', what, ' ', who, ' ', detail);
    ol.append(li);
  }
  box.append(ol);
  if (!entries.length) box.textContent = t('无审计记录', 'No audit entries');
  return box;
}

const KIND_NAMES = {
  'alert.raised': ['预警发布', 'raised'], 'alert.escalated': ['升级', 'escalated'], 'alert.de_escalated': ['降级', 'lowered'], 'alert.resolved': ['解除', 'resolved'],
  'alert.acknowledged': ['已确认', 'acknowledged'], 'alert.closed': ['人工关闭', 'closed'], 'alert.stale': ['数据中断', 'stale'], 'alert.lost_contact': ['失联', 'lost contact'],
  'alert.contact_restored': ['恢复联系', 'contact restored'], 'alert.late': ['迟到数据', 'late'], 'alert.updated': ['更新', 'updated'],
  'notification.sent': ['已通知', 'notified'], 'notification.failed': ['通知被拒', 'notification refused'], 'notification.gave_up': ['通知放弃', 'notification given up'],
  'silence.held': ['静默暂缓通知', 'held by a silence'], 'silence.released': ['静默结束后通知', 'sent after the silence'], 'silence.dropped': ['静默结束（已解除，不再通知）', 'silence over (no longer active)'],
};
function kindName(kind) { const n = KIND_NAMES[kind]; return n ? t(n[0], n[1]) : kind; }

// ---- the silence list ---------------------------------------------------------------------------------------------
async function loadSilences() {
  try { duty.silences = await dutyApi('/api/v1/silences'); $('silence-error').hidden = true; }
  catch (e) { duty.silences = []; $('silence-error').textContent = (e.problem && (e.problem.detail || e.problem.title)) || e.message; $('silence-error').hidden = false; }
  renderSilences();
}

const STATE_NAMES = { active: ['生效中', 'active'], pending: ['未开始', 'pending'], expired: ['已到期', 'expired'], ended: ['已提前结束', 'ended early'] };
function renderSilences() {
  const list = $('silences');
  list.replaceChildren();
  for (const s of duty.silences) {
    const li = document.createElement('li');
    li.className = `silence state-${s.state}`;
    li.dataset.silenceId = s.id;
    const badge = document.createElement('span');
    badge.className = 'badge state';
    badge.textContent = t(...STATE_NAMES[s.state]);
    const what = document.createElement('span');
    what.className = 'matchers';
    what.textContent = Object.entries(s.matchers).filter(([, v]) => v).map(([k, v]) => `${k}=${v}`).join(' ');
    const meta = document.createElement('div');
    meta.className = 'meta';
    const when = d => bj(d, { month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit' });
    meta.textContent = `${when(s.starts_at)} – ${when(s.until)} ${t('北京时间', 'Beijing time')} · ${s.created_by}：${s.reason}` + (s.ended_by ? ` · ${t('提前结束', 'ended by')} ${s.ended_by}` : '');
    li.append(badge, what, meta);
    if (s.state === 'active' || s.state === 'pending') li.append(button(t('结束静默', 'End now'), 'end-silence', () => endSilence(s.id)));
    list.append(li);
  }
  $('no-silences').hidden = duty.silences.length > 0;
}

async function endSilence(id) {
  try {
    await dutyApi(`/api/v1/silences/${encodeURIComponent(id)}`, { method: 'DELETE' });
    await Promise.all([loadSilences(), loadAlerts()]);
  } catch (e) {
    $('silence-error').textContent = e.status === 401 || e.status === 403 ? t('结束静默需要值班员（responder）密钥。', 'Ending a silence needs a responder key.') : (e.problem && (e.problem.detail || e.problem.title)) || e.message;
    $('silence-error').hidden = false;
  }
}

$('lang').addEventListener('click', () => setTimeout(renderSilences));
$('key').addEventListener('change', () => setTimeout(loadSilences, 100));
loadSilences();
setInterval(loadSilences, 30000);
