// Loads the dashboard in Debian's chromium (headless) and reports what a person sees, as JSON lines on stdout:
//   {"event":"ready", "alerts":[ids], "charts":{id: points}, "errors":[...]}     after the first render
//   {"event":"alert", "id":..., "severity":..., "text":...}                        when a new alert appears, no reload
// then writes a screenshot. Usage: node dashboard-check.mjs URL SCREENSHOT [TIMEOUT_MS]
import { chromium } from 'playwright-core';

const [url, screenshot, timeoutMs = '60000'] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
});
const say = o => process.stdout.write(JSON.stringify(o) + '\n');
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
  const errors = [];
  page.on('pageerror', e => errors.push(String(e)));
  page.on('requestfailed', r => { if (!r.url().includes('/alerts/stream')) errors.push('request failed: ' + r.url()); });
  page.on('response', r => { if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`); });
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForSelector('body[data-ready="true"]', { timeout: Number(timeoutMs) });
  await page.waitForSelector('#live.on', { timeout: Number(timeoutMs) });
  const alerts = await page.$$eval('#alerts li', lis => lis.map(li => li.dataset.alertId));
  const charts = await page.evaluate(() => Object.fromEntries(Object.entries(window.Chart.instances).map(([, c]) =>
    [c.canvas.id, c.data.datasets.reduce((n, d) => n + d.data.length, 0)])));
  const title = await page.$eval('h1', h => h.textContent);
  say({ event: 'ready', alerts, charts, title, errors });
  const known = new Set(alerts);
  const deadline = Date.now() + Number(timeoutMs);
  while (Date.now() < deadline) {
    const now = await page.$$eval('#alerts li', lis => lis.map(li => ({ id: li.dataset.alertId, cls: li.className, text: li.querySelector('.message').textContent })));
    const fresh = now.find(a => !known.has(a.id));
    if (fresh) {
      say({ event: 'alert', id: fresh.id, severity: fresh.cls.replace('sev-', ''), text: fresh.text, navigations: await page.evaluate(() => performance.getEntriesByType('navigation').length) });
      break;
    }
    await page.waitForTimeout(200);
  }
  await page.click('#lang');
  await page.waitForTimeout(300);
  say({ event: 'english', title: await page.$eval('h1', h => h.textContent) });
  await page.screenshot({ path: screenshot, fullPage: true });
  say({ event: 'done', errors });
} finally {
  await browser.close();
}
