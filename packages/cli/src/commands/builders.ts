import * as core from '@imagespec/core';
import type { CliIo } from '../io.js';
import { createLogger } from '../logger.js';
import { homeDir } from '../project.js';

/** `imagespec builders`: each configured builder with version, priority, and available or why not. */
export async function buildersCommand(
  io: CliIo,
  options: { config?: string; debug?: boolean; json?: boolean },
): Promise<void> {
  const config = await core.loadConfig({ cwd: io.cwd, ...(options.config && { configFile: options.config }) });
  const access = core.createRegistryAccess({ ...config, env: io.env, home: homeDir(io) });
  const host = core.createBuilderHost({
    logger: createLogger(io, Boolean(options.debug)),
    registries: access,
    cwd: config.dir,
    env: io.env,
  });
  const builders = core.createBuilderRegistry(config.builders, host, {
    ...(config.file && { configFile: config.file }),
  });
  try {
    const list = await builders.list();
    if (options.json) {
      io.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
      return;
    }
    const rows = list.map((b) => [
      b.name,
      b.version ?? '-',
      String(b.priority),
      b.available.ok ? 'available' : `unavailable: ${b.available.reason}`,
      b.source,
    ]);
    const header = ['NAME', 'VERSION', 'PRIORITY', 'STATUS', 'SOURCE'];
    const widths = header.map((h, i) =>
      Math.max(h.length, ...rows.map((r) => Math.min((r[i] ?? '').length, i === 3 ? 60 : 80))),
    );
    const line = (cells: string[]) =>
      cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ');
    io.stdout.write(`${[line(header), ...rows.map(line)].join('\n')}\n`);
  } finally {
    await builders.dispose();
    await host.dispose();
  }
}
