// What every dashboard check shares: Debian's chromium (headless), JSON lines on stdout for the C# test, a record of
// what went wrong on the page, and waits that are bounded and say what they waited for when they give up.
import { chromium } from 'playwright-core';

/** Debian's chromium, headless, with nothing that talks to the outside. */
export const launch = () => chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
});

/** One JSON line on stdout: an event the C# test reads. */
export const say = o => process.stdout.write(JSON.stringify(o) + '\n');

/**
 * Records into `errors` the page's script errors, every answer of 400 or more that `allowed` does not expect, and (when
 * `failedRequests`) every request that failed, except the live alert stream, which the page itself closes.
 */
export function watch(page, errors, { allowed = () => false, failedRequests = true } = {}) {
  page.on('pageerror', e => errors.push(String(e)));
  if (failedRequests) {
    page.on('requestfailed', r => { if (!r.url().includes('/alerts/stream')) errors.push('request failed: ' + r.url()); });
  }

  page.on('response', r => { if (r.status() >= 400 && !allowed(r)) errors.push(`${r.status()} ${r.url()}`); });
}

/** Waits of at most `timeout` ms (or the `ms` given) that fail naming the selector or the condition. */
export function bounded(timeout) {
  const fail = (ms, what, e) => new Error(`timed out after ${ms} ms waiting for ${what}: ${String(e.message).split('\n')[0]}`);
  return {
    waitFor: async (page, selector, ms = timeout) => {
      try { return await page.waitForSelector(selector, { timeout: ms }); } catch (e) { throw fail(ms, selector, e); }
    },
    waitUntil: async (page, what, fn, arg, ms = timeout) => {
      try { return await page.waitForFunction(fn, arg, { timeout: ms }); } catch (e) { throw fail(ms, what, e); }
    },
  };
}
