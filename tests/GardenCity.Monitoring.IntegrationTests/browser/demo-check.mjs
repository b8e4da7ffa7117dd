// The demo as a new user sees it (RunLocalDemoTests.cs): the dashboard link run-local printed after the storm replay,
// opened in Debian's chromium (headless). Reports JSON lines on stdout:
//   {"event":"ready", ...}  the alerts listed, the map's markers by fill colour, the clock line, the period inputs
//   {"event":"alert", ...}  after clicking the first alert: its page (raised, duration, peak) and its timeline
//   {"event":"done", ...}   page errors and failed requests
// Usage: node demo-check.mjs URL SCREENSHOT TIMEOUT_MS
import { launch, say, watch } from './common.mjs';

const [url, screenshot, timeoutMs = '60000'] = process.argv.slice(2);
const timeout = Number(timeoutMs);
const browser = await launch();

try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
  const errors = [];
  watch(page, errors);
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForSelector('body[data-ready="true"]', { timeout });
  await page.waitForSelector('#alerts li', { timeout });
  say({
    event: 'ready',
    alerts: await page.$$eval('#alerts li', lis => lis.map(li => ({ id: li.dataset.alertId, severity: li.className.replace(/^sev-(\w+).*$/, '$1'), text: li.querySelector('.message').textContent }))),
    markers: await page.$$eval('#map path.leaflet-interactive', ps => ps.map(p => ({ station: p.dataset.station, fill: p.getAttribute('fill') }))),
    clock: await page.$eval('#clock', c => c.textContent),
    from: await page.inputValue('#from'),
    to: await page.inputValue('#to'),
  });

  const first = await page.$eval('#alerts li', li => li.dataset.alertId);
  await page.click(`#alerts li[data-alert-id="${first}"] a.message`);
  await page.waitForSelector(`#alert-page[data-loaded="${first}"]`, { timeout });
  await page.waitForSelector('#alert-page .timeline li[data-transition]', { timeout: 15000 }).catch(() => {});
  say({
    event: 'alert', id: first, address: page.url(),
    raised: await page.$eval('#alert-page .raised dd', d => d.textContent),
    duration: await page.$eval('#alert-page .duration dd', d => d.textContent),
    peak: await page.$eval('#alert-page .peak dd', d => d.textContent),
    timeline: await page.$$eval('#alert-page .timeline li[data-transition]', lis => lis.map(li => li.dataset.transition)),
  });
  await page.screenshot({ path: screenshot, fullPage: true });
  say({ event: 'done', errors });
} finally {
  await browser.close();
}
