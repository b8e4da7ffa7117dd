// The review queue and the individuals' timeline of the dashboard (issue 16, EcologyWorkflowEndToEndTests), in Debian's
// chromium (headless), used as a reviewer would, at desktop width and at 400 px. Reports JSON lines on stdout:
//   {"event":"refused", ...}  the page opened with a reader key, the queue opened with it: refused, and why; a key field
//   {"event":"queue", ...}    the reviewer key typed once: the queue as shown (order, confidence), where the key is kept
//   {"event":"narrow", ...}   the same at 400 px in a new tab (the key typed again there): horizontal overflow
//   {"event":"decided", ...}  confirm (with an individual id), correct (species and count), reject (with a comment):
//                             the status line after each, and the queue emptied
//   {"event":"timeline", ...} the individuals' timeline after the confirmation
//   {"event":"done", ...}     page errors and failed requests
// Every wait is bounded by TIMEOUT_MS and, when it runs out, says which selector or condition it was waiting for.
// Usage: node review-check.mjs BASE_URL READER_KEY REVIEWER_KEY FROM TO SCREENSHOT TIMEOUT_MS
import { bounded, launch, say, watch as watchPage } from './common.mjs';

const [base, readerKey, reviewerKey, from, to, screenshot, timeoutMs = '60000'] = process.argv.slice(2);
const timeout = Number(timeoutMs);
const url = `${base.replace(/\/$/, '')}/?key=${encodeURIComponent(readerKey)}&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&refresh=3600`;
const browser = await launch();
const errors = [];
// The reader key's 403 on the queue is what is being tested; any other error status is a fault.
const watch = p => watchPage(p, errors, { allowed: r => r.status() === 403 && r.url().includes('/api/v1/reviews') });
const { waitFor: wait, waitUntil: waitFor } = bounded(timeout);
const queue = () => [...document.querySelectorAll('#review-queue li.review-item')].map(li => ({ station: li.dataset.station, time: li.dataset.time, species: li.dataset.species, confidence: Number(li.dataset.confidence), text: li.textContent }));
const overflow = () => {
  const width = document.documentElement.clientWidth;
  const outside = [...document.querySelectorAll('body *')].filter(e => !e.closest('.leaflet-map') && e.getClientRects().length && e.getBoundingClientRect().right > width + 1)
    .slice(0, 8).map(e => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}.${e.className} right=${Math.round(e.getBoundingClientRect().right)}`);
  return { width, scrollWidth: document.documentElement.scrollWidth, outside };
};

try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1100 } });
  const page = await context.newPage();
  watch(page);
  await page.goto(url, { waitUntil: 'load' });
  await wait(page, 'body[data-ready="true"]');
  await wait(page, '#review[data-state="closed"] #reviewer-form button.open-review');
  await page.click('#reviewer-form button.open-review');
  await wait(page, '#review[data-state="refused"]');
  await wait(page, '#reviewer-key');
  say({ event: 'refused', error: await page.$eval('#review-error', e => !e.hidden && e.textContent), items: await page.$$eval('#review-queue li', l => l.length) });

  await page.fill('#reviewer-key', reviewerKey);
  await page.click('#reviewer-form button.use-reviewer-key');
  await wait(page, '#review-queue li.review-item');
  say({ event: 'queue', items: await page.evaluate(queue), waiting: await page.$eval('#review-waiting', e => e.textContent),
    session: await page.evaluate(() => sessionStorage.getItem('gc-reviewer-key')), local: await page.evaluate(() => Object.values(localStorage)),
    keyField: (await page.$('#reviewer-key')) !== null, forget: (await page.$('#reviewer-form button.forget-reviewer-key')) !== null });

  // 400 px, in a new tab: the key kept for a tab is not there, so it is asked for again.
  const narrow = await context.newPage();
  await narrow.setViewportSize({ width: 400, height: 900 });
  watch(narrow);
  await narrow.goto(url.replace(/([?&])key=[^&]*&?/, '$1'), { waitUntil: 'load' });
  await wait(narrow, 'body[data-ready="true"]');
  await wait(narrow, '#reviewer-key');
  await narrow.fill('#reviewer-key', reviewerKey);
  await narrow.click('#reviewer-form button.use-reviewer-key');
  await wait(narrow, '#review-queue li.review-item');
  await narrow.$eval('#review', e => e.scrollIntoView());
  say({ event: 'narrow', items: (await narrow.evaluate(queue)).length, ...await narrow.evaluate(overflow) });
  await narrow.screenshot({ path: screenshot.replace(/\.png$/, '-400.png'), fullPage: false });
  await narrow.close();

  // Decide, as the queue orders them: confirm the first with an individual id, correct the next, reject the last.
  const decide = async (fill, button) => {
    const first = await page.$eval('#review-queue li.review-item', li => li.dataset.time);
    for (const [cls, value] of Object.entries(fill)) await page.fill(`#review-queue li.review-item:first-child input.${cls}`, value);
    await page.click(`#review-queue li.review-item:first-child button.${button}`);
    await waitFor(page, `the decided detection (${first}) to leave #review-queue`, t => ![...document.querySelectorAll('#review-queue li.review-item')].some(li => li.dataset.time === t) && !document.querySelector('#review-status').hidden, first);
    return { time: first, status: await page.$eval('#review-status', e => e.textContent) };
  };
  const confirmed = await decide({ individual: 'BHS-L09' }, 'confirm');
  const corrected = await decide({ corrected: 'Prionailurus bengalensis', count: '2' }, 'correct');
  const rejected = await decide({ comment: '树枝晃动 / a branch moving' }, 'reject');
  await wait(page, '#review-empty:not([hidden])');
  say({ event: 'decided', confirmed, corrected, rejected, left: await page.$$eval('#review-queue li.review-item', l => l.length), empty: await page.$eval('#review-empty', e => e.textContent) });

  await wait(page, '#individuals .individual[data-id="BHS-L09"]');
  say({ event: 'timeline', individuals: await page.$$eval('#individuals .individual', l => l.map(d => ({ id: d.dataset.id, title: d.querySelector('h3').textContent,
    cameras: [...d.querySelectorAll('.track li')].map(li => li.dataset.station), fastest: d.querySelector('.fastest').textContent }))) });
  await page.screenshot({ path: screenshot, fullPage: true });
  say({ event: 'done', errors });
} catch (e) {
  say({ event: 'failed', message: String(e && e.message || e), errors });
  console.error(`review-check failed: ${e && e.message || e}\npage errors: ${errors.join('; ')}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
