import type { BuilderOption } from '../config/define.js';
import type { EngineHost } from '../engine/host.js';
import { ImagespecError } from '../errors.js';
import type { ResolvedImageSpec } from '../spec/types.js';
import { checkBuilder, loadConfiguredBuilders, type Slot } from './configured.js';
import type { Availability, Builder } from './types.js';

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
}

export interface BuilderRegistry {
  /** Every configured builder, by priority (ties by name), with its availability. */
  list(): Promise<BuilderInfo[]>;
  /**
   * The builder for a spec: `explicit` (--builder) or `spec.builder` when set, which must be
   * configured, available and support the spec; otherwise the first by priority that is.
   */
  select(spec: ResolvedImageSpec, explicit?: string): Promise<SelectedBuilder>;
  /** Calls `dispose` of every builder created so far. Never throws (failures are logged). */
  dispose(): Promise<void>;
}

export interface BuilderRegistryOptions {
  /** For messages: the config file the builders came from. */
  readonly configFile?: string;
  /** Where packages and paths resolve from (default `host.cwd`, the config's folder). */
  readonly fromDir?: string;
}

/**
 * The builders of one run. Every configured module is imported on first use, because
 * priority and name live in the module and duplicates must be caught; importing is cheap
 * by contract (builders load their SDKs lazily). `create()` and `available()` run only
 * when selection reaches a builder, at most once per registry (one run).
 */
export function createBuilderRegistry(
  entries: readonly BuilderOption[],
  host: EngineHost,
  options: BuilderRegistryOptions = {},
): BuilderRegistry {
  const where = options.configFile ?? 'the imagespec config';
  let loading: Promise<Slot[]> | undefined;
  const slots = () => {
    loading ??= loadConfiguredBuilders(entries, {
      fromDir: options.fromDir ?? host.cwd,
      where,
      ...(options.configFile && { configFile: options.configFile }),
    });
    return loading;
  };

  const builderOf = (slot: Slot): Promise<Builder> => {
    slot.builder ??= (async () =>
      checkBuilder(await slot.definition.create(slot.options, host.forBuilder(slot.definition.name)), slot))();
    return slot.builder;
  };
  const availabilityOf = (slot: Slot): Promise<Availability> => {
    slot.availability ??= (async () => {
      try {
        const availability = await (await builderOf(slot)).available();
        host.logger.debug(
          `imagespec:builders ${slot.definition.name}: ${availability.ok ? 'available' : `unavailable: ${availability.reason}`}`,
        );
        return availability;
      } catch (error) {
        return { ok: false, reason: `could not be set up: ${errorText(error)}` };
      }
    })();
    return slot.availability;
  };
  const supportOf = (builder: Builder, spec: ResolvedImageSpec): Availability => {
    try {
      return builder.supports(spec);
    } catch (error) {
      return { ok: false, reason: `supports() failed: ${errorText(error)}` };
    }
  };
  const label = (slot: Slot) => `${slot.definition.name} (priority ${slot.definition.priority}, ${slot.source})`;

  const names = (all: readonly Slot[]) => all.map((slot) => slot.definition.name).join(', ');

  /** The builder named by --builder or the spec: it must be configured, available and support the spec. */
  const selectNamed = async (
    all: readonly Slot[],
    spec: ResolvedImageSpec,
    wanted: string,
    askedBy: string,
  ): Promise<SelectedBuilder> => {
    const slot = all.find((candidate) => candidate.definition.name === wanted);
    if (!slot) {
      const installed = all.map(label).join(', ') || 'none';
      throw new ImagespecError(
        'BUILDER_NOT_FOUND',
        `No builder named "${wanted}" (asked for by ${askedBy}) is configured in ${where}; configured: ${installed}.`,
        {
          hint: `Add the package that provides "${wanted}" to builders in ${where} and install it, or use one of: ${names(all) || '(none configured)'}.`,
          details: { builder: wanted, installed: all.map((s) => ({ name: s.definition.name, source: s.source })) },
        },
      );
    }
    const availability = await availabilityOf(slot);
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
    const builder = await builderOf(slot);
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
    return selected(slot, builder);
  };

  /** The first builder by priority that is available and supports the spec; otherwise every reason. */
  const selectByPriority = async (all: readonly Slot[], spec: ResolvedImageSpec): Promise<SelectedBuilder> => {
    const unusable: string[] = [];
    for (const slot of all) {
      const availability = await availabilityOf(slot);
      if (!availability.ok) {
        unusable.push(`${label(slot)}: unavailable: ${availability.reason}`);
        continue;
      }
      const builder = await builderOf(slot);
      const support = supportOf(builder, spec);
      if (!support.ok) {
        host.logger.debug(
          `imagespec:builders ${slot.definition.name} does not support ${spec.name}: ${support.reason}`,
        );
        unusable.push(`${label(slot)}: does not support this spec: ${support.reason}`);
        continue;
      }
      host.logger.debug(`imagespec:builders ${spec.name} -> ${slot.definition.name}`);
      return selected(slot, builder);
    }
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
        all.map(async (slot) => ({
          name: slot.definition.name,
          ...(slot.version && { version: slot.version }),
          priority: slot.definition.priority,
          source: slot.source,
          ...(slot.definition.description && { description: slot.definition.description }),
          available: await availabilityOf(slot),
        })),
      );
    },

    async select(spec, explicit) {
      const all = await slots();
      const wanted = explicit ?? spec.builder;
      if (wanted === undefined) return selectByPriority(all, spec);
      return selectNamed(all, spec, wanted, explicit !== undefined ? '--builder' : `the spec "${spec.name}"`);
    },

    async dispose() {
      if (!loading) return;
      const all = await loading.catch(() => []);
      await Promise.all(
        all.map(async (slot) => {
          // A builder whose create() failed was reported by selection; there is nothing to dispose.
          const builder = await slot.builder?.catch(() => undefined);
          if (!builder) return;
          try {
            await builder.dispose?.();
          } catch (error) {
            host.logger.warn(`imagespec:builders disposing ${slot.definition.name} failed: ${errorText(error)}`);
          }
        }),
      );
    },
  };
}

function selected(slot: Slot, builder: Builder): SelectedBuilder {
  return { name: slot.definition.name, source: slot.source, ...(slot.version && { version: slot.version }), builder };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
