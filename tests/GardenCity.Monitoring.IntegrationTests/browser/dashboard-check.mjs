// Loads the dashboard in Debian's chromium (headless) and uses it as a person would, reporting what they see as JSON
// lines on stdout (the C# test, ApiTests.Dashboard_*, judges them):
//   {"event":"ready", ...}    after the first render at desktop width: alerts, charts, map markers, legend, watersheds,
//                             species names, favicon, whether Chinese is drawn with a real font (not boxes)
//   {"event":"quality", ...}  the gauge with a spike picked: how many points are drawn bad, doubtful and plain
//   {"event":"alert", ...}    when a new alert appears, no reload
//   {"event":"narrow", ...}   the same page at 400 px: horizontal overflow and alert text cut off
//   {"event":"preset", ...}   after clicking the 72 h preset: the period in the range inputs
//   {"event":"close", ...}    closing the new alert: first with the reader key (refused, says why), then with the
//                             responder key typed into the key field; the alert leaves the list
//   {"event":"english", ...}  after switching language: title and chart legends
//   {"event":"done", ...}
// Usage: node dashboard-check.mjs URL SCREENSHOT TIMEOUT_MS RESPONDER_KEY
import { launch, say, watch as watchPage } from './common.mjs';

const [url, screenshot, timeoutMs = '60000', responderKey = ''] = process.argv.slice(2);
const timeout = Number(timeoutMs);
const browser = await launch();

// Whether Chinese is drawn with glyphs: without a CJK font every ideograph is the same "tofu" box, so two different
// characters give identical pixels.
const chineseDrawn = () => {
  const font = getComputedStyle(document.querySelector('h1')).fontFamily;
  const draw = ch => { const c = document.createElement('canvas'); c.width = 40; c.height = 40; const x = c.getContext('2d'); x.font = `32px ${font}`; x.fillText(ch, 2, 32); return c.toDataURL(); };
  return draw('门') !== draw('沟') && draw('沟') !== draw('豹');
};

