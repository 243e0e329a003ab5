import { loadConfig } from '@imagespec/core/config';
import { openBuilders } from '../configured-builders.js';
import type { CliIo } from '../io.js';

/** `imagespec builders`: each configured builder with version, priority, and available or why not. */
export async function buildersCommand(
  io: CliIo,
  options: { config?: string; debug?: boolean; json?: boolean },
): Promise<void> {
  const config = await loadConfig({
    cwd: io.cwd,
    env: io.env,
    ...(options.config && { configFile: options.config }),
    ...(io.importModule && { importModule: io.importModule }),
  });
  const configured = openBuilders(io, config, { debug: Boolean(options.debug) });
  try {
    const list = await configured.builders.list();
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
    await configured.dispose();
  }
}
