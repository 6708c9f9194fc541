import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeProject } from '../../helpers/cli.js';
import { privateControlPath, sshInfra } from '../../remote/test-infra.js';

// A project whose hsm_config.yaml names ssh sources on the test hosts (node17..node20 belong to
// these tests), each with a private ControlPath (a master left by another test would survive a
// host's death). Runs push the project to the hosts with --sync.

export interface SshSourceDef {
  name: string;
  host: string;
  workdir: string;
  extra?: string;
}

export function sshProject(sweepYaml: string, sources: SshSourceDef[], files: Record<string, string> = {}) {
  const infra = sshInfra();
  const cm = privateControlPath();
  const config = [
    'defaults:',
    '  output_dir: sweeps/outputs',
    'sources:',
    ...sources.map(
      (s) =>
        `  ${s.name}: {type: ssh, host: ${s.host}, workdir: ${JSON.stringify(s.workdir)}, lost_after: 4s, ssh_options: [${JSON.stringify(`ControlPath=${cm}`)}]${s.extra ? `, ${s.extra}` : ''}}`,
    ),
    '',
  ].join('\n');
  const dir = makeProject(sweepYaml, config);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return { dir, infra, cm, args: ['--ssh-config', infra.configFile] };
}

/** A host's home directory as seen from this machine (the test hosts share its file system). */
export function hostHome(host: string): string {
  return join(sshInfra().dir, 'hosts', host, 'home');
}

/** Runs a shell command line on a host, as the test user. */
export function onHost(host: string, command: string): string {
  return execFileSync('ssh', ['-F', sshInfra().configFile, host, command], { encoding: 'utf8' });
}
