// Ctrl-C while a batch scheduler holds some of the run's tasks: on a terminal, hsm asks whether to
// cancel them or leave them running. One key answers (raw mode: no Enter); a second Ctrl-C is
// "cancel", as everywhere else in hsm. Nothing here touches the run: the caller acts on the answer.

export type InterruptAnswer = 'cancel' | 'leave';

export interface InterruptQuestion {
  answer: Promise<InterruptAnswer>;
  /** Takes the question back (the run ended first, or a SIGTERM came): the terminal as it was. */
  withdraw(): void;
}

export function askCancelOrLeave(
  text: string,
  input: NodeJS.ReadStream = process.stdin,
  output: NodeJS.WriteStream = process.stderr,
): InterruptQuestion {
  let settle: (a: InterruptAnswer) => void = () => {};
  const answer = new Promise<InterruptAnswer>((r) => (settle = r));
  const wasRaw = input.isRaw;
  let open = true;
  const done = (): void => {
    if (!open) return;
    open = false;
    input.off('data', onData);
    try {
      input.setRawMode(wasRaw);
    } catch {
      /* the terminal is gone (hang-up): nothing to restore */
    }
    input.pause();
  };
  const onData = (d: Buffer): void => {
    for (const key of d.toString()) {
      const a: InterruptAnswer | null =
        key === 'c' || key === 'C' || key === '\x03' ? 'cancel' : key === 'l' || key === 'L' ? 'leave' : null;
      if (a === null) continue;
      done();
      output.write(`${a}\n`);
      settle(a);
      return;
    }
  };
  output.write(text);
  input.setRawMode(true);
  input.on('data', onData);
  input.resume();
  return {
    answer,
    withdraw: () => {
      if (!open) return;
      done();
      output.write('\n');
    },
  };
}
