import { quoteShellWord as q } from '../../domain/shell-quote.js';
import { HSM_DIR, type RemoteLayout } from './remote-scripts.js';

// The source's setup on a host (`pip install -r requirements.txt`), as POSIX sh: started detached
// (its own session: it survives the transport closing and hsm dying), followed by short reads of
// its log, and cached by a hash (a marker file per hash). A setup already running for the same hash
// (another hsm, or one that was killed) is followed, never started twice.

const LOG = `${HSM_DIR}/setup.log`;
/** Most bytes of the log one read brings back. */
export const SETUP_CHUNK_BYTES = 65536;

function names(hash: string) {
  const base = `${HSM_DIR}/setup.${hash}`;
  return { done: `${base}.done`, pid: `${base}.pid`, rc: `${base}.rc`, script: `${base}.sh` };
}

/** Prints `HSMSETUP skipped|running|started` (or `HSMSETUP nowrite <why>`). */
export function startSetupScript(layout: RemoteLayout, commands: readonly string[], hash: string): string {
  const n = names(hash);
  const body = [
    `cd ${q(layout.root)} || exit 3`,
    `( set -e`,
    ...commands,
    `) >${LOG} 2>&1`,
    'rc=$?',
    `if [ $rc -eq 0 ]; then rm -f ${HSM_DIR}/setup.*.done; : >${n.done}; fi`,
    `echo $rc >${n.rc}`,
    '',
  ].join('\n');
  return [
    `cd ${q(layout.root)} || exit 3`,
    `[ -e ${n.done} ] && { echo HSMSETUP skipped; exit 0; }`,
    `if [ -f ${n.pid} ] && [ ! -e ${n.rc} ] && kill -0 "$(cat ${n.pid})" 2>/dev/null; then echo HSMSETUP running; exit 0; fi`,
    `rm -f ${n.rc}`,
    `err=$( { printf '%s' ${q(body)} >${n.script} && : >${LOG}; } 2>&1) || { printf 'HSMSETUP nowrite %s\\n' "$err" | tr -s '\\n' ' '; echo; exit 0; }`,
    `setsid sh ${n.script} </dev/null >/dev/null 2>&1 &`,
    `echo $! >${n.pid}`,
    'echo HSMSETUP started',
  ].join('\n');
}

/** The log from byte `offset` on (base64, at most SETUP_CHUNK_BYTES), whether the setup still runs,
 * and its exit status once it ended: the status is read first, so a status seen means the log
 * read after it is complete. */
export function followSetupScript(layout: RemoteLayout, hash: string, offset: number): string {
  const n = names(hash);
  return [
    `cd ${q(layout.root)} || exit 3`,
    `rc=$(cat ${n.rc} 2>/dev/null)`,
    `if kill -0 "$(cat ${n.pid} 2>/dev/null)" 2>/dev/null; then alive=1; else alive=0; fi`,
    `printf 'HSMSETUPLOG %s\\n' "$(tail -c +${offset + 1} ${LOG} 2>/dev/null | head -c ${SETUP_CHUNK_BYTES} | base64 | tr -d '\\n')"`,
    `printf 'HSMSETUPSTATE %s %s\\n' "\${rc:--}" "$alive"`,
    `df -Pk . 2>/dev/null | awk 'NR==2 {print "HSMDISK", $4}'`,
  ].join('\n');
}

export interface SetupProgress {
  chunk: Buffer;
  /** Exit status once the setup ended. */
  rc: number | null;
  alive: boolean;
  diskAvailKb: number | null;
}

export function parseFollow(stdout: string): SetupProgress | null {
  const log = /^HSMSETUPLOG ?(\S*)$/m.exec(stdout);
  const state = /^HSMSETUPSTATE (\S+) ([01])$/m.exec(stdout);
  if (!log || !state) return null;
  const disk = /^HSMDISK (\d+)$/m.exec(stdout);
  return {
    chunk: Buffer.from(log[1] ?? '', 'base64'),
    rc: state[1] === '-' ? null : Number(state[1]),
    alive: state[2] === '1',
    diskAvailKb: disk ? Number(disk[1]) : null,
  };
}
