import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { ensureBuilt, hsmAsync, makeProject, waitForExit } from '../helpers/cli.js';
import { closeChromium, launchChromium, openPage, saveScreenshot } from '../helpers/chromium.js';
import { until } from '../helpers/wait.js';
import { startServe } from './serve-process.js';

// The dashboard in Chromium while `hsm run` works in another process: counts change without a
// reload, the table filters on the server, a task's log is followed, and a task is cancelled from
// its page. Tasks wait for a file per task, so the test decides when each ends; all six run at once
// (a runner of the local source works through the tasks handed to it in order).

const TASK = `x=$1
echo "start $x"
n=0
while [ ! -e "release.$x" ]; do n=$((n+1)); echo "tick $x $n"; sleep 0.1; done
echo "HSM_METRICS {\\"loss\\": 0.$x}"
`;

let browser: Browser | undefined;
beforeAll(async () => {
  ensureBuilt();
  browser = await launchChromium();
});
afterAll(() => closeChromium(browser));

describe('hsm serve in Chromium', () => {
  it('follows a running sweep live, filters its tasks, follows a log and cancels a task', async () => {
    const dir = makeProject(
      'name: live\ncommand: ["sh", "task.sh", "{x}"]\nargs: none\nsweep:\n  grid:\n    x: [1, 2, 3, 4, 5, 6]\n',
    );
    writeFileSync(join(dir, 'task.sh'), TASK);
    const release = (x: number) => writeFileSync(join(dir, `release.${x}`), '');
    const run = hsmAsync(['run', '--jobs', '6', '--sweep-id', 'live'], dir);
    onTestFinished(async () => {
      for (let x = 1; x <= 6; x++) release(x);
      await waitForExit(run);
    });
    await until('the sweep', () => existsSync(join(dir, 'sweeps/outputs/live/sweep.db')));
    const serve = await startServe(dir);
    onTestFinished(serve.stop);

    const { page, errors } = await openPage(browser!, serve.url);
    await page.click('a[href="#/sweep/live"]');
    const count = (status: string) =>
      page.$eval(`.count[data-status="${status}"] .n`, (e) => Number(e.textContent));
    await until('six running tasks', async () => (await count('running')) === 6);
    // every status has its count drawn, a zero as 0
    expect(
      await page.$$eval('.count[data-status] .n', (ns) =>
        ns.map((n) => `${n.parentElement!.getAttribute('data-status')} ${n.textContent}`),
      ),
    ).toEqual(['pending 0', 'queued 0', 'running 6', 'completed 0', 'failed 0', 'cancelled 0', 'lost 0']);
    // a marker that a reload would erase
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));

    release(2);
    await until('task_002 completed on the page', async () => (await count('completed')) === 1);
    release(3);
    release(4);
    await until('three completed on the page', async () => (await count('completed')) === 3);
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
    await saveScreenshot(page, 'serve-sweep-live');

    // the table's filter runs on the server: only completed rows, and all of them
    await page.selectOption('#filter-status', 'completed');
    await until(
      'the filtered table',
      async () =>
        (
          await page.$$eval('#task-table tr[data-task]', (rows) =>
            rows.map((r) => r.getAttribute('data-status')),
          )
        ).join() === 'completed,completed,completed',
    );
    expect(await page.$eval('.page-info', (e) => e.textContent)).toBe('1–3 of 3');
    await page.selectOption('#filter-status', '');
    await until('all six rows', async () => (await page.$$('#task-table tr[data-task]')).length === 6);

    // the task page follows the log while the task runs
    await page.click('a[href="#/sweep/live/task/task_001"]');
    const lastTick = async () => {
      const text = await page.$eval('#log-stdout', (e) => e.textContent ?? '');
      const ticks = [...text.matchAll(/tick 1 (\d+)/g)];
      return ticks.length === 0 ? 0 : Number(ticks.at(-1)![1]);
    };
    const first = await until('the first ticks of task_001', lastTick);
    await until('more ticks without a reload', async () => (await lastTick()) >= first + 5);
    expect(await page.$eval('#log-stdout', (e) => e.getAttribute('data-following'))).toBe('1');
    await saveScreenshot(page, 'serve-task-following');

    // cancel the task from its page
    page.once('dialog', (d) => void d.accept());
    await page.click('#cancel-task');
    await until(
      'task_001 cancelled on its page',
      async () => (await page.$eval('#task-status', (e) => e.textContent)) === 'cancelled',
    );
    await until(
      'the log no longer followed',
      async () => (await page.$eval('#log-stdout', (e) => e.getAttribute('data-following'))) === '0',
    );
    await saveScreenshot(page, 'serve-task-cancelled');
    release(5);
    release(6);
    expect((await waitForExit(run)).code).toBe(1); // a cancelled task: not a success
    expect(errors).toEqual([]);
  });
});
