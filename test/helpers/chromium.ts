import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

// Real headless Chromium for tests of pages hsm writes or serves: Debian's /usr/bin/chromium driven
// by playwright-core (no downloaded browser). The flags keep it from reaching the network on its own
// (component updates, background requests), so every request a test sees comes from the page.
export const CHROMIUM_PATH = process.env.HSM_TEST_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = resolve(__dirname, '../../.test-results/screenshots');

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
}

/** Runs `fn` with a browser that is closed afterwards, whether `fn` succeeded or threw. */
export async function withChromium<T>(fn: (browser: Browser) => Promise<T>): Promise<T> {
  const browser = await launchChromium();
  try {
    return await fn(browser);
  } finally {
    await closeChromium(browser);
  }
}

/** Closes the browser; a browser already gone (crashed, closed) is not an error. */
export async function closeChromium(browser: Browser | undefined): Promise<void> {
  if (!browser) return;
  await browser.close().catch(() => undefined);
}

export interface PageVisit {
  page: Page;
  /** Every URL the page requested, its own included, in order. */
  requests: string[];
  /** Uncaught exceptions and console errors of the page. */
  errors: string[];
}

/**
 * Opens `url` in a new page of its own context and waits for the load event and the network to go
 * quiet. The page's requests and errors are recorded from the start.
 */
export async function openPage(
  browser: Browser,
  url: string,
  viewport = { width: 1280, height: 900 },
): Promise<PageVisit> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(url, { waitUntil: 'networkidle' });
  return { page, requests, errors };
}

/** Saves a full-page PNG as .test-results/screenshots/<name>.png and returns its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name.replace(/[^A-Za-z0-9._-]/g, '_')}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * Counts the pixels of a canvas that are not fully transparent: a chart library that drew something
 * leaves some. Reads the canvas's own bitmap, so it works for any library drawing into a <canvas>.
 */
export function drawnPixels(page: Page, selector: string): Promise<number> {
  return page.$eval(selector, (el) => {
    const canvas = el as unknown as CanvasLike;
    const ctx = canvas.getContext('2d');
    if (!ctx || canvas.width === 0 || canvas.height === 0) return 0;
    const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) n++;
    return n;
  });
}

// The little of a <canvas> that drawnPixels reads (the tests compile without the DOM library).
interface CanvasLike {
  width: number;
  height: number;
  getContext(kind: '2d'): {
    getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> };
  } | null;
}
