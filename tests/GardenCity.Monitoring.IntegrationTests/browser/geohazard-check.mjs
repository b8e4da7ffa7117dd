// The dashboard's geohazard panel (GeohazardDashboardTests), used in Debian's chromium (headless) as a person would, at
// desktop width and at 400 px. Every wait is bounded and, when it runs out, fails naming what it waited for.
// Reports JSON lines on stdout:
//   {"event":"desktop", ...}    the units listed (level, text) and the chart of the unit shown first (the worst level)
//   {"event":"landslide", ...}  after clicking the landslide unit: its chart (an intensity–duration curve)
//   {"event":"english", ...}    after switching to English: the list and the chart's titles
//   {"event":"narrow", ...}     at 400 px: overflow, the chart's size, the list
//   {"event":"done", ...}       page errors and failed requests
// Usage: node geohazard-check.mjs URL SCREENSHOT TIMEOUT_MS
import { bounded, launch, say, watch as watchPage } from './common.mjs';

const [url, screenshot, timeoutMs = '60000'] = process.argv.slice(2);
const timeout = Number(timeoutMs);
const browser = await launch();
const errors = [];
const watch = p => watchPage(p, errors);

const { waitFor, waitUntil } = bounded(timeout);

// What the panel shows: the list, and the chart as Chart.js holds it.
const panel = () => {
  const c = window.Chart.getChart('geo-chart');
  const axis = a => (c && c.options.scales[a] ? { type: c.options.scales[a].type, title: c.options.scales[a].title.text, min: c.scales[a].min, max: c.scales[a].max } : null);
  return {
    unit: document.querySelector('#geohazard').dataset.unit,
    units: [...document.querySelectorAll('#geo-units li')].map(li => ({
      id: li.dataset.unit, level: li.dataset.level, badge: li.querySelector('.badge').textContent, badgeColor: getComputedStyle(li.querySelector('.badge')).backgroundColor,
      border: getComputedStyle(li).borderLeftColor, name: li.querySelector('.name').textContent, figures: li.querySelector('.figures').textContent, selected: li.classList.contains('selected'),
    })),
    title: document.querySelector('#geo-title').textContent,
    note: document.querySelector('#geo-note').textContent,
    chart: c ? {
      x: axis('x'), y: axis('y'),
      datasets: c.data.datasets.map(d => ({ label: d.label, color: d.borderColor, points: d.data.map(p => [p.x, p.y]) })),
      width: c.canvas.getBoundingClientRect().width, height: c.canvas.getBoundingClientRect().height,
    } : null,
  };
};

const layout = () => {
  const width = document.documentElement.clientWidth;
  const outside = [...document.querySelectorAll('body *')].filter(e => !e.closest('.leaflet-map') && e.getClientRects().length && e.getBoundingClientRect().right > width + 1)
    .slice(0, 8).map(e => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}${e.className && typeof e.className === 'string' ? '.' + e.className.split(' ').join('.') : ''} right=${Math.round(e.getBoundingClientRect().right)}`);
  const cut = [...document.querySelectorAll('#geo-units li, #geo-units .figures, #geo-units .name')].filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.closest('li').dataset.unit);
  return { width, scrollWidth: document.documentElement.scrollWidth, outside, cut };
};

try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1100 } });
  const page = await context.newPage();
  watch(page);
  await page.goto(url, { waitUntil: 'load' });
  await waitFor(page, 'body[data-ready="true"]');
  await waitFor(page, '#geo-units li[data-unit]');
  await waitFor(page, '#geohazard[data-unit]');
  await page.locator('#geohazard').scrollIntoViewIfNeeded({ timeout });
  say({ event: 'desktop', ...await page.evaluate(panel) });
  await page.locator('#geohazard').screenshot({ path: screenshot, timeout });

  // The landslide slope unit: click it in the list; its chart is the intensity–duration plane.
  await page.click('#geo-units li[data-unit="wangping-slope-ls"] button', { timeout });
  await waitFor(page, '#geohazard[data-unit="wangping-slope-ls"]');
  say({ event: 'landslide', ...await page.evaluate(panel) });
  await page.locator('#geohazard').screenshot({ path: screenshot.replace(/\.png$/, '-landslide.png'), timeout });

  // English with the page's language button: the list and the chart follow it.
  await page.click('#geo-units li[data-unit="heihe-gully-df"] button', { timeout });
  await waitFor(page, '#geohazard[data-unit="heihe-gully-df"]');
  await page.click('#lang', { timeout });
  await waitUntil(page, 'the geohazard chart in English', () => document.documentElement.lang === 'en'
    && window.Chart.getChart('geo-chart') && /^[A-Za-z]/.test(window.Chart.getChart('geo-chart').options.scales.x.title.text)
    && /^[A-Za-z]/.test(document.querySelector('#geo-units li .badge').textContent));
  say({ event: 'english', ...await page.evaluate(panel) });
  await page.click('#lang', { timeout });
  await waitUntil(page, 'the page back in Chinese', () => document.documentElement.lang === 'zh-CN');

  // 400 px: a phone.
  const narrow = await context.newPage();
  watch(narrow);
  await narrow.setViewportSize({ width: 400, height: 900 });
  await narrow.goto(url, { waitUntil: 'load' });
  await waitFor(narrow, 'body[data-ready="true"]');
  await waitFor(narrow, '#geohazard[data-unit]');
  await narrow.locator('#geohazard').scrollIntoViewIfNeeded({ timeout });
  say({ event: 'narrow', ...await narrow.evaluate(panel), ...await narrow.evaluate(layout) });
  await narrow.locator('#geohazard').screenshot({ path: screenshot.replace(/\.png$/, '-400.png'), timeout });
  say({ event: 'done', errors });
} finally {
  await browser.close();
}
