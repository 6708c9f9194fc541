import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SshTransport } from '../../../src/remote/ssh/ssh-transport.js';
import { NO_INFRA, privateControlPath, sshInfra, waitForNoProcess } from '../test-infra.js';
import { readProcessCommandLine } from '../../../src/process/process-liveness.js';
import { childrenOf } from '../../../src/process/process-tree.js';
import { until } from '../../helpers/wait.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

// Real OpenSSH client against the real sshd hosts of scripts/infra/up.sh (node1..node16).
// Skipped only when HSM_TEST_NO_INFRA=1 is set on purpose (no root for network namespaces, see the
// README); `npm test` and CI start the hosts and run these. Absent hosts without the flag fail loudly.
describe.skipIf(NO_INFRA)('SshTransport on real sshd hosts', () => {
  const infra = NO_INFRA ? null! : sshInfra();
  const transport = new SshTransport({
    configFile: infra?.configFile ?? '', // the body is collected even when the suite is skipped
    controlPath: privateControlPath(),
    connectTimeoutSec: 5,
  });
  const target = (name: string) => ({ name, target: name });
  afterAll(() => transport.close());

  it('returns stdout, stderr and the exit code apart, without ssh noise', async () => {
    const r = await transport.run(target('node3'), 'hostname; echo oops >&2; exit 3', { timeoutMs: 20_000 });
    expect(r).toMatchObject({
      node: 'node3',
      exitCode: 3,
      stdout: 'node3\n',
      stderr: 'oops\n',
      timedOut: false,
      error: null,
    });
  });

  it('runs the command line as typed by the remote shell, hostile bytes included', async () => {
    const r = await transport.run(
      target('node4'),
      `printf '%s|' "a b" '$(id)' "it's" "ünï"; echo; X=1; echo $X`,
      {
        timeoutMs: 20_000,
      },
    );
    expect(r.stdout).toBe("a b|$(id)|it's|ünï|\n1\n");
    expect(r.exitCode).toBe(0);
  });

  it("reports a command's own exit 255 as the command's, not as a connection failure", async () => {
    const r = await transport.run(target('node4'), 'echo bye; exit 255', { timeoutMs: 20_000 });
    expect(r).toMatchObject({ exitCode: 255, error: null, stdout: 'bye\n' });
  });

  it('keeps partial output on timeout and kills the remote command', async () => {
    const r = await transport.run(target('node5'), 'echo started; sleep 3017; echo never', {
      timeoutMs: 1_500,
    });
    expect(r).toMatchObject({ timedOut: true, exitCode: null, stdout: 'started\n' });
    // the nodes share this machine's pid namespace: the remote sleep must be gone
    await transport.close();
    expect(await waitForNoProcess('sleep 3017')).toBe('');
  });

  it('interrupts the remote command on abort', async () => {
    const ac = new AbortController();
    const run = transport.run(target('node6'), 'echo go; sleep 3018', {
      timeoutMs: 30_000,
      signal: ac.signal,
      onData: (stream, chunk) => stream === 'stdout' && chunk.includes('go') && ac.abort(),
    });
    const r = await run;
    expect(r).toMatchObject({ error: 'interrupted', stdout: 'go\n', exitCode: null });
    await transport.close();
    expect(await waitForNoProcess('sleep 3018')).toBe('');
  });

  it('reports an unknown host key and a changed host key as such (keys are always checked)', async () => {
    const dir = makeTempDir('hsm-kh-');
    const empty = join(dir, 'empty');
    writeFileSync(empty, '');
    const wrong = join(dir, 'wrong');
    const lines = readFileSync(infra.knownHosts, 'utf8').split('\n');
    const h0Key = lines
      .find((l) => l.startsWith('h0,'))!
      .split(' ')
      .slice(1)
      .join(' ');
    writeFileSync(
      wrong,
      lines.map((l) => (l.startsWith('node7,') ? `${l.split(' ')[0]} ${h0Key}` : l)).join('\n'),
    );
    const run = (knownHosts: string) =>
      new SshTransport({
        configFile: infra.configFile,
        controlPath: null,
        options: [`UserKnownHostsFile=${knownHosts}`],
      }).run(target('node7'), 'echo should-not-run', { timeoutMs: 20_000 });
    const unknown = await run(empty);
    expect(unknown.error).toMatch(/^host key unknown/);
    expect(unknown).toMatchObject({ exitCode: null, stdout: '' });
    const changed = await run(wrong);
    expect(changed.error).toMatch(/^HOST KEY MISMATCH/);
    expect(changed.error).toContain('Host key verification failed');
    expect(changed.stdout).toBe('');
  });

  // The watchdog (cleanup-watchdog.ts) kills the clients and remote commands of an hsm that died.
  // A mux client killed -9 is reaped at once, but its pipes stay open (the master holds them) until
  // the remote session ends: the watchdog must not keep its pid meanwhile, which the kernel may give
  // to any other process, and which the watchdog would TERM if hsm died then.
  it('drops a client gone from its cleanup at once, keeping the kill of the remote command', async () => {
    const own = new SshTransport({ configFile: infra.configFile, controlPath: privateControlPath() });
    expect((await own.open(target('node8'))).error).toBeNull(); // the master: the next run is a mux client
    const run = own.run(target('node8'), 'echo go; sleep 3027', { timeoutMs: 60_000 });
    const client = await until('the client', () =>
      childrenOf(process.pid).find((p) => /^ssh .*sleep 3027/.test(readProcessCommandLine(p) ?? '')),
    );
    const script = await until('its cleanup with the remote kill', () =>
      cleanupScripts().find(
        (f) => read(f).includes(`kill -TERM ${client} `) && /kill -TERM -\d+/.test(read(f)),
      ),
    );
    process.kill(client, 'SIGKILL');
    await until(
      'the dead client dropped from the cleanup',
      () => !cleanupScripts().some((f) => read(f).includes(`kill -TERM ${client} `)),
      10_000,
    );
    expect(read(script)).toMatch(/^'?ssh'? .*kill -TERM -\d+/m); // the remote command is still covered
    // the remote session ends: the run is over
    await transport.run(target('node8'), "pkill -f '^sleep 3027'", { timeoutMs: 20_000 });
    expect((await run).exitCode).toBeNull();
    await own.close();
    expect(await waitForNoProcess('sleep 3027')).toBe('');
  });

  it('reports an unresolvable host as a connection failure', async () => {
    const r = await transport.run(target('no-such-host.invalid'), 'true', { timeoutMs: 20_000 });
    expect(r.error).toMatch(/^unknown host name/);
    expect(r.exitCode).toBeNull();
  });
});