// What a person at this width cannot see: elements sticking out to the right (outside the map, which clips its own
// panes), and alert lines whose text is wider than its box.
const layout = () => {
  const width = document.documentElement.clientWidth;
  const outside = [...document.querySelectorAll('body *')].filter(e => !e.closest('.leaflet-map') && e.getClientRects().length && e.getBoundingClientRect().right > width + 1)
    .slice(0, 8).map(e => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}${e.className && typeof e.className === 'string' ? '.' + e.className.split(' ').join('.') : ''} right=${Math.round(e.getBoundingClientRect().right)}`);
  const cut = [...document.querySelectorAll('#alerts li')].filter(li => {
    const box = li.getBoundingClientRect();
    return li.scrollWidth > li.clientWidth + 1 || [...li.querySelectorAll('.message, .meta, button')].some(e => e.getBoundingClientRect().right > box.right + 1);
  }).map(li => li.dataset.alertId);
  return { width, scrollWidth: document.documentElement.scrollWidth, outside, cut, alerts: document.querySelectorAll('#alerts li').length };
};

try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1100 } });
  const page = await context.newPage();
  const errors = [];
  const watch = p => watchPage(p, errors, { allowed: r => r.url().includes('/close') });
  watch(page);
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForSelector('body[data-ready="true"]', { timeout });
  await page.waitForSelector('#live.on', { timeout });
  const alerts = await page.$$eval('#alerts li', lis => lis.map(li => li.dataset.alertId));
  const charts = await page.evaluate(() => Object.fromEntries(Object.entries(window.Chart.instances).map(([, c]) =>
    [c.canvas.id, c.data.datasets.reduce((n, d) => n + d.data.length, 0)])));
  say({
    event: 'ready', alerts, charts, errors,
    title: await page.$eval('h1', h => h.textContent),
    markers: await page.$$eval('#map path.leaflet-interactive', p => p.length),
    tiles: await page.$$eval('#map img.leaflet-tile', i => i.length),
    legend: await page.$eval('#map-legend', d => d.textContent),
    rivers: await page.$$eval('#rivers .river', rs => Object.fromEntries(rs.map(r => [r.dataset.watershed, [...r.querySelectorAll('li')].map(li => `${li.dataset.station}:${li.className}`)]))),
    species: await page.$$eval('#species option', os => os.map(o => o.textContent)),
    rangeLegend: await page.$eval('.range legend', l => l.textContent),
    axes: await page.evaluate(() => Object.fromEntries(Object.values(window.Chart.instances).map(c => [c.canvas.id, Object.fromEntries(Object.entries(c.options.scales || {}).map(([k, s]) => [k, { title: s.title && s.title.text, precision: s.ticks && s.ticks.precision }]))]))),
    favicon: await page.evaluate(async () => { const l = document.querySelector('link[rel="icon"]'); return l ? (await fetch(l.href)).status : 0; }),
    chinese: await page.evaluate(chineseDrawn),
    clock: await page.$eval('#clock', c => c.textContent),
  });

  // Quality flags (docs/data-quality.md): the gauge with a spike in the fixture's data, as a person picks it; the
  // spike's window is drawn as a red cross, doubtful ones as orange triangles, good ones as the plain line.
  const shownGauge = await page.inputValue('#gauge');
  await page.selectOption('#gauge', 'zt-wl-01');
  await page.waitForFunction(() => {
    const c = Object.values(window.Chart.instances).find(x => x.canvas.id === 'level');
    return c && Array.isArray(c.data.datasets[0].pointBackgroundColor) && c.data.datasets[0].pointBackgroundColor.includes('#d0021b');
  }, null, { timeout: 15000 }).catch(() => {});
  say({ event: 'quality', ...await page.evaluate(() => {
    const d = Object.values(window.Chart.instances).find(x => x.canvas.id === 'level').data.datasets[0];
    const at = i => ({ color: d.pointBackgroundColor[i], style: d.pointStyle[i], radius: d.pointRadius[i] });
    const points = d.data.map((_, i) => at(i));
    return {
      points: points.length,
      bad: points.filter(p => p.color === '#d0021b' && p.style === 'crossRot' && p.radius > 0).length,
      doubtful: points.filter(p => p.color === '#e8890c' && p.radius > 0).length,
      plain: points.filter(p => p.radius === 0).length,
    };
  }) });
  await page.selectOption('#gauge', shownGauge);

  // A new alert while the page is open (the test publishes it).
  const known = new Set(alerts);
  let fresh = null;
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline && !fresh) {
    const now = await page.$$eval('#alerts li', lis => lis.map(li => ({ id: li.dataset.alertId, cls: li.className, text: li.querySelector('.message').textContent })));
    fresh = now.find(a => !known.has(a.id));
    if (!fresh) await page.waitForTimeout(200);
  }
  if (fresh) say({ event: 'alert', id: fresh.id, severity: fresh.cls.replace('sev-', ''), text: fresh.text, navigations: await page.evaluate(() => performance.getEntriesByType('navigation').length) });

  // The same page on a 400 px phone.
  const narrow = await context.newPage();
  await narrow.setViewportSize({ width: 400, height: 900 });
  watch(narrow);
  await narrow.goto(url.replace(/([?&])key=[^&]*&?/, '$1'), { waitUntil: 'load' });
  await narrow.waitForSelector('body[data-ready="true"]', { timeout });
  await narrow.waitForTimeout(300);
  say({ event: 'narrow', ...(await narrow.evaluate(layout)) });
  await narrow.screenshot({ path: screenshot.replace(/\.png$/, '-400.png'), fullPage: true });
  await narrow.close();

  // The 72 h preset: the period becomes the 72 hours up to the API's "now" (the watermark in a replay).
  await page.click('.presets button[data-hours="72"]');
  await page.waitForSelector('.presets button[data-hours="72"].on', { timeout });
  await page.waitForTimeout(500);
  say({ event: 'preset', from: await page.inputValue('#from'), to: await page.inputValue('#to'), clock: await page.evaluate(() => fetch('/api/v1/clock', { headers: { 'X-Api-Key': localStorage.getItem('gc-key') } }).then(r => r.json())),
    level: await page.evaluate(() => window.Chart.instances && Object.values(window.Chart.instances).find(c => c.canvas.id === 'level')?.data.datasets[0].data.length) });

  // Close the new alert as a duty officer would: the reader key is refused with a reason on screen; with the
  // responder key typed into the key field the alert is closed and leaves the list.
  if (fresh) {
    const li = `#alerts li[data-alert-id="${fresh.id}"]`;
    await page.click(`${li} button.close`);
    await page.fill('#close-reason', 'Test: false alarm, checked on site / 现场核实为误报');
    await page.click(`${li} button.confirm-close`);
    await page.waitForSelector('#action-error:not([hidden])', { timeout });
    const refused = await page.$eval('#action-error', e => e.textContent);
    await page.fill('#key', responderKey);
    await page.press('#key', 'Tab');
    await page.waitForSelector(`${li} button.confirm-close`, { timeout });
    await page.click(`${li} button.confirm-close`);
    await page.waitForSelector(li, { state: 'detached', timeout });
    say({ event: 'close', id: fresh.id, refused, gone: (await page.$(li)) === null });
  }

  await page.click('#lang');
  await page.waitForTimeout(800);
  say({ event: 'english', title: await page.$eval('h1', h => h.textContent),
    legends: await page.evaluate(() => Object.fromEntries(Object.values(window.Chart.instances).map(c => [c.canvas.id, c.data.datasets.map(d => d.label)]))),
    species: await page.$$eval('#species option', os => os.map(o => o.textContent)) });
  await page.screenshot({ path: screenshot, fullPage: true });
  say({ event: 'done', errors });
} finally {
  await browser.close();
}
