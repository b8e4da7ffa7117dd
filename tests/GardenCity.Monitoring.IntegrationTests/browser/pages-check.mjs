// The station page and the alert pages of the dashboard (ApiTests.Dashboard_StationAndAlertPages_*), used in Debian's
// chromium (headless) as a person would, at desktop width and at 400 px. Reports JSON lines on stdout:
//   {"event":"station", ...}   after clicking the gauge zt-wl-01 on the map: the address, what the page shows
//   {"event":"filters", ...}   the alerts listed with each audience / watershed / severity filter chosen
//   {"event":"link", ...}      the alert opened from its link (?alert=ID, the duty messages' and CAP's): its page
//   {"event":"refused", ...}   Acknowledge with the reader key: the message shown
//   {"event":"ack", ...}       Acknowledge with the responder key typed in once: the page after, the key kept for the tab
//   {"event":"english", ...}   the alert page and the filters after switching to English
//   {"event":"narrow", ...}    the station page (#station=ID) and the alert page at 400 px: overflow, sparklines
//   {"event":"done", ...}      page errors and failed requests
// Usage: node pages-check.mjs BASE_URL READER_KEY RESPONDER_KEY ALERT_LINK SCREENSHOT TIMEOUT_MS
import { launch, say, watch as watchPage } from './common.mjs';

const [base, readerKey, responderKey, alertLink, screenshot, timeoutMs = '60000'] = process.argv.slice(2);
const timeout = Number(timeoutMs);
const period = 'from=2024-10-01T00:00:00%2B08:00&to=2024-10-03T00:00:00%2B08:00';
const browser = await launch();
const errors = [];
const watch = p => watchPage(p, errors, { allowed: r => r.url().endsWith('/ack') });

// What the station page shows.
const stationPage = () => {
  const p = document.querySelector('#station-page');
  const fact = cls => { const d = p.querySelector(`.facts .${cls} dd`); return d ? d.textContent : null; };
  const factLabel = cls => { const d = p.querySelector(`.facts .${cls} dt`); return d ? d.textContent : null; };
  return {
    hash: location.hash, hidden: p.hidden, name: p.querySelector('h2 .name').textContent,
    lastSeen: fact('last-seen'), lastSeenLabel: factLabel('last-seen'), battery: fact('battery'), rssi: fact('rssi'),
    values: [...p.querySelectorAll('table.values tbody tr')].map(tr => ({ field: tr.dataset.field, label: tr.cells[0].textContent, value: tr.cells[1].textContent, quality: tr.cells[2].textContent })),
    sparks: Object.fromEntries(Object.values(window.Chart.instances).filter(c => c.canvas.id.startsWith('spark-') && c.canvas.isConnected)
      .map(c => [c.canvas.id.slice(6), { points: c.data.datasets[0].data.length, bad: c.data.datasets[0].pointStyle.filter((s, i) => s === 'crossRot' && c.data.datasets[0].pointRadius[i] > 0).length, height: c.canvas.getBoundingClientRect().height }])),
    alerts: [...p.querySelectorAll('.station-alerts li[data-alert-id]')].map(li => li.dataset.alertId),
  };
};

const alertPage = () => {
  const p = document.querySelector('#alert-page');
  const fact = cls => { const d = p.querySelector(`.facts .${cls} dd`); return d ? d.textContent : null; };
  const label = cls => { const d = p.querySelector(`.facts .${cls} dt`); return d ? d.textContent : null; };
  return {
    address: location.search, hidden: p.hidden, id: p.dataset.alertId, rule: p.querySelector('h2 .rule') && p.querySelector('h2 .rule').textContent,
    raised: fact('raised'), raisedLabel: label('raised'), duration: fact('duration'), peak: fact('peak'), state: fact('state'), acknowledged: fact('acknowledged'),
    timeline: [...p.querySelectorAll('.timeline li[data-transition]')].map(li => li.dataset.transition),
    timelineLabel: (p.querySelectorAll('h3')[0] || {}).textContent,
    deliveries: p.querySelector('.deliveries-none') ? 'none' : p.querySelectorAll('table.deliveries tbody tr').length,
    ackButton: !!p.querySelector('button.ack-alert'), keyInput: !!p.querySelector('#responder-key'),
    error: (p.querySelector('.error') || {}).textContent || null,
  };
};

