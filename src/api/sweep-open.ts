import { openSweepDirectory, locateSweep, type OpenSweep } from '../state/sweep-directory.js';
import type { ProjectContext } from './project.js';

// Opens an existing sweep by id, unique prefix or path.
export function openSweep(
  project: ProjectContext,
  idOrPrefix?: string,
  options: { readonly?: boolean } = {},
): OpenSweep {
  return openSweepDirectory(locateSweep(project.outputDir, idOrPrefix), options);
}
