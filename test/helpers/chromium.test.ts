import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { drawnPixels, openPage, saveScreenshot, withChromium } from './chromium.js';
import { makeTempDir } from './temp-dir.js';

// Chromium processes started by this test process (the browser and its renderers, any depth).
function chromiumDescendants(): number[] {
  const rows = execFileSync('ps', ['-eo', 'pid=,ppid=,comm='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/));
  const mine = new Set([process.pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, ppid] of rows)
      if (!mine.has(Number(pid)) && mine.has(Number(ppid))) {
        mine.add(Number(pid));
        grew = true;
      }
  }
  return rows
    .filter(([pid, , comm]) => mine.has(Number(pid)) && /chrom/i.test(comm ?? ''))
    .map(([p]) => Number(p));
}

const PAGE = `<!doctype html><html><body>
<h1 id="title">canvas check</h1>
<canvas id="drawn" width="200" height="100"></canvas>
<canvas id="blank" width="200" height="100"></canvas>
<script>
  const ctx = document.getElementById('drawn').getContext('2d');
  ctx.fillStyle = '#c00';
  ctx.fillRect(10, 10, 50, 40);
</script></body></html>`;

describe('headless Chromium helper', () => {
  it('opens a file, records its requests, counts drawn pixels and saves a screenshot', async () => {
    const dir = makeTempDir('hsm-chromium-');
    const file = join(dir, 'page.html');
    writeFileSync(file, PAGE);
    const url = pathToFileURL(file).href;
    await withChromium(async (browser) => {
      const { page, requests, errors } = await openPage(browser, url);
      expect(await page.textContent('#title')).toBe('canvas check');
      expect(requests).toEqual([url]);
      expect(errors).toEqual([]);
      expect(await drawnPixels(page, '#drawn')).toBe(50 * 40);
      expect(await drawnPixels(page, '#blank')).toBe(0);
      const shot = await saveScreenshot(page, 'chromium-helper');
      expect(readFileSync(shot).subarray(1, 4).toString()).toBe('PNG');
    });
    expect(chromiumDescendants()).toEqual([]);
  });

  it('closes the browser and its processes when the test body throws', async () => {
    let seen: Browser | undefined;
    await expect(
      withChromium(async (browser) => {
        seen = browser;
        await browser.newPage();
        expect(chromiumDescendants().length).toBeGreaterThan(0);
        throw new Error('test body failed');
      }),
    ).rejects.toThrow('test body failed');
    expect(seen?.isConnected()).toBe(false);
    expect(chromiumDescendants()).toEqual([]);
  });

  it('reports script errors of the page', async () => {
    const dir = makeTempDir('hsm-chromium-');
    const file = join(dir, 'broken.html');
    writeFileSync(file, '<script>undefinedFunction()</script>');
    await withChromium(async (browser) => {
      const { errors } = await openPage(browser, pathToFileURL(file).href);
      expect(errors.join('\n')).toMatch(/undefinedFunction/);
    });
  });
});
