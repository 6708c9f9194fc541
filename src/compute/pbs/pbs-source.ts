import type { SourceConfig } from '../../config/project-config.js';
import { batchSourceBuilder } from '../batch/build-batch-source.js';
import { PbsDialect, readPbsFlavour } from './pbs-dialect.js';
import { resourceDirectives } from './pbs-resources.js';

// A `type: pbs` source: the batch glue with the PBS dialect (PBS Pro/OpenPBS or Torque), qsub,
// qstat and qdel run on this machine (a login node, or wherever they and the shared filesystem are).
export const buildPbsSource = batchSourceBuilder(
  'pbs',
  (name, config) => new PbsDialect(readPbsFlavour(name, config)),
);

/** What the builder would refuse, checked before a sweep is created. */
export function checkPbsSettings(name: string, config: SourceConfig): void {
  const flavour = readPbsFlavour(name, config);
  // the directives themselves are checked too (select with ncpus, a value with whitespace); the
  // family, when the server has to say it, is checked at the first submit
  resourceDirectives(flavour ?? 'pro', new PbsDialect(flavour).readResources(name, config));
}