const layout = () => {
  const width = document.documentElement.clientWidth;
  const outside = [...document.querySelectorAll('body *')].filter(e => !e.closest('.leaflet-map') && e.getClientRects().length && e.getBoundingClientRect().right > width + 1)
    .slice(0, 8).map(e => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}${e.className && typeof e.className === 'string' ? '.' + e.className.split(' ').join('.') : ''} right=${Math.round(e.getBoundingClientRect().right)}`);
  return { width, scrollWidth: document.documentElement.scrollWidth, outside };
};

try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1100 } });
  const page = await context.newPage();
  watch(page);
  await page.goto(`${base}?key=${readerKey}&${period}`, { waitUntil: 'load' });
  await page.waitForSelector('body[data-ready="true"]', { timeout });

  // The station page: click the Zhaitang dam gauge on the map.
  await page.click('#map path.leaflet-interactive[data-station="zt-wl-01"]');
  await page.waitForSelector('#station-page[data-loaded="zt-wl-01"]', { timeout });
  say({ event: 'station', ...await page.evaluate(stationPage) });

  // Filters: each audience, each watershed, severities from orange up; what the list shows for each.
  const shown = () => page.$$eval('#alerts li', lis => lis.map(li => li.dataset.alertId));
  const filters = {};
  for (const [name, values] of [['audience', ['emergency', 'ecology', 'maintenance']], ['watershed', ['yongding', 'qingshui']], ['severity', ['orange', 'red']]]) {
    for (const v of values) {
      await page.selectOption(`#filter-${name}`, v);
      filters[`${name}=${v}`] = await shown();
    }
    await page.selectOption(`#filter-${name}`, '');
  }
  filters.all = await shown();
  say({ event: 'filters', filters, counter: await page.$eval('#alert-filters .count', e => e.textContent) });

  // The alert from its link, as a duty officer opens it from a WeCom message or the CAP feed.
  await page.goto(alertLink, { waitUntil: 'load' });
  await page.waitForSelector('body[data-ready="true"]', { timeout });
  const id = new URL(alertLink).searchParams.get('alert');
  await page.waitForSelector(`#alert-page[data-loaded="${id}"]`, { timeout });
  await page.waitForSelector('#alert-page .timeline li[data-transition="raised"]', { timeout: 20000 }).catch(() => {});
  say({ event: 'link', ...await page.evaluate(alertPage) });

  // Acknowledge with the reader key (the page's key): refused, and the page says why.
  await page.click('#alert-page button.ack-alert');
  await page.waitForSelector('#alert-page .error', { timeout });
  say({ event: 'refused', ...await page.evaluate(alertPage) });

  // The responder key, typed once: acknowledged; the key stays for this tab (no field asks for it again).
  await page.fill('#responder-key', responderKey);
  await page.click('#alert-page button.ack-alert');
  await page.waitForSelector('#alert-page .facts .acknowledged', { timeout });
  await page.waitForSelector('#alert-page .timeline li[data-transition="acknowledged"]', { timeout: 20000 }).catch(() => {});
  say({ event: 'ack', ...await page.evaluate(alertPage), kept: await page.evaluate(() => sessionStorage.getItem('gc-responder-key') !== null), stored: await page.evaluate(() => localStorage.getItem('gc-key')) });
  await page.screenshot({ path: screenshot, fullPage: true });

  // English with the page's language button: the alert page and the filters follow it.
  await page.click('#lang');
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  await page.waitForTimeout(500);
  say({ event: 'english', ...await page.evaluate(alertPage),
    steps: await page.$$eval('#alert-page .timeline li .what', ws => ws.map(w => w.textContent)),
    filterLabels: await page.$$eval('#alert-filters label > span', ss => ss.map(s => s.textContent)) });
  await page.click('#lang');

  // 400 px: the station page by its address, then the alert page.
  const narrow = await context.newPage();
  watch(narrow);
  await narrow.setViewportSize({ width: 400, height: 900 });
  await narrow.goto(`${base}?${period}#station=zt-wl-01`, { waitUntil: 'load' });
  await narrow.waitForSelector('body[data-ready="true"]', { timeout });
  await narrow.waitForSelector('#station-page[data-loaded="zt-wl-01"]', { timeout });
  await narrow.waitForTimeout(300);
  const station400 = { ...await narrow.evaluate(stationPage), ...await narrow.evaluate(layout) };
  await narrow.screenshot({ path: screenshot.replace(/\.png$/, '-station-400.png'), fullPage: true });
  await narrow.goto(alertLink, { waitUntil: 'load' });
  await narrow.waitForSelector(`#alert-page[data-loaded="${id}"]`, { timeout });
  await narrow.waitForTimeout(300);
  say({ event: 'narrow', station: station400, alert: { ...await narrow.evaluate(alertPage), ...await narrow.evaluate(layout) } });
  await narrow.screenshot({ path: screenshot.replace(/\.png$/, '-alert-400.png'), fullPage: true });
  say({ event: 'done', errors });
} finally {
  await browser.close();
}
