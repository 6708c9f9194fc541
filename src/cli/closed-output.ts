// A reader that has read enough (`hsm status --json | head -c 50`, `hsm logs ... | head`) closes its
// end of the pipe; writes to stdout then fail with EPIPE, reported as an 'error' event on the stream.
// That is the reader's choice, not a failure of hsm: it stops at once with exit 0, as a command whose
// output was cut short by its reader. Any other write error on stdout or stderr (a closed terminal:
// EIO) is dropped: losing a progress line must never stop a run or its clean shutdown.
export function handleClosedOutput(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
  });
  process.stderr.on('error', () => {
    /* nowhere left to say it */
  });
}
