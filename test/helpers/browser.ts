/** Headless Chromium for the HTML tests: launched without network services, pages watched for errors and for requests that leave the file. */
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export interface Watched {
  readonly page: Page;
  /** Console errors, page errors and failed requests. */
  readonly errors: string[];
  /** Every request for anything but the file itself. */
  readonly foreign: string[];
}

/** Open a local file in a 1440x900 page, collecting what went wrong on it. */
export async function openWatched(browser: Browser, file: string): Promise<Watched> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const errors: string[] = [];
  const foreign: string[] = [];
  const url = pathToFileURL(file).href;
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`page: ${e.message}`));
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
  page.on('request', (r) => {
    if (r.url() !== url) foreign.push(r.url());
  });
  await page.goto(url, { waitUntil: 'load' });
  return { page, errors, foreign };
}
