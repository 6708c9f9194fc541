import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, hsm, hsmAsync, waitForExit } from '../../helpers/cli.js';
import { NO_INFRA } from '../../remote/test-infra.js';
import { ledgerLines, makeLedger, ssmProject } from './ssm-project.js';

// The setup of a session source (a slow fake `pip install`) on node21..22 through pty-only
// sessions: it runs detached, its output is shown while it runs with the elapsed time, a node's
// tasks wait only for that node's setup, and a second run with the same requirements skips it.

beforeAll(() => ensureBuilt());

const FAKE_PIP = `# a slow pip: one line per requirement, node22 much slower than node21
slow=1; [ "$(hostname)" = node22 ] && slow=3
echo "setup $(hostname)" >> "$1"
while read -r req; do echo "Collecting $req"; sleep $slow; done < requirements.txt
echo "Successfully installed"
`;

describe.skipIf(NO_INFRA)('ssm source setup', () => {
  it('streams a slow setup while it runs, tasks start on a node as soon as its own setup is done, the second run skips it', async () => {
    const ledger = makeLedger();
    const p = ssmProject(
      `command: ["sh", "-c", "echo task {i} $(hostname) >> ${ledger}; sleep 2"]\nargs: none\nsweep:\n  grid:\n    i: [1, 2, 3, 4, 5, 6]\n`,
      {
        nodes: 'node[21-22]',
        workdir: `hsm-ssm/setup-${Date.now()}`,
        extra: `max_parallel: 1, setup: "sh fakepip.sh ${ledger}"`,
      },
      { 'fakepip.sh': FAKE_PIP, 'requirements.txt': 'numpy==1.26\ntorch==2.3\n' },
    );
    const child = hsmAsync(['run', '--source', 'pty', '--sync', '--sweep-id', 's1'], p.dir);
    const seen: { at: number; line: string }[] = [];
    let buf = '';
    child.stderr!.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const line of lines) seen.push({ at: Date.now(), line });
    });
    let task21At = NaN;
    const poll = setInterval(() => {
      if (Number.isNaN(task21At) && ledgerLines(ledger).some((l) => /^task \d node21$/.test(l)))
        task21At = Date.now();
    }, 50);
    const { code } = await waitForExit(child);
    clearInterval(poll);
    const text = seen.map((s) => s.line).join('\n');
    expect(code, text).toBe(0);
    const at = (re: RegExp) => seen.find((s) => re.test(s.line))?.at ?? NaN;
    // output shown as it came, with the elapsed time, before the setup ended
    const collecting = at(/^node22: setup \[\d+s\] Collecting numpy==1\.26$/);
    const done22 = at(/node22 .*setup done in [\d.]+ s/);
    expect(done22 - collecting, text).toBeGreaterThan(2500);
    expect(text).toMatch(/^node22: setup \[\d+s\] Collecting torch==2\.3$/m);
    // node21's tasks did not wait for node22's setup
    const ledgerText = ledgerLines(ledger);
    expect(ledgerText.filter((l) => /^task \d node21$/.test(l)).length).toBeGreaterThanOrEqual(2);
    expect(ledgerText.filter((l) => /^task \d node22$/.test(l)).length).toBeGreaterThanOrEqual(1);
    expect(task21At).toBeLessThan(done22);
    // second run: same requirements, no setup
    const again = hsm(['run', '--source', 'pty', '--sync', '--sweep-id', 's2', '--', 'i=1'], p.dir);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/node21 .*setup already done \(unchanged\): skipped/);
    expect(again.stderr).toMatch(/node22 .*setup already done \(unchanged\): skipped/);
    expect(ledgerLines(ledger).filter((l) => l.startsWith('setup'))).toHaveLength(2);
  });

  it('a failing setup stops that node with the tail of its output and a hint; the run says why no source can run', () => {
    const p = ssmProject('command: ["true"]\nargs: none\nsweep:\n  grid:\n    i: [1]\n', {
      nodes: 'node21',
      workdir: 'hsm-ssm/setupbad',
      extra: `setup: "echo Collecting torch; echo 'ERROR: No matching distribution found for torch==9.9' >&2; exit 1"`,
    });
    const r = hsm(['run', '--source', 'pty', '--sync'], p.dir);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/node node21 \(source pty\): the setup failed \(exit 1\)/);
    expect(r.stderr).toMatch(/No matching distribution found for torch==9\.9/);
    expect(r.stderr).toMatch(/Fix `setup:` of source pty/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });
});
