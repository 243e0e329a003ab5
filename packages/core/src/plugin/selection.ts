import type { BuilderOption } from '../config/define.js';
import type { Availability, Builder } from '../contract/builder.js';
import type { ResolvedImageSpec } from '../contract/spec.js';
import type { EngineHost } from '../engine/host.js';
import { ImagespecError } from '../errors.js';
import { canonicalJson } from '../hash/canonical-json.js';
import type { ImportModule } from '../import-module.js';
import { checkBuilder, loadConfiguredBuilders, type Slot, type SlotVariant } from './configured.js';
import { type LocateField, resolveSpecBuilderOptions } from './spec-options.js';

/** One configured builder as `imagespec builders` shows it. */
export interface BuilderInfo {
  readonly name: string;
  readonly version?: string;
  readonly priority: number;
  /** The package name or path from the config, or `inline` for a definition object. */
  readonly source: string;
  readonly description?: string;
  readonly available: Availability;
}

export interface SelectedBuilder {
  readonly name: string;
  readonly source: string;
  readonly version?: string;
  readonly builder: Builder;
  /** Set by a dry run when the builder's availability was not checked or it is not available. */
  readonly availability?: string;
}

export interface BuilderSelection {
  /** Every configured builder, by priority (ties by name), with its availability. */
  list(): Promise<BuilderInfo[]>;
  /**
   * The builder for a spec: `explicit` (--builder) or `spec.builder` when set, which must be
   * configured, available and support the spec; otherwise the first by priority that is.
   */
  select(spec: ResolvedImageSpec, explicit?: string, options?: { readonly dryRun?: boolean }): Promise<SelectedBuilder>;
  /** Calls `dispose` of every builder created so far. Never throws (failures are logged). */
  dispose(): Promise<void>;
}

export interface BuilderSelectionOptions {
  /** For messages: the config file the builders came from. */
  readonly configFile?: string;
  /** Where packages and paths resolve from (default `host.cwd`, the config's folder). */
  readonly fromDir?: string;
  /** Where a spec's fields sit in its file, so invalid builderOptions are reported at file:line. */
  readonly locate?: (spec: ResolvedImageSpec) => LocateField | undefined;
  /** Imports builder modules and jiti (default: core's own `import()`). */
  readonly importModule?: ImportModule;
}

/**
 * The builders of one run. The configured modules are found on first use; each is
 * imported then, unless its package.json declares its name and priority (as imagespec's
 * builders do): such a module is imported only when selection reaches it, so a build whose
 * specs a higher builder takes never loads a lower one (importing is cheap by contract,
 * but a configured builder's entry still costs 10-20 ms). `create()` and `available()` run
 * only when selection reaches a builder, at most once per selection (one run).
 */
