// Escalation and inhibition in the duty officer's dashboard (issue 13), in Debian's chromium (headless), used as a duty
// officer would; reports what they see as JSON lines on stdout (DutyEscalationEndToEndTests judges them):
//   {"event":"first", ...}    the red alert's escalation line as first seen (tier 1 or 2, whichever the page met)
//   {"event":"list", ...}     the list once the red alert reached tier 2 (the page reads it again by itself when the tier
//                             falls due): its escalation line; the battery alert's inhibition mark and note
//   {"event":"page", ...}     the red alert's page (?alert=ID, opened by clicking it): escalation line and steps, the tier
//                             column of the deliveries; the battery alert's page: the inhibition note
//   {"event":"english", ...}  both lines after switching to English
//   {"event":"ack", ...}      acknowledged on the alert page with the responder key: the escalation line says who stopped it
//   {"event":"narrow", ...}   the list at 400 px: overflow, whether the lines are on screen
//   {"event":"done", ...}     page errors and failed requests
// Every wait is bounded and, when it runs out, says which selector it waited for.
// Usage: node escalation-check.mjs URL SCREENSHOT TIMEOUT_MS RED_ALERT_ID HELD_ALERT_ID RESPONDER_KEY
import { bounded, launch, say, watch as watchPage } from './common.mjs';

const [url, screenshot, timeoutMs = '60000', redId, heldId, responderKey] = process.argv.slice(2);
const timeout = Number(timeoutMs);
const browser = await launch();
const errors = [];
const watch = p => watchPage(p, errors, { failedRequests: false });
const { waitFor } = bounded(timeout);
const overflow = () => {
  const width = document.documentElement.clientWidth;
  const outside = [...document.querySelectorAll('body *')].filter(e => !e.closest('.leaflet-map') && e.getClientRects().length && e.getBoundingClientRect().right > width + 1)
    .slice(0, 8).map(e => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}${e.className ? '.' + String(e.className).split(' ')[0] : ''} right=${Math.round(e.getBoundingClientRect().right)}`);
  return { width, scrollWidth: document.documentElement.scrollWidth, outside };
};
const red = `#alerts li[data-alert-id="${redId}"]`, held = `#alerts li[data-alert-id="${heldId}"]`;
const line = sel => document.querySelector(sel) && { state: document.querySelector(sel).dataset.state, tier: document.querySelector(sel).dataset.tier, due: document.querySelector(sel).dataset.due || null, text: document.querySelector(sel).textContent };
const mark = li => {
  const e = document.querySelector(li);
  return e && { badge: (e.querySelector('.badge.held-back') || {}).textContent || null, note: (e.querySelector('.held-back-note') || {}).textContent || null,
    by: (e.querySelector('.held-back-note') || { dataset: {} }).dataset.by || null, link: (e.querySelector('.held-back-note a') || { getAttribute: () => null }).getAttribute('href'),
    escalation: !!e.querySelector('.escalation') };
};

try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1100 } });
  const page = await context.newPage();
  watch(page);
  await page.goto(url, { waitUntil: 'load' });
  await waitFor(page, 'body[data-ready="true"]');
  await waitFor(page, `${red} .escalation`);
  say({ event: 'first', line: await page.evaluate(line, `${red} .escalation`) });

  // Tier 2 falls due: the page reads the alerts again by itself (no reload by the test).
  await waitFor(page, `${red} .escalation[data-tier="2"]`);
  await waitFor(page, `${held} .held-back-note`);
  say({ event: 'list', red: await page.evaluate(line, `${red} .escalation`), held: await page.evaluate(mark, held) });

  // The alert's page, opened from the list.
  await page.click(`${red} a.message`);
  await waitFor(page, '#alert-page .escalation-page .escalation-steps li[data-kind="tier"]');
  await waitFor(page, '#alert-page table.deliveries tbody tr');
  const alertPage = await page.evaluate(() => {
    const p = document.querySelector('#alert-page');
    return { address: location.search, line: p.querySelector('.escalation-page .escalation').textContent,
      steps: [...p.querySelectorAll('.escalation-steps li')].map(li => ({ kind: li.dataset.kind, text: li.textContent })),
      deliveryHead: [...p.querySelectorAll('table.deliveries thead th')].map(th => th.textContent),
      deliveries: [...p.querySelectorAll('table.deliveries tbody tr')].map(tr => [...tr.cells].map(c => c.textContent)) };
  });
  await page.click(`${held} a.message`);
  await waitFor(page, `#alert-page[data-alert-id="${heldId}"] .held-back-note`);
  const heldPage = await page.$eval('#alert-page .held-back-note', e => ({ text: e.textContent, link: e.querySelector('a').getAttribute('href') }));
  say({ event: 'page', red: alertPage, held: heldPage });

  // English.
  await page.click('#lang');
  await waitFor(page, `${red} .escalation`);
  say({ event: 'english', red: await page.$eval(`${red} .escalation`, e => e.textContent), held: await page.$eval(`${held} .held-back-note`, e => e.textContent),
    badge: await page.$eval(`${held} .badge.held-back`, e => e.textContent) });
  await page.click('#lang');

  // Acknowledge on the red alert's page with the responder key: the escalation stops, and the list says by whom.
  await page.click(`${red} a.message`);
  await waitFor(page, `#alert-page[data-alert-id="${redId}"] button.ack-alert`);
  await page.fill('#responder-key', responderKey);
  await page.click('#alert-page button.ack-alert');
  await waitFor(page, `${red} .escalation[data-state="acknowledged"]`);
  await waitFor(page, '#alert-page .escalation-page .escalation[data-state="acknowledged"]');
  say({ event: 'ack', red: await page.evaluate(line, `${red} .escalation`), page: await page.$eval('#alert-page .escalation-page .escalation', e => e.textContent) });
  await page.screenshot({ path: screenshot, fullPage: true });

  // 400 px.
  const narrow = await context.newPage();
  await narrow.setViewportSize({ width: 400, height: 900 });
  watch(narrow);
  await narrow.goto(url.replace(/([?&])key=[^&]*&?/, '$1'), { waitUntil: 'load' });
  await waitFor(narrow, 'body[data-ready="true"]');
  await waitFor(narrow, `${red} .escalation`);
  await waitFor(narrow, `${held} .held-back-note`);
  const visible = await narrow.evaluate(([r, h]) => [r, h].map(s => { const b = document.querySelector(s).getBoundingClientRect(); return b.width > 0 && b.right <= document.documentElement.clientWidth + 1; }),
    [`${red} .escalation`, `${held} .held-back-note`]);
  say({ event: 'narrow', ...(await narrow.evaluate(overflow)), visible, red: await narrow.evaluate(line, `${red} .escalation`), held: await narrow.evaluate(mark, held) });
  await narrow.screenshot({ path: screenshot.replace(/\.png$/, '-400.png'), fullPage: true });
  await narrow.close();
  say({ event: 'done', errors });
} finally {
  await browser.close();
}
