/**
 * The HTML report in a real browser (headless Chromium): the diagram renders with one
 * drawing per block, nothing logs an error or touches the network, and a collapsed run of
 * blocks expands on click. Screenshots go to test-artifacts/ (gitignored) for review.
 * Skipped, with the reason in its name, where /usr/bin/chromium is missing.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM, hasChromium, launchChromium, openWatched, type Watched } from '../helpers/browser.js';
import { reportCommand } from '../../src/cli/commands/report.js';
import { allBlocks } from '../../src/backends/report/structure.js';
import { runCommand } from './io.js';
import { zooModel } from './helpers.js';

const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts');

let browser: Browser | undefined;

const open = (file: string): Promise<Watched> => openWatched(browser!, file);

/**
 * How many `svg.block` elements the page has, and how many of them are rendered. (Scripts
 * run in the page are strings: this project type-checks without the DOM library.)
 */
async function blockCounts(page: Page): Promise<{ all: number; visible: number }> {
  return (await page.evaluate(`(() => {
    const all = [...document.querySelectorAll('svg.block')];
    return { all: all.length, visible: all.filter((e) => e.checkVisibility()).length };
  })()`)) as { all: number; visible: number };
}

async function writeReport(model: string, extra: readonly string[] = []): Promise<string> {
  const out = join(ARTIFACTS, `report-${model}${extra.includes('--svg') ? '.svg' : '.html'}`);
  const r = await runCommand(reportCommand, [model, '-o', out, ...extra]);
  expect(r.code).toBe(0);
  return out;
}

