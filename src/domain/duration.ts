import { HsmError } from './errors.js';

// Parses `90`, `90s`, `5m`, `1h30m`, `01:30:00` (Slurm style) into milliseconds.
export function parseDuration(text: string): number {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Math.round(Number(t) * 1000);
  const clock = /^(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+)$/.exec(t);
  if (clock) {
    const [, d, h, m, s] = clock;
    return (((Number(d ?? 0) * 24 + Number(h ?? 0)) * 60 + Number(m)) * 60 + Number(s)) * 1000;
  }
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
  let total = 0;
  let pos = 0;
  for (let match = re.exec(t); match; match = re.exec(t)) {
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'ms'];
    total += Number(match[1]) * unit;
    pos = re.lastIndex;
  }
  if (pos === 0 || pos !== t.length) {
    throw new HsmError('usage', `invalid duration "${text}"`, {
      hint: 'write a duration as seconds (90), with units (90s, 5m, 1h30m) or as HH:MM:SS',
    });
  }
  return Math.round(total);
}

// A time limit (`--timeout`, `defaults.timeout`): a duration longer than zero. Zero would end every
// task the moment it starts; no limit is written by leaving the setting out.
export function parseTimeLimit(text: string): number {
  const ms = parseDuration(text);
  if (ms <= 0) {
    throw new HsmError('usage', `a time limit must be longer than zero, got "${text}"`, {
      hint: 'give a duration such as 90s, 5m or 01:00:00, or leave the time limit out for none',
    });
  }
  return ms;
}
