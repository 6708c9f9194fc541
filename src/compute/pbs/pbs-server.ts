import type { PbsFlavour } from './pbs-flavour.js';

// What `qstat -B -f` says about the server: its family and the largest array it accepts.
//   PBS Pro/OpenPBS:  pbs_version = 2022.1.3 (13.x ... 2024.x), max_array_size = 10000
//   Torque:           pbs_version = 6.1.3 (2.x ... 7.x), max_job_array_size = 1000 (when set)

export interface PbsServerStatus {
  flavour: PbsFlavour | null;
  maxArraySize: number | null;
}

export function parseServerStatus(stdout: string): PbsServerStatus {
  const attr = (name: string) => new RegExp(`^\\s*${name}\\s*=\\s*(\\S+)`, 'm').exec(stdout)?.[1];
  const version = attr('pbs_version');
  const torqueArray = attr('max_job_array_size');
  const proArray = attr('max_array_size');
  let flavour: PbsFlavour | null = null;
  if (torqueArray !== undefined) flavour = 'torque';
  else if (version !== undefined && /^\d+/.test(version))
    // Torque's versions stop at 7; PBS Pro's start at 8 (and are years since 2020)
    flavour = Number(/^\d+/.exec(version)![0]) >= 8 ? 'pro' : 'torque';
  const size = Number(torqueArray ?? proArray);
  return { flavour, maxArraySize: Number.isInteger(size) && size > 0 ? size : null };
}
