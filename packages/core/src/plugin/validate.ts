import { BUILDER_API_VERSION, type BuilderDefinition } from '../contract/builder.js';
import { ImagespecError } from '../errors.js';

const NAME = /^[a-z0-9][a-z0-9._-]*$/;

/**
 * Checks that a plugin module's export is a builder definition, by shape only (a plugin
 * may bring its own copy of core, so never instanceof). Lists every problem at once and
 * names the package or file at fault (`source`). Pure.
 */
export function validateBuilderDefinition(value: unknown, source: string): BuilderDefinition<unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ImagespecError(
      'PLUGIN_INVALID',
      `${source} is not an imagespec builder: its default export is ${describe(value)}, not a builder definition.`,
      {
        hint: `A builder package default-exports \`defineBuilder({ apiVersion: ${BUILDER_API_VERSION}, name, priority, create })\` from @imagespec/core. Check that ${source} is the builder you meant.`,
        details: { source },
      },
    );
  }
  const definition = value as Record<string, unknown>;
  if (definition.apiVersion !== BUILDER_API_VERSION) {
    const declared = definition.apiVersion;
    const newer = typeof declared === 'number' && declared > BUILDER_API_VERSION;
    throw new ImagespecError(
      'PLUGIN_INVALID',
      declared === undefined
        ? `${source} is not an imagespec builder: its definition has no apiVersion (this @imagespec/core supports apiVersion ${BUILDER_API_VERSION}).`
        : `${source} declares builder apiVersion ${JSON.stringify(declared)}, but this @imagespec/core supports apiVersion ${BUILDER_API_VERSION}.`,
      {
        hint: newer
          ? `Upgrade @imagespec/core (and @imagespec/cli) to a version that supports apiVersion ${String(declared)}, or install a version of ${source} made for apiVersion ${BUILDER_API_VERSION}.`
          : `Install a version of ${source} made for apiVersion ${BUILDER_API_VERSION}, or set \`apiVersion: ${BUILDER_API_VERSION}\` if you wrote it.`,
        details: { source, apiVersion: declared, supported: BUILDER_API_VERSION },
      },
    );
  }
  const problems: string[] = [];
  const { name, priority, create, optionsSchema, description } = definition;
  if (typeof name !== 'string' || !NAME.test(name)) {
    problems.push(
      `name must be a non-empty lowercase string such as "docker" (letters, digits, '.', '_', '-'), got ${describe(name)}`,
    );
  }
  if (typeof priority !== 'number' || !Number.isFinite(priority)) {
    problems.push(`priority must be a finite number, got ${describe(priority)}`);
  }
  if (typeof create !== 'function') problems.push(`create must be a function, got ${describe(create)}`);
  if (
    optionsSchema !== undefined &&
    (typeof optionsSchema !== 'object' ||
      optionsSchema === null ||
      typeof (optionsSchema as { safeParse?: unknown }).safeParse !== 'function')
  ) {
    problems.push(`optionsSchema must be a schema with safeParse (a zod schema), got ${describe(optionsSchema)}`);
  }
  if (description !== undefined && typeof description !== 'string')
    problems.push(`description must be a string, got ${describe(description)}`);
  if (problems.length > 0) {
    throw new ImagespecError('PLUGIN_INVALID', `${source} is not a valid imagespec builder: ${problems.join('; ')}.`, {
      hint: `Fix the definition in ${source} (see "Writing a builder" in the README), or report it to its authors.`,
      details: { source, problems },
    });
  }
  return definition as unknown as BuilderDefinition<unknown>;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return JSON.stringify(value);
  return `${typeof value} ${String(value)}`;
}