export function createBuilderSelection(
  entries: readonly BuilderOption[],
  host: EngineHost,
  options: BuilderSelectionOptions = {},
): BuilderSelection {
  const where = options.configFile ?? 'the imagespec config';
  let loading: Promise<Slot[]> | undefined;
  const slots = () => {
    loading ??= loadConfiguredBuilders(entries, {
      fromDir: options.fromDir ?? host.cwd,
      where,
      ...(options.configFile && { configFile: options.configFile }),
      ...(options.importModule && { importModule: options.importModule }),
    });
    return loading;
  };

  /** The instance made with the config's options, or one made with a spec's builderOptions merged in. */
  type Instance = Slot | SlotVariant;
  const builderOf = (slot: Slot, instance: Instance = slot): Promise<Builder> => {
    instance.builder ??= (async () => {
      const loaded = await slot.load();
      const options = instance === slot ? loaded.options : (instance as SlotVariant).options;
      return checkBuilder(await loaded.definition.create(options, host.forBuilder(slot.name)), slot);
    })();
    return instance.builder;
  };
  const availabilityOf = async (slot: Slot, instance: Instance = slot): Promise<Availability> => {
    // A builder that cannot load (its module, its options) fails the run, as it would have when the config loaded.
    await slot.load();
    instance.availability ??= (async () => {
      try {
        const availability = await (await builderOf(slot, instance)).available();
        host.logger.debug(
          `imagespec:builders ${slot.name}: ${availability.ok ? 'available' : `unavailable: ${availability.reason}`}`,
        );
        return availability;
      } catch (error) {
        return { ok: false, reason: `could not be set up: ${errorText(error)}` };
      }
    })();
    return instance.availability;
  };
  /** The slot itself, or (for a spec with builderOptions) its variant; throws SPEC_INVALID on options the builder refuses. */
  const instanceFor = async (slot: Slot, spec: ResolvedImageSpec): Promise<Instance> => {
    if (Object.keys(spec.builderOptions).length === 0) return slot;
    const { definition } = await slot.load();
    const resolved = resolveSpecBuilderOptions(definition, slot.rawOptions, spec, {
      source: slot.source,
      locate: options.locate?.(spec),
    });
    const key = variantKey(resolved, spec);
    let variant = slot.variants.get(key);
    if (!variant) {
      variant = { options: resolved };
      slot.variants.set(key, variant);
    }
    return variant;
  };
  const supportOf = (builder: Builder, spec: ResolvedImageSpec): Availability => {
    try {
      return builder.supports(spec);
    } catch (error) {
      return { ok: false, reason: `supports() failed: ${errorText(error)}` };
    }
  };
  const label = (slot: Slot) => `${slot.name} (priority ${slot.priority}, ${slot.source})`;

  const names = (all: readonly Slot[]) => all.map((slot) => slot.name).join(', ');

  /**
   * The builder named by --builder or the spec: it must be configured, available and support
   * the spec. A dry run does not ask whether it is available: a plan needs no daemon.
   */
  const selectNamed = async (
    all: readonly Slot[],
    spec: ResolvedImageSpec,
    wanted: string,
    askedBy: string,
    dryRun: boolean,
  ): Promise<SelectedBuilder> => {
    const slot = all.find((candidate) => candidate.name === wanted);
    if (!slot) {
      const installed = all.map(label).join(', ') || 'none';
      throw new ImagespecError(
        'BUILDER_NOT_FOUND',
        `No builder named "${wanted}" (asked for by ${askedBy}) is configured in ${where}; configured: ${installed}.`,
        {
          hint: `Add the package that provides "${wanted}" to builders in ${where} and install it, or use one of: ${names(all) || '(none configured)'}.`,
          details: { builder: wanted, installed: all.map((s) => ({ name: s.name, source: s.source })) },
        },
      );
    }
    const instance = await instanceFor(slot, spec);
    if (!dryRun) {
      const availability = await availabilityOf(slot, instance);
      if (!availability.ok) {
        throw new ImagespecError(
          'BUILDER_UNAVAILABLE',
          `Builder "${wanted}" (asked for by ${askedBy}, from ${slot.source}) is not available: ${availability.reason}`,
          {
            hint: `Fix the cause above, or choose another configured builder (${names(all)}); \`imagespec builders\` shows which are available.`,
            details: { builder: wanted, reason: availability.reason },
          },
        );
      }
    }
    const builder = await builderOf(slot, instance);
    const support = supportOf(builder, spec);
    if (!support.ok) {
      throw new ImagespecError(
        'BUILDER_UNSUPPORTED',
        `Builder "${wanted}" (asked for by ${askedBy}) cannot build "${spec.name}": ${support.reason}`,
        {
          hint: `Change the spec, or choose another builder for it (${names(all)}).`,
          details: { builder: wanted, reason: support.reason },
        },
      );
    }
    return selected(slot, builder, dryRun ? NOT_CHECKED : undefined);
  };

  /**
   * The first builder by priority that is available and supports the spec; otherwise every
   * reason. A dry run with none available plans with the first that supports the spec, and says so.
   */
  const selectByPriority = async (
    all: readonly Slot[],
    spec: ResolvedImageSpec,
    dryRun: boolean,
  ): Promise<SelectedBuilder> => {
    const unusable: string[] = [];
    let fallback: SelectedBuilder | undefined;
    for (const slot of all) {
      const availability = await availabilityOf(slot);
      if (!availability.ok && !dryRun) {
        unusable.push(`${label(slot)}: unavailable: ${availability.reason}`);
        continue;
      }
      const instance = await instanceFor(slot, spec);
      const variantAvailability = instance === slot ? availability : await availabilityOf(slot, instance);
      const builder = await builderOf(slot, instance).catch(() => undefined);
      const support = builder ? supportOf(builder, spec) : { ok: false as const, reason: 'could not be set up' };
      if (!support.ok) {
        host.logger.debug(`imagespec:builders ${slot.name} does not support ${spec.name}: ${support.reason}`);
        unusable.push(`${label(slot)}: does not support this spec: ${support.reason}`);
        continue;
      }
      if (!variantAvailability.ok) {
        unusable.push(`${label(slot)}: unavailable: ${variantAvailability.reason}`);
        if (builder && !fallback)
          fallback = selected(slot, builder, `not available (${variantAvailability.reason}); planned anyway`);
        continue;
      }
      host.logger.debug(`imagespec:builders ${spec.name} -> ${slot.name}`);
      return selected(slot, builder as Builder);
    }
    if (dryRun && fallback) return fallback;
    throw new ImagespecError(
      'BUILDER_UNAVAILABLE',
      all.length === 0
        ? `No builder can build "${spec.name}": ${where} configures no builders.`
        : `No configured builder can build "${spec.name}". ${unusable.map((line) => `${line.replace(/\.$/, '')}.`).join(' ')}`,
      {
        hint: `Make one of them usable (start its daemon, set its options), or add a builder to builders in ${where}; \`imagespec builders\` shows each one's state.`,
        details: { reasons: unusable },
      },
    );
  };

  return {
    async list() {
      const all = await slots();
      return Promise.all(
        all.map(async (slot) => {
          const { definition } = await slot.load();
          return {
            name: slot.name,
            ...(slot.version && { version: slot.version }),
            priority: slot.priority,
            source: slot.source,
            ...(definition.description && { description: definition.description }),
            available: await availabilityOf(slot),
          };
        }),
      );
    },

    async select(spec, explicit, selectOptions = {}) {
      const all = await slots();
      const wanted = explicit ?? spec.builder;
      const dryRun = selectOptions.dryRun === true;
      if (wanted === undefined) return selectByPriority(all, spec, dryRun);
      return selectNamed(all, spec, wanted, explicit !== undefined ? '--builder' : `the spec "${spec.name}"`, dryRun);
    },

    async dispose() {
      if (!loading) return;
      const all = await loading.catch(() => []);
      await Promise.all(
        all.map(async (slot) => {
          for (const instance of [slot, ...slot.variants.values()]) {
            // A builder whose create() failed was reported by selection; there is nothing to dispose.
            const builder = await instance.builder?.catch(() => undefined);
            if (!builder) continue;
            try {
              await builder.dispose?.();
            } catch (error) {
              host.logger.warn(`imagespec:builders disposing ${slot.name} failed: ${errorText(error)}`);
            }
          }
        }),
      );
    },
  };
}

const NOT_CHECKED = 'availability not checked (dry run)';

function selected(slot: Slot, builder: Builder, availability?: string): SelectedBuilder {
  return {
    name: slot.name,
    source: slot.source,
    ...(slot.version && { version: slot.version }),
    builder,
    ...(availability && { availability }),
  };
}

/** One instance per distinct options; options that are not plain JSON get an instance of their own. */
function variantKey(options: unknown, spec: ResolvedImageSpec): string {
  try {
    return canonicalJson(options);
  } catch {
    return `${spec.origin.file ?? ''}#${spec.name}#${Math.random()}`;
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