describe.skipIf(!hasChromium)(hasChromium ? 'HTML report in headless Chromium' : `HTML report in headless Chromium (skipped: ${CHROMIUM} is missing)`, () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  test('resnet18: every block drawn, no errors, no network', async () => {
    const { page, errors, foreign } = await open(await writeReport('resnet18'));
    const blocks = allBlocks(zooModel('resnet18').structure).length;
    expect(blocks).toBe(8);
    expect(await blockCounts(page)).toEqual({ all: blocks, visible: blocks });
    expect(await page.locator('details.block-group').count()).toBe(0);
    const box = await page.locator('.nf-diagram-wrap').boundingBox();
    expect(box!.width).toBeGreaterThan(1000);
    expect(await page.locator('.nf-top').textContent()).toContain('main-path depth 18 = 17 conv + 1 linear');
    expect(await page.locator('table.nf-stages tbody tr').count()).toBe(6);
    expect(await page.locator('svg.nf-chart .nf-bar').count()).toBe(12);
    await page.screenshot({ path: join(ARTIFACTS, 'report-resnet18.png'), fullPage: true });
    expect(errors).toEqual([]);
    expect(foreign).toEqual([]);
    await page.close();
  });

  test('resnet152: collapsed runs hold the repeated blocks and expand on click', async () => {
    const { page, errors, foreign } = await open(await writeReport('resnet152'));
    const blocks = allBlocks(zooModel('resnet152').structure).length;
    expect(blocks).toBe(50);
    // layer2.1 … layer2.7 and layer3.1 … layer3.35 are collapsed: 50 - 6 - 34 blocks are hidden
    expect(await blockCounts(page)).toEqual({ all: blocks, visible: 8 });
    await page.screenshot({ path: join(ARTIFACTS, 'report-resnet152.png'), fullPage: true });

    const group = page.locator('details.block-group[data-first="layer3.1"]');
    expect(await group.getAttribute('data-count')).toBe('35');
    expect(await group.getAttribute('open')).toBeNull();
    await group.locator('summary').click();
    expect(await group.getAttribute('open')).not.toBeNull();
    expect(await blockCounts(page)).toEqual({ all: blocks, visible: 8 + 35 });
    expect(await group.locator('.nf-run-open').isVisible()).toBe(true);
    expect(await group.locator('.nf-run-closed').isVisible()).toBe(false);
    expect(await page.locator('svg.block[data-path="layer3.35"]').isVisible()).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'report-resnet152-expanded.png'), fullPage: true });

    await page.locator('button[data-expand="all"]').click();
    expect(await blockCounts(page)).toEqual({ all: blocks, visible: blocks });
    await page.locator('button[data-expand="none"]').click();
    expect(await blockCounts(page)).toEqual({ all: blocks, visible: 8 });
    expect(errors).toEqual([]);
    expect(foreign).toEqual([]);
    await page.close();
  });

  test('deeplabv3_resnet50 with --aux-loss: ASPP\'s five branches side by side into their concat, the auxiliary head as a branch from layer3, the heads in the stage table', async () => {
    const { page, errors, foreign } = await open(await writeReport('deeplabv3_resnet50', ['--aux-loss']));
    const head = page.locator('.nf-col[data-section="classifier"]');
    const lanes = head.locator('g.nf-lane');
    expect(await lanes.count()).toBe(5);
    const boxes = await Promise.all([0, 1, 2, 3, 4].map(async (k) => (await lanes.nth(k).locator('rect').first().boundingBox())!));
    // side by side: one row, left to right, none overlapping
    expect(new Set(boxes.map((b) => Math.round(b.y))).size).toBe(1);
    for (let k = 1; k < 5; k++) expect(boxes[k]!.x).toBeGreaterThanOrEqual(boxes[k - 1]!.x + boxes[k - 1]!.width);
    expect(await lanes.nth(1).textContent()).toContain('3x3 conv, 256, d12');
    expect(await lanes.nth(4).textContent()).toContain('global avg pool');
    const concat = head.locator('g.nf-concat');
    expect(await concat.isVisible()).toBe(true);
    const lowest = Math.max(...(await Promise.all([0, 1, 2, 3, 4].map(async (k) => (await lanes.nth(k).boundingBox())!))).map((b) => b.y + b.height));
    expect((await concat.boundingBox())!.y).toBeGreaterThan(lowest);
    expect(await head.textContent()).toContain('ASPP · classifier.0');
    const branch = page.locator('g.nf-branch[data-from="backbone.layer3"][data-to="aux_classifier"]');
    expect(await branch.count()).toBe(1);
    expect(await branch.isVisible()).toBe(true);
    const rows = page.locator('table.nf-stages tbody tr');
    expect(await rows.count()).toBe(7);
    expect(await page.locator('tr[data-section="classifier"]').textContent()).toContain('ASPP [1x1, 256 | 3x3, 256, d12 | 3x3, 256, d24 | 3x3, 256, d36 | global average pool, 1x1, 256] → concat, 1280');
    expect(await page.locator('tr[data-section="aux_classifier"]').textContent()).toContain('on backbone.layer3');
    expect(await page.locator('.nf-facts').textContent()).toContain('classifier.0.project.3 (p 0.5), aux_classifier.3 (p 0.1): the identity at inference');
    expect(await page.locator('.nf-top').textContent()).toContain('out 21×H×W, aux 21×H×W');
    await page.screenshot({ path: join(ARTIFACTS, 'report-deeplabv3_resnet50.png'), fullPage: true });
    expect(errors).toEqual([]);
    expect(foreign).toEqual([]);
    await page.close();
  });

  test('the standalone SVG parses and draws every block or run', async () => {
    const { page, errors, foreign } = await open(await writeReport('resnet152', ['--svg']));
    const found = await page.evaluate(`({
      root: document.documentElement.tagName,
      parseErrors: document.getElementsByTagName('parsererror').length,
      blocks: document.querySelectorAll('g.block').length,
      inRuns: [...document.querySelectorAll('g.block-group')].reduce((a, g) => a + Number(g.getAttribute('data-count')), 0),
    })`);
    expect(found).toEqual({ root: 'svg', parseErrors: 0, blocks: 8, inRuns: 42 });
    expect(errors).toEqual([]);
    expect(foreign).toEqual([]);
    await page.close();
  });
});
