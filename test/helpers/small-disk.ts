import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';

// A disk that fills: a tmpfs of a few MB mounted where a test's sweeps go (root only, as the
// real-infrastructure tests are).

const mounted: string[] = [];

/** Mounts a tmpfs of `size` (`2m`, `64m`: mount's size option) on `dir`, made here, and returns
 * `dir`; unmountSmallDisks takes it away. */
export function mountSmallDisk(dir: string, size: string): string {
  mkdirSync(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  mounted.push(dir);
  return dir;
}

/** Resizes a disk mountSmallDisk made (`64m`, or bytes). */
export function resizeSmallDisk(dir: string, size: string | number): void {
  execFileSync('mount', ['-o', `remount,size=${size}`, dir]);
}

/** Every disk mountSmallDisk made goes (lazily: a process still in it does not keep it). */
export function unmountSmallDisks(): void {
  for (const dir of mounted.splice(0)) execFileSync('umount', ['-l', dir]);
}
