import type { BuilderOption, ResolvedBuilderEntry } from '../config/define.js';
import { type ConfigIssue, flattenBuilders } from '../config/resolve.js';
import type { Availability, Builder, BuilderDefinition } from '../contract/builder.js';
import { ImagespecError } from '../errors.js';
import type { ImportModule } from '../import-module.js';
import { formatIssuePath } from '../spec/issues.js';
import { importBuilderModule, type LocatedBuilderModule, locateBuilderModule } from './load.js';
import { validateBuilderDefinition } from './validate.js';

/** One configured builder: its name and priority, its definition and options once loaded, and what a run has learned about it. */
export interface Slot {
  readonly name: string;
  readonly priority: number;
  readonly source: string;
  readonly version?: string;
  /** The options as the config wrote them: a spec's builderOptions merge over these, then validate. */
  readonly rawOptions: unknown;
  /**
   * The definition and the config's options validated by its schema. Imported when the
   * config loads, except a package whose package.json declares its name and priority: that
   * one is imported (and its options checked) when selection first reaches it.
   */
  readonly load: () => Promise<LoadedSlot>;
  builder?: Promise<Builder>;
  availability?: Promise<Availability>;
  /** Instances created with a spec's builderOptions merged in, by canonical options. */
  readonly variants: Map<string, SlotVariant>;
}

export interface LoadedSlot {
  readonly definition: BuilderDefinition<unknown>;
  readonly options: unknown;
}

/** One builder instance made with a spec's own options. */
export interface SlotVariant {
  readonly options: unknown;
  builder?: Promise<Builder>;
  availability?: Promise<Availability>;
}

/**
 * Finds every configured builder (in parallel) and imports those whose package.json does
 * not declare their name and priority, validating each definition and its options; rejects
 * two builders with one name, and orders them by priority (ties by name). A declared one is
 * imported, checked against its declaration and its options validated when it is first
 * loaded (`Slot.load`): a build whose specs a higher builder takes never imports it.
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
  const importOptions = {
    ...(context.configFile && { configFile: context.configFile }),
    ...(context.importModule && { importModule: context.importModule }),
  };
  const slots = await Promise.all(
    flat.map(async ([target, rawOptions]): Promise<Slot> => {
      if (typeof target !== 'string') {
        const definition = validateBuilderDefinition(target, `an inline builder in ${context.where}`);
        const options = validated(definition, 'inline', rawOptions, context.where);
        return slotOf(definition, 'inline', undefined, rawOptions, () => Promise.resolve({ definition, options }));
      }
      const located = await locateBuilderModule(target, { fromDir: context.fromDir, ...importOptions });
      let loading: Promise<LoadedSlot> | undefined;
      const load = () => {
        loading ??= loadSlot(located, rawOptions, importOptions, context.where);
        return loading;
      };
      // Declared in package.json: ordered now, imported when selection reaches it.
      const known = located.declared ?? (await load()).definition;
      return slotOf(known, located.source, located.version, rawOptions, load);
    }),
  );
  const byName = new Map<string, Slot>();
  for (const slot of slots) {
    const other = byName.get(slot.name);
    if (other) {
      throw new ImagespecError(
        'PLUGIN_DUPLICATE',
        `Two builders in ${context.where} are named "${slot.name}": ${other.source} and ${slot.source}.`,
        {
          hint: 'Keep one of them in builders (names must be unique: spec.builder and --builder select by name).',
          details: { name: slot.name, sources: [other.source, slot.source] },
        },
      );
    }
    byName.set(slot.name, slot);
  }
  return slots.sort((a, b) => b.priority - a.priority || compare(a.name, b.name));
}

function slotOf(
  known: { readonly name: string; readonly priority: number },
  source: string,
  version: string | undefined,
  rawOptions: unknown,
  load: () => Promise<LoadedSlot>,
): Slot {
  return {
    name: known.name,
    priority: known.priority,
    source,
    ...(version && { version }),
    rawOptions,
    load,
    variants: new Map(),
  };
}

async function loadSlot(
  located: LocatedBuilderModule,
  rawOptions: unknown,
  importOptions: Parameters<typeof importBuilderModule>[1],
  where: string,
): Promise<LoadedSlot> {
  const { definition } = await importBuilderModule(located, importOptions);
  return { definition, options: validated(definition, located.source, rawOptions, where) };
}

/** The config's options for a builder, through its schema (PLUGIN_OPTIONS_INVALID otherwise). */
function validated(
  definition: BuilderDefinition<unknown>,
  source: string,
  rawOptions: unknown,
  where: string,
): unknown {
  if (!definition.optionsSchema) return rawOptions;
  const parsed = definition.optionsSchema.safeParse(rawOptions);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${formatIssuePath(issue.path)}: ${issue.message}`);
  throw new ImagespecError(
    'PLUGIN_OPTIONS_INVALID',
    `Invalid options for builder "${definition.name}" (${source}) in ${where}: ${problems.join('; ')}.`,
    {
      hint: `Fix the options next to "${source}" in builders; its README lists them.`,
      details: { builder: definition.name, problems },
    },
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
      `${slot.source}: create() of builder "${slot.name}" returned an object without ${missing.join(', ')}.`,
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
