import { HASH_LABEL, type ResolvedImageSpec } from '@imagespec/core/builder';

/** `created` of the image and its history: fixed, so the same inputs give the same digest anywhere. */
export const FIXED_CREATED = '1970-01-01T00:00:00Z';

type Json = Record<string, unknown>;

export interface NewLayer {
  readonly diffId: string;
  readonly createdBy: string;
}

/**
 * The image config: the base's, with the spec's settings applied as the Dockerfile's
 * instructions would (ENV replaces a variable in place or appends it, LABEL merges,
 * ENTRYPOINT without CMD clears the base's CMD), the new layers' diff ids and history
 * entries, and a fixed `created`. Pure.
 */
export function computeImageConfig(
  base: Json,
  spec: ResolvedImageSpec,
  hash: string,
  layers: readonly NewLayer[],
): Json {
  const config: Json = { ...((base.config as Json | undefined) ?? {}) };
  const env = [...((config.Env as string[] | null | undefined) ?? [])];
  for (const [name, value] of Object.entries(spec.env)) {
    const at = env.findIndex((item) => item.split('=', 1)[0] === name);
    if (at === -1) env.push(`${name}=${value}`);
    else env[at] = `${name}=${value}`;
  }
  if (env.length > 0) config.Env = env;
  if (spec.workdir !== undefined) config.WorkingDir = spec.workdir;
  const labels: Record<string, string> = {
    ...((config.Labels as Record<string, string> | null | undefined) ?? {}),
    [HASH_LABEL]: hash,
    ...spec.labels,
  };
  config.Labels = Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  if (spec.user !== undefined) config.User = spec.user;
  if (spec.entrypoint !== undefined) {
    config.Entrypoint = [...spec.entrypoint];
    if (spec.cmd === undefined) config.Cmd = null;
  }
  if (spec.cmd !== undefined) config.Cmd = [...spec.cmd];

  const rootfs = (base.rootfs as Json | undefined) ?? { type: 'layers', diff_ids: [] };
  const history = [
    ...((base.history as Json[] | undefined) ?? []),
    ...layers.map((layer) => ({ created: FIXED_CREATED, created_by: layer.createdBy, comment: 'imagespec' })),
    {
      created: FIXED_CREATED,
      created_by: `${settingsLine(spec)} # imagespec builder-oci`,
      comment: 'imagespec',
      empty_layer: true,
    },
  ];
  return {
    ...base,
    created: FIXED_CREATED,
    config,
    rootfs: {
      type: 'layers',
      diff_ids: [...((rootfs.diff_ids as string[] | undefined) ?? []), ...layers.map((l) => l.diffId)],
    },
    history,
  };
}

/** What the settings entry of the history says was applied. */
function settingsLine(spec: ResolvedImageSpec): string {
  const parts = [
    ...(Object.keys(spec.env).length > 0 ? [`ENV ${Object.keys(spec.env).join(' ')}`] : []),
    ...(spec.workdir !== undefined ? [`WORKDIR ${spec.workdir}`] : []),
    `LABEL ${HASH_LABEL}${Object.keys(spec.labels)
      .map((key) => ` ${key}`)
      .join('')}`,
    ...(spec.user !== undefined ? [`USER ${spec.user}`] : []),
    ...(spec.entrypoint !== undefined ? [`ENTRYPOINT ${JSON.stringify(spec.entrypoint)}`] : []),
    ...(spec.cmd !== undefined ? [`CMD ${JSON.stringify(spec.cmd)}`] : []),
  ];
  return parts.join('; ');
}
