// A failure's fingerprint: its evidence with what differs from task to task masked (numbers, paths,
// hex ids, uuids, quoted paths), so that 300 tasks failing the same way make one group.

const MASKS: [RegExp, string][] = [
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<id>'],
  [/\b0x[0-9a-f]+\b/gi, '<hex>'],
  [/\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b/gi, '<hex>'],
  [/(?:~|\.{1,2})?(?:\/[^\s'"`:,;()[\]{}<>]+)+\/?/g, '<path>'],
  [/(?<![A-Za-z])[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?/gi, '<n>'],
  [/\s+/g, ' '],
];

export function normaliseLine(line: string): string {
  let out = line;
  for (const [pattern, mask] of MASKS) out = out.replace(pattern, mask);
  return out.trim();
}

/** How many of the last stderr lines make the fingerprint of an unrecognised failure. */
export const FINGERPRINT_LINES = 3;

export function fingerprintLines(lines: readonly string[]): string {
  return lines.slice(-FINGERPRINT_LINES).map(normaliseLine).join(' | ');
}
