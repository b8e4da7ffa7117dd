// The fire-weather table of a station page (FireWeatherApiTests), in Debian's chromium (headless), at desktop width and
// at 400 px. Reports JSON lines on stdout:
//   {"event":"fire", ...}     the station page opened by its address: the season line and each day's row
//   {"event":"narrow", ...}   the same at 400 px: the page's scroll width and the rows' first cell
//   {"event":"done", ...}     page errors and failed requests
// Usage: node fire-weather-check.mjs BASE_URL STATION FROM TO SCREENSHOT TIMEOUT_MS
import { launch, say, watch as watchPage } from './common.mjs';

const [base, station, from, to, screenshot, timeoutMs = '60000'] = process.argv.slice(2);
const timeout = Number(timeoutMs);
const browser = await launch();
const errors = [];
const watch = p => watchPage(p, errors);
const table = () => {
  const box = document.querySelector('#station-page .fire-weather');
  return {
    heading: box && box.querySelector('h3').textContent,
    season: box && box.querySelector('.season').textContent,
    rows: box ? [...box.querySelectorAll('table.fire-days tbody tr')].map(tr => ({ date: tr.dataset.date, inSeason: tr.dataset.inSeason, cells: [...tr.cells].map(c => c.textContent) })) : [],
    width: document.documentElement.clientWidth, scrollWidth: document.documentElement.scrollWidth,
  };
};
const address = `${base}?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}#station=${encodeURIComponent(station)}`;

try {
  for (const [event, width] of [['fire', 1400], ['narrow', 400]]) {
    const context = await browser.newContext({ viewport: { width, height: 1000 } });
    const page = await context.newPage();
    watch(page);
    await page.goto(address, { waitUntil: 'load' });
    await page.waitForSelector(`#station-page[data-loaded="${station}"] .fire-weather`, { timeout });
    await page.screenshot({ path: screenshot.replace(/\.png$/, `-${width}.png`), fullPage: true });
    say({ event, ...await page.evaluate(table) });
    await context.close();
  }

  say({ event: 'done', errors });
} finally {
  await browser.close();
}
