// The duty room in the dashboard (issue 13), in Debian's chromium (headless), used as a duty officer would; reports what
// they see as JSON lines on stdout (the C# test, DutySilencesEndToEndTests, judges them):
//   {"event":"ready", ...}     the page with the red alert and an empty silence list
//   {"event":"silenced", ...}  silencing the alert: refused with the reader key (a key field appears), refused with the
//                              responder key (red needs admin, said so), done with the admin key; the alert shows it is
//                              silenced and the silence list has it; the key typed is in sessionStorage, not localStorage
//   {"event":"audit", ...}     the audit of the alert opened: its entries (kind, who, time)
//   {"event":"narrow", ...}    the same page at 400 px with the silence form open: horizontal overflow
//   {"event":"ended", ...}     ending the silence from the list: its state, and the alert no longer silenced
//   {"event":"done", ...}
// Every wait is bounded and, when it runs out, says which selector or condition it waited for.
// Usage: node duty-check.mjs URL SCREENSHOT TIMEOUT_MS ALERT_ID RESPONDER_KEY ADMIN_KEY
import { bounded, launch, say, watch as watchPage } from './common.mjs';

const [url, screenshot, timeoutMs = '60000', alertId, responderKey, adminKey] = process.argv.slice(2);
const timeout = Number(timeoutMs);
const browser = await launch();
const { waitFor, waitUntil } = bounded(timeout);
const overflow = () => {
  const width = document.documentElement.clientWidth;
  const outside = [...document.querySelectorAll('body *')].filter(e => !e.closest('.leaflet-map') && e.getClientRects().length && e.getBoundingClientRect().right > width + 1)
    .slice(0, 8).map(e => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''} right=${Math.round(e.getBoundingClientRect().right)}`);
  return { width, scrollWidth: document.documentElement.scrollWidth, outside };
};

try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1100 } });
  const page = await context.newPage();
  const errors = [];
  const watch = p => watchPage(p, errors, { allowed: r => r.url().endsWith('/api/v1/silences') && r.request().method() === 'POST', failedRequests: false });
  watch(page);
  await page.goto(url, { waitUntil: 'load' });
  await waitFor(page, 'body[data-ready="true"]');
  const li = `#alerts li[data-alert-id="${alertId}"]`;
  await waitFor(page, li);
  say({ event: 'ready', errors, silences: await page.$$eval('#silences li', l => l.length), empty: await page.$eval('#no-silences', e => !e.hidden && e.textContent),
    buttons: await page.$$eval(`${li} .actions button`, bs => bs.map(b => b.textContent)) });

  // Silence it: reader key (refused, asked for a key), responder key (refused: red needs admin), admin key (done).
  await page.click(`${li} button.silence`);
  await page.selectOption('#silence-duration', '4h');
  await page.fill('#silence-reason', '百花山气象站雨量计检修 / rain gauge maintenance');
  await page.click('#silence-form button.confirm-silence');
  await waitFor(page, '#silence-key');
  const asked = await page.$eval('.silence-error', e => e.textContent);
  await page.fill('#silence-key', responderKey);
  await page.click('#silence-form button.confirm-silence');
  await waitUntil(page, 'a new .silence-error with #silence-key', before => (document.querySelector('.silence-error')?.textContent || before) !== before && document.querySelector('#silence-key'), asked);
  const refused = await page.$eval('.silence-error', e => e.textContent);
  await page.fill('#silence-key', adminKey);
  await page.click('#silence-form button.confirm-silence');
  await waitFor(page, `${li} .badge.silenced`);
  await waitFor(page, '#silences li.state-active');
  say({ event: 'silenced', asked, refused,
    badge: await page.$eval(`${li} .badge.silenced`, e => e.textContent), meta: await page.$eval(`${li} .meta`, e => e.textContent),
    silences: await page.$$eval('#silences li', l => l.map(x => ({ id: x.dataset.silenceId, cls: x.className, text: x.textContent }))),
    session: await page.evaluate(() => sessionStorage.getItem('gc-duty-key')), local: await page.evaluate(() => Object.values(localStorage).filter(v => v.startsWith('gck_'))),
    formGone: (await page.$('#silence-form')) === null });

  // The audit of this alert.
  await page.click(`${li} button.audit`);
  await waitFor(page, `${li} .audit-list li`);
  say({ event: 'audit', entries: await page.$$eval(`${li} .audit-list li`, l => l.map(x => ({ kind: x.dataset.kind, text: x.textContent, at: x.querySelector('time').dateTime }))) });

  // 400 px, with the silence form open on the alert.
  const narrow = await context.newPage();
  await narrow.setViewportSize({ width: 400, height: 900 });
  watch(narrow);
  await narrow.goto(url.replace(/([?&])key=[^&]*&?/, '$1'), { waitUntil: 'load' });
  await waitFor(narrow, 'body[data-ready="true"]');
  await waitFor(narrow, `${li} button.silence`);
  await narrow.click(`${li} button.silence`);
  await waitFor(narrow, '#silence-form');
  await narrow.click(`${li} button.audit`);
  await waitFor(narrow, `${li} .audit-list li`);
  await waitFor(narrow, '#silences li');
  say({ event: 'narrow', ...(await narrow.evaluate(overflow)) });
  await narrow.screenshot({ path: screenshot.replace(/\.png$/, '-400.png'), fullPage: true });
  await narrow.close();

  // End the silence from the list.
  await page.click('#silences li.state-active button.end-silence');
  await waitFor(page, '#silences li.state-ended');
  await waitUntil(page, `${li} without .badge.silenced`, sel => document.querySelector(sel) && !document.querySelector(sel + ' .badge.silenced'), li);
  say({ event: 'ended', silences: await page.$$eval('#silences li', l => l.map(x => ({ cls: x.className, text: x.textContent }))), silenced: (await page.$(`${li} .badge.silenced`)) !== null });
  await page.screenshot({ path: screenshot, fullPage: true });
  say({ event: 'done', errors });
} finally {
  await browser.close();
}
