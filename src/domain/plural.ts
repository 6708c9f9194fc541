// "1 task", "2 tasks", "0 tasks": a count with its noun, in every message that counts things.
export function plural(count: number, noun: string, nouns = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : nouns}`;
}
