import { InvalidArgumentError } from 'commander';
import { parseTimeLimit } from '../domain/duration.js';

// Option value parsers: a bad value becomes commander's usage error (exit 2, "option '--jobs <n>'
// argument '0' is invalid. ...") instead of a crash.

// Wraps any parser that throws, so its message reaches the user as a usage error.
export function asOptionValue<T>(parse: (value: string) => T): (value: string) => T {
  return (value: string) => {
    try {
      return parse(value);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  };
}

export function positiveInt(name: string): (value: string) => number {
  return asOptionValue((value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got "${value}"`);
    return n;
  });
}

export function nonNegativeInt(name: string): (value: string) => number {
  return asOptionValue((value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number >= 0, got "${value}"`);
    return n;
  });
}

// Checks a time limit (90s, 5m, 1h30m, HH:MM:SS; longer than zero) and keeps it as written.
export const durationText = asOptionValue((value: string) => {
  parseTimeLimit(value);
  return value;
});
