import { HsmError } from '../domain/errors.js';
import type { ParamValue } from '../domain/params.js';
import type { ProjectConfig, SourceConfig } from '../config/project-config.js';
import { checkSourceField, KNOWN_SOURCE_FIELDS, UNHONOURED_SOURCE_FIELDS } from '../config/source-fields.js';
import type { SweepStore } from '../state/sweep-store.js';

// Resources of one sweep on a source (a matrix job's `nodes: 2`, a submitted job's `time`): fields
// over that source's hsm_config.yaml entry, recorded in the sweep's store so that every process that
// runs the sweep (the detached run, a later `hsm complete`) builds the source the same way.

const META_KEY = 'run:source_resources';

export type SourceResources = Record<string, Record<string, ParamValue>>;

export function recordSourceResources(store: SweepStore, resources: SourceResources): void {
  store.setMeta(META_KEY, JSON.stringify(resources));
}

export function readSourceResources(store: SweepStore): SourceResources {
  try {
    const v = JSON.parse(store.getMeta(META_KEY) ?? '{}') as unknown;
    return typeof v === 'object' && v !== null ? (v as SourceResources) : {};
  } catch {
    return {};
  }
}

// hsm_config.yaml with the sweep's resources written over its sources' entries.
export function applySourceResources(config: ProjectConfig, resources: SourceResources): ProjectConfig {
  if (Object.keys(resources).length === 0) return config;
  const sources: Record<string, SourceConfig> = { ...config.sources };
  for (const [name, fields] of Object.entries(resources)) {
    // `local` needs no entry; any other unknown name stays unknown (and is refused as such)
    const base = sources[name] ?? (name === 'local' ? { type: 'local' as const } : null);
    if (base && Object.keys(fields).length > 0) sources[name] = { ...base, ...fields } as SourceConfig;
  }
  return { ...config, sources };
}

// Refuses a resource the source's type does not take (or takes and does not honour), or a value of
// the wrong kind, naming `who` asked for it.
export function checkSourceResources(
  sourceName: string,
  config: SourceConfig,
  resources: Record<string, ParamValue>,
  who: string,
): void {
  const known = KNOWN_SOURCE_FIELDS[config.type];
  for (const [field, value] of Object.entries(resources)) {
    const kind = known[field];
    const refused = UNHONOURED_SOURCE_FIELDS[config.type]?.[field];
    if (field === 'type' || kind === undefined || refused !== undefined)
      throw new HsmError(
        'config',
        `${who} asks source "${sourceName}" (type ${config.type}) for \`${field}\`, which a ${config.type} source does not take`,
        {
          hint:
            refused ??
            `resources a ${config.type} source takes: ${Object.keys(known).join(', ')}; or run it on another source (\`source:\`, --source)`,
        },
      );
    const problem = checkSourceField(kind, value);
    if (problem !== null)
      throw new HsmError('config', `${who}: resource \`${field}\` ${problem}, got ${JSON.stringify(value)}`);
  }
}
