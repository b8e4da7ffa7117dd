// The ecologists' part of the dashboard (issue 16, docs/ecology.md): the review queue — unverified detections of
// sensitive species, most confident first, each confirmed, corrected (species, count, individual id) or rejected
// through POST /api/v1/reviews with a reviewer key typed once and kept for this tab (sessionStorage), as alerts.js does
// for the responder key — and the timeline of known individuals (GET /api/v1/individuals). Both follow the page's
// period. A key that may not review is refused and told why. Uses app.js's state, api(), t(), bj(), speciesName().
'use strict';
(() => {
  const REVIEWER = 'gc-reviewer-key';
  const DECIDED = { confirm: ['已确认', 'confirmed'], correct: ['已更正', 'corrected'], reject: ['已驳回', 'rejected'] };
  // Opened when a reviewer key is kept for the tab, or on asking: the page's own key is not tried unasked, so a reader's
  // page makes no refused request.
  const view = { items: [], waiting: 0, refused: '', error: '', status: '', loaded: false, drafts: new Map(), busy: false, opened: !!sessionStorage.getItem(REVIEWER) };
  const el = (tag, cls, text) => { const e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; };
  const reviewerKey = () => sessionStorage.getItem(REVIEWER) || state.key;
  const id = item => `${item.station}|${item.time}|${item.species}`;
  const refusal = () => t('需要审核员（reviewer）密钥：当前密钥无权核查检出（敏感物种的确切位置只对审核员开放）。请在下方输入审核员密钥。',
    'This needs a reviewer key: the current key may not review detections (the exact places of sensitive species are for reviewers only). Enter a reviewer key below.');

  async function loadQueue() {
    const key = reviewerKey();
    try {
      const q = await api(`/api/v1/reviews/queue?${range()}&limit=100`, { headers: key ? { 'X-Api-Key': key } : {} });
      view.items = q.items; view.waiting = q.waiting; view.refused = ''; view.loaded = true;
    } catch (e) {
      view.items = []; view.waiting = 0; view.loaded = true;
      if (e.status === 401 || e.status === 403) {
        if (sessionStorage.getItem(REVIEWER)) sessionStorage.removeItem(REVIEWER);
        view.refused = refusal();
      } else view.error = (e.problem && e.problem.detail) || e.message;
    }
    renderQueue();
  }

  function field(item, name, type, placeholder, attrs) {
    const input = el('input', name);
    input.type = type; input.placeholder = placeholder; input.setAttribute('aria-label', placeholder);
    Object.assign(input, attrs || {});
    const draft = view.drafts.get(id(item)) || {};
    if (draft[name] !== undefined) input.value = draft[name];
    input.addEventListener('input', () => view.drafts.set(id(item), { ...(view.drafts.get(id(item)) || {}), [name]: input.value }));
    return input;
  }

  function renderQueue() {
    const box = $('review');
    box.dataset.state = !view.opened ? 'closed' : view.refused ? 'refused' : view.loaded ? 'loaded' : 'loading';
    const err = $('review-error');
    err.textContent = view.refused || view.error;
    err.hidden = !(view.refused || view.error);
    const keyForm = $('reviewer-form');
    keyForm.replaceChildren();
    if (!view.opened) {
      const open = el('button', 'open-review', t('用当前密钥打开核查队列', 'Open the queue with the current key'));
      open.type = 'button';
      open.addEventListener('click', () => { view.opened = true; loadQueue(); });
      keyForm.append(open);
    }
    if (view.refused || !view.opened || !reviewerKey()) {
      const input = el('input');
      input.type = 'password'; input.id = 'reviewer-key'; input.autocomplete = 'off';
      input.placeholder = t('审核员（reviewer）密钥', 'reviewer key');
      input.setAttribute('aria-label', input.placeholder);
      const use = el('button', 'use-reviewer-key', t('使用审核员密钥', 'Use reviewer key'));
      use.type = 'submit';
      keyForm.append(input, use, el('span', 'muted', t('只需输入一次，仅保存在本标签页', 'entered once, kept for this tab only')));
    } else if (sessionStorage.getItem(REVIEWER)) {
      const forget = el('button', 'forget-reviewer-key', t('清除审核员密钥', 'Forget reviewer key'));
      forget.type = 'button';
      forget.addEventListener('click', () => { sessionStorage.removeItem(REVIEWER); loadQueue(); });
      keyForm.append(forget, el('span', 'muted', t('使用本标签页已保存的审核员密钥', 'using the reviewer key kept for this tab')));
    }
    $('review-status').textContent = view.status;
    $('review-status').hidden = !view.status;
    $('review-waiting').textContent = view.refused || !view.opened ? '' : t(`待核查 ${view.waiting} 条（按置信度排序）`, `${view.waiting} waiting (most confident first)`);

    const list = $('review-queue');
    list.replaceChildren();
    for (const item of view.items) {
      const li = el('li', 'review-item');
      Object.assign(li.dataset, { station: item.station, time: item.time, species: item.species, confidence: String(item.confidence) });
      const head = el('div', 'what');
      head.append(el('span', 'confidence', `${Math.round(item.confidence * 100)}%`), el('span', 'species', `${speciesName(item.species)} · ${item.species}`),
        el('span', 'count', t(`${item.count} 只`, `× ${item.count}`)));
      const where = el('div', 'where muted',
        `${bj(item.time)} ${t('北京时间', 'Beijing time')} · ${t(item.station_zh || item.station, item.station_en || item.station)} · ${item.lat}, ${item.lon}`);
      li.append(head, where);
      if (item.image_uri) { const a = el('a', 'image', t('影像', 'image')); a.href = item.image_uri; a.rel = 'noopener'; li.append(a); }
      const form = el('form', 'review-form');
      form.append(
        field(item, 'individual', 'text', t('个体编号（可选）', 'individual id (optional)'), { maxLength: 64 }),
        field(item, 'corrected', 'text', t('更正物种（学名）', 'corrected species (scientific name)'), { maxLength: 128 }),
        field(item, 'count', 'number', t('数量', 'count'), { min: 1, max: 1000 }),
        field(item, 'comment', 'text', t('备注（可选）', 'comment (optional)'), { maxLength: 500 }));
      const buttons = el('div', 'decide');
      for (const [decision, zh, en] of [['confirm', '确认', 'Confirm'], ['correct', '更正', 'Correct'], ['reject', '驳回', 'Reject']]) {
        const b = el('button', decision, t(zh, en));
        b.type = 'button';
        b.disabled = view.busy;
        b.addEventListener('click', () => decide(item, decision, li));
        buttons.append(b);
      }
      form.append(buttons);
      form.addEventListener('submit', e => e.preventDefault());
      li.append(form);
      if (item.error) li.append(el('p', 'error item-error', item.error));
      list.append(li);
    }
    $('review-empty').hidden = view.items.length > 0 || !!view.refused || !view.loaded || !view.opened;
    $('review-empty').textContent = t('本时段没有待核查的检出', 'Nothing waiting for review in this period');
  }

  async function decide(item, decision, li) {
    const value = name => (li.querySelector(`input.${name}`).value || '').trim();
    const body = { station: item.station, time: item.time, species: item.species, decision };
    if (value('individual')) body.individual_id = value('individual');
    if (value('comment')) body.comment = value('comment');
    if (decision === 'correct') {
      if (value('corrected')) body.corrected_species = value('corrected');
      if (value('count')) body.count = Number(value('count'));
      if (!body.corrected_species && !body.count) { item.error = t('更正须填写物种或数量。', 'A correction needs a species or a count.'); renderQueue(); return; }
    } else if (decision === 'confirm' && value('count')) body.count = Number(value('count'));
    const key = reviewerKey();
    view.busy = true; item.error = ''; renderQueue();
    try {
      const r = await api('/api/v1/reviews', { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json', ...(key ? { 'X-Api-Key': key } : {}) } });
      view.drafts.delete(id(item));
      view.status = `${t(...DECIDED[decision])}：${speciesName(r.species)} · ${r.station} · ${bj(r.time)}` + (r.individual_id ? ` · ${t('个体', 'individual')} ${r.individual_id}` : '')
        + ` · ${t('审核人', 'by')} ${r.reviewed_by}`;
      view.busy = false;
      await loadQueue();
      loadIndividuals();
    } catch (e) {
      view.busy = false;
      if (e.status === 401 || e.status === 403) { sessionStorage.removeItem(REVIEWER); view.refused = refusal(); view.items = []; }
      else item.error = (e.problem && e.problem.detail) || e.message;
      renderQueue();
    }
  }

  // ---- individuals --------------------------------------------------------------------------------------------------
  async function loadIndividuals() {
    const box = $('individuals');
    const key = reviewerKey();
    let list = [];
    try {
      const r = await api(`/api/v1/individuals?${range()}`, { headers: key ? { 'X-Api-Key': key } : {} });
      list = await Promise.all(r.individuals.slice(0, 20).map(i => api(`/api/v1/individuals/${encodeURIComponent(i.individual_id)}?${range()}`, { headers: key ? { 'X-Api-Key': key } : {} })));
    } catch (e) { console.warn('individuals', e); }
    box.replaceChildren();
    for (const d of list) {
      const i = d.individual;
      const div = el('div', 'individual');
      div.dataset.id = i.individual_id;
      div.append(el('h3', '', `${i.individual_id} · ${speciesName(i.species)} · ${t(`${i.sightings} 次`, `${i.sightings} sighting(s)`)}`));
      const ol = el('ol', 'track');
      for (const s of d.sightings) {
        const li = el('li');
        li.dataset.station = s.station;
        const station = t(s.station_zh || s.station, s.station_en || s.station);
        li.append(el('time', '', bj(s.time, { month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit' })), el('span', 'camera', station));
        ol.append(li);
      }
      div.append(ol);
      const m = i.shortest_move;
      div.append(el('p', 'fastest muted', m
        ? t(`相机间最短间隔：${m.hours} 小时（${m.from.station} → ${m.to.station}）`, `Shortest time between cameras: ${m.hours} h (${m.from.station} → ${m.to.station})`)
        : t('只在一台相机出现', 'seen at one camera only')));
      box.append(div);
    }
    $('no-individuals').hidden = list.length > 0;
    $('no-individuals').textContent = t('本时段没有已识别的个体', 'No known individual in this period');
    box.dataset.loaded = 'true';
  }

  $('reviewer-form').addEventListener('submit', e => {
    e.preventDefault();
    const typed = $('reviewer-key') && $('reviewer-key').value.trim();
    if (!typed) return;
    sessionStorage.setItem(REVIEWER, typed);
    view.refused = ''; view.error = ''; view.opened = true;
    loadQueue();
    loadIndividuals();
  });
  // With the page's period, again after a refresh; what was typed into a detection's form is kept (drafts).
  page.chartsLoaded.push(() => { if (view.opened) loadQueue(); else renderQueue(); loadIndividuals(); });
})();
