import type { BuilderOption, ResolvedBuilderEntry } from '../config/define.js';
import { type ConfigIssue, flattenBuilders } from '../config/resolve.js';
import type { Availability, Builder, BuilderDefinition } from '../contract/builder.js';
import { ImagespecError } from '../errors.js';
import type { ImportModule } from '../import-module.js';
import { formatIssuePath } from '../spec/issues.js';
import { loadBuilderModule } from './load.js';
import { validateBuilderDefinition } from './validate.js';

/** One configured builder: its definition, validated options, and what a run has learned about it. */
export interface Slot {
  readonly definition: BuilderDefinition<unknown>;
  readonly source: string;
  readonly version?: string;
  /** The options as the config wrote them: a spec's builderOptions merge over these, then validate. */
  readonly rawOptions: unknown;
  readonly options: unknown;
  builder?: Promise<Builder>;
  availability?: Promise<Availability>;
  /** Instances created with a spec's builderOptions merged in, by canonical options. */
  readonly variants: Map<string, SlotVariant>;
}

/** One builder instance made with a spec's own options. */
export interface SlotVariant {
  readonly options: unknown;
  builder?: Promise<Builder>;
  availability?: Promise<Availability>;
}

/**
 * Imports every configured builder (in parallel), validates each definition and its
 * options, rejects two builders with one name, and orders them by priority (ties by name).
 */
export async function loadConfiguredBuilders(
  entries: readonly BuilderOption[],
  context: { fromDir: string; where: string; configFile?: string; importModule?: ImportModule },
): Promise<Slot[]> {
  const flat: ResolvedBuilderEntry[] = [];
  const issues: ConfigIssue[] = [];
  flattenBuilders(entries, ['builders'], flat, issues);
  if (issues.length > 0) {
    throw new ImagespecError(
      'CONFIG_INVALID',
      `Invalid builders in ${context.where}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}.`,
      {
        hint: 'List package names, paths, builder definitions or [name, options] pairs.',
        details: { issues },
      },
    );
  }
  const slots = await Promise.all(
    flat.map(async ([target, rawOptions]): Promise<Slot> => {
      const loaded =
        typeof target === 'string'
          ? await loadBuilderModule(target, {
              fromDir: context.fromDir,
              ...(context.configFile && { configFile: context.configFile }),
              ...(context.importModule && { importModule: context.importModule }),
            })
          : {
              definition: validateBuilderDefinition(target, `an inline builder in ${context.where}`),
              source: 'inline',
            };
      const { definition } = loaded;
      let options: unknown = rawOptions;
      if (definition.optionsSchema) {
        const parsed = definition.optionsSchema.safeParse(rawOptions);
        if (!parsed.success) {
          const problems = parsed.error.issues.map((issue) => `${formatIssuePath(issue.path)}: ${issue.message}`);
          throw new ImagespecError(
            'PLUGIN_OPTIONS_INVALID',
            `Invalid options for builder "${definition.name}" (${loaded.source}) in ${context.where}: ${problems.join('; ')}.`,
            {
              hint: `Fix the options next to "${loaded.source}" in builders; its README lists them.`,
              details: { builder: definition.name, problems },
            },
          );
        }
        options = parsed.data;
      }
      return {
        definition,
        source: loaded.source,
        ...('version' in loaded && loaded.version && { version: loaded.version }),
        rawOptions,
        options,
        variants: new Map(),
      };
    }),
  );
  const byName = new Map<string, Slot>();
  for (const slot of slots) {
    const other = byName.get(slot.definition.name);
    if (other) {
      throw new ImagespecError(
        'PLUGIN_DUPLICATE',
        `Two builders in ${context.where} are named "${slot.definition.name}": ${other.source} and ${slot.source}.`,
        {
          hint: 'Keep one of them in builders (names must be unique: spec.builder and --builder select by name).',
          details: { name: slot.definition.name, sources: [other.source, slot.source] },
        },
      );
    }
    byName.set(slot.definition.name, slot);
  }
  return slots.sort(
    (a, b) => b.definition.priority - a.definition.priority || compare(a.definition.name, b.definition.name),
  );
}

/** create() returned something: check it has the hooks selection and build need. */
export function checkBuilder(value: unknown, slot: Slot): Builder {
  const missing = (['available', 'supports', 'build'] as const).filter(
    (hook) => typeof (value as Record<string, unknown> | null)?.[hook] !== 'function',
  );
  if (missing.length > 0) {
    throw new ImagespecError(
      'PLUGIN_INVALID',
      `${slot.source}: create() of builder "${slot.definition.name}" returned an object without ${missing.join(', ')}.`,
      {
        hint: `A builder has available(), supports() and build(); report this to the authors of ${slot.source}.`,
      },
    );
  }
  return value as Builder;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
