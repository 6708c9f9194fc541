import { closeSync, openSync, readlinkSync } from 'node:fs';

// After a hang-up (the terminal was closed) the terminal is gone: a write to it fails with EIO, and
// Node's exit path restores the terminal's settings on every standard descriptor that was a terminal
// when it started, and aborts (SIGABRT) when that fails. So the standard descriptors that are the
// terminal are pointed at /dev/null: writes succeed and go nowhere, and Node sees "the program
// reopened this descriptor" and leaves it alone at exit. The shutdown then runs as for SIGTERM.
// (isatty() cannot tell: a hung-up terminal no longer answers it.)
export function detachFromTerminal(): void {
  for (const fd of [0, 1, 2]) {
    if (!isTerminalDevice(fd)) continue;
    try {
      closeSync(fd);
      const reopened = openSync('/dev/null', fd === 0 ? 'r' : 'w'); // the lowest free descriptor: fd
      if (reopened !== fd) closeSync(reopened); // taken meanwhile by another open: leave it as it is
    } catch {
      /* nothing more can be done for this descriptor */
    }
  }
}

function isTerminalDevice(fd: number): boolean {
  try {
    return /^\/dev\/(pts\/|tty|console)/.test(readlinkSync(`/proc/self/fd/${fd}`));
  } catch {
    return false; // no /proc (not Linux): left as it is
  }
}