// The cleanup scripts of this machine's watchdogs (a private directory each, under the temp dir).
function cleanupScripts(): string[] {
  return readdirSync(tmpdir())
    .filter((d) => d.startsWith('hsm-cleanup-'))
    .flatMap((d) => {
      try {
        return readdirSync(join(tmpdir(), d)).map((f) => join(tmpdir(), d, f));
      } catch {
        return [];
      }
    });
}

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

// ssh exiting 255 in silence before the command's start-up line: the real case is a race (the node's
// sshd killed right after the prologue wrote the line, before it crossed), so the ssh program here
// is a stand-in that exits 255 saying nothing, with its master gone or alive (`-O check`).
describe('SshTransport, a silent exit 255 before the start-up line', () => {
  const dir = makeTempDir('hsm-silent-ssh-');
  const silentSsh = (masterAlive: boolean) => {
    const file = join(dir, `ssh-master-${masterAlive ? 'alive' : 'gone'}`);
    writeFileSync(
      file,
      `#!/bin/sh\nfor a; do [ "$a" = -O ] && exit ${masterAlive ? 0 : 255}; done\nexit 255\n`,
      {
        mode: 0o755,
      },
    );
    return new SshTransport({ controlPath: join(dir, 'cm-%C'), sshProgram: file, connectTimeoutSec: 5 });
  };

  it('is a lost connection when the master is gone (the command may have started)', async () => {
    const r = await silentSsh(false).run({ name: 'n1', target: 'n1' }, 'true', { timeoutMs: 20_000 });
    expect(r.error).toBe(
      "connection lost: the connection broke before the command's start-up line arrived (it may have started)",
    );
    expect(r.exitCode).toBeNull();
  });

  it('stays an ssh failure when the master is alive', async () => {
    const r = await silentSsh(true).run({ name: 'n1', target: 'n1' }, 'true', { timeoutMs: 20_000 });
    expect(r.error).toBe('ssh failed: ssh exited 255 before the command started');
  });
});
