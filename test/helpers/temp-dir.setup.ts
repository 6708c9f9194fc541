import { afterAll } from 'vitest';
import { removeTempDirs } from './temp-dir.js';

// Registered before the file's own hooks, so it runs after them (a file's afterAll may still use
// its directories, or unmount what it mounted in one).
afterAll(() => removeTempDirs());
