/**
 * The HTML diff in a real browser (headless Chromium): both diagrams render side by side,
 * the changed blocks and stages are marked on their side and in view when the page opens,
 * the panes scroll together, the delta table lists the changes; nothing logs an error or
 * touches the network. Screenshots go to test-artifacts/ (gitignored) for review. Skipped,
 * with the reason in its name, where /usr/bin/chromium is missing.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM, hasChromium, launchChromium, openWatched, type Watched } from '../helpers/browser.js';
import { diffCommand } from '../../src/cli/commands/diff.js';
import { runCommand } from '../report/io.js';

const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts');

let browser: Browser | undefined;

const open = (file: string): Promise<Watched> => openWatched(browser!, file);

async function writeDiff(name: string, argv: readonly string[]): Promise<string> {
  const out = join(ARTIFACTS, `${name}.html`);
  const r = await runCommand(diffCommand, [...argv, '-o', out]);
  expect(r.code).toBe(0);
  return out;
}

/** The outline colour of each element a selector finds, and whether it is inside its pane's visible area. (Page scripts are strings: the project type-checks without the DOM library.) */
async function marks(page: Page, selector: string): Promise<{ outline: string; inView: boolean }[]> {
  return (await page.evaluate(`(() => [...document.querySelectorAll(${JSON.stringify(selector)})].map((e) => {
    const pane = e.closest('.nf-scroll').getBoundingClientRect();
    const r = e.getBoundingClientRect();
    const s = getComputedStyle(e);
    return { outline: s.outlineStyle === 'none' ? 'none' : s.outlineColor, inView: r.left >= pane.left && r.right <= pane.right };
  }))()`)) as { outline: string; inView: boolean }[];
}

const AMBER = 'rgb(191, 135, 0)';
const GREEN = 'rgb(26, 127, 55)';

describe.skipIf(!hasChromium)(hasChromium ? 'HTML diff in headless Chromium' : `HTML diff in headless Chromium (skipped: ${CHROMIUM} is missing)`, () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  test('resnet50 vs output stride 8: the dilated stages marked on both sides, in view, panes in step', async () => {
    const { page, errors, foreign } = await open(await writeDiff('diff-resnet50-os8', ['resnet50', '--', 'resnet50', '--replace-stride-with-dilation', 'false,true,true']));
    for (const side of ['a', 'b']) {
      // 16 blocks each; layer2.1 … layer2.3 and layer3.1 … layer3.5 collapsed into runs
      expect(await page.locator(`.nf-side-${side} svg.block`).count()).toBe(16);
      expect(await page.locator(`.nf-side-${side} details.block-group`).count()).toBe(2);
      expect(await marks(page, `.nf-side-${side} svg.block[data-path="layer3.0"]`)).toEqual([{ outline: AMBER, inView: true }]);
      expect(await marks(page, `.nf-side-${side} svg.block[data-path="layer1.0"]`)).toEqual([{ outline: 'none', inView: false }]);
      expect((await marks(page, `.nf-side-${side} details.block-group[data-first="layer3.1"] > summary svg.nf-run-closed`))[0]!.outline).toBe(AMBER);
      expect((await marks(page, `.nf-side-${side} details.block-group[data-first="layer2.1"] > summary svg.nf-run-closed`))[0]!.outline).toBe('none');
    }
    const stroke = (side: string, section: string): Promise<string> =>
      page.evaluate(`getComputedStyle(document.querySelector('.nf-side-${side} g.nf-rail-box[data-section="${section}"] rect')).stroke`) as Promise<string>;
    expect(await stroke('b', 'layer4')).toBe(AMBER);
    expect(await stroke('b', 'layer2')).not.toBe(AMBER);
    await page.screenshot({ path: join(ARTIFACTS, 'diff-resnet50-os8.png'), fullPage: true });

    // scrolling one pane scrolls the other
    await page.evaluate(`document.querySelector('.nf-side-a > .nf-scroll').scrollLeft = 0`);
    await page.waitForFunction(`document.querySelector('.nf-side-b > .nf-scroll').scrollLeft === 0`);
    expect(await marks(page, '.nf-side-b svg.block[data-path="layer1.0"]')).toEqual([{ outline: 'none', inView: true }]);

    expect(await page.locator('table.nf-diff tbody tr.nf-changed').count()).toBe(2 + 9);
    expect(await page.locator('table.nf-diff tr[data-path="layer3.0"] .nf-now').allTextContents()).toEqual(['[N, 1024, 28, 28]', '3x3 s1 d1 g1', '1.18 G']);
    expect(await page.locator('table.nf-weights').textContent()).toContain('loads fully (strict)');
    expect(errors).toEqual([]);
    expect(foreign).toEqual([]);
    await page.close();
  });

  test('resnet18 vs resnet34: added blocks marked in B only, expand all opens the runs', async () => {
    const { page, errors, foreign } = await open(await writeDiff('diff-resnet18-resnet34', ['resnet18', 'resnet34']));
    expect(await page.locator('.nf-side-a svg.block').count()).toBe(8);
    expect(await page.locator('.nf-side-b svg.block').count()).toBe(16);
    await page.locator('button[data-expand="all"]').click();
    expect(await marks(page, '.nf-side-b svg.block[data-path="layer3.5"]').then((m) => m[0]!.outline)).toBe(GREEN);
    expect(await marks(page, '.nf-side-b svg.block[data-path="layer3.0"]').then((m) => m[0]!.outline)).toBe('none');
    expect(await page.locator('.nf-side-a svg.block[data-path="layer3.5"]').count()).toBe(0);
    expect(await page.locator('table.nf-diff tbody tr.nf-added').count()).toBe(8);
    await page.screenshot({ path: join(ARTIFACTS, 'diff-resnet18-resnet34.png'), fullPage: true });
    expect(errors).toEqual([]);
    expect(foreign).toEqual([]);
    await page.close();
  });
});
