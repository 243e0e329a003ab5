import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createHostileProject,
  type HostileFile,
  hostileSpecFile,
  lineBreakFiles,
} from '../../core/test/hostile-spec-files.js';
import { runBin } from './run-bin.js';

/**
 * The CLI-level sample of the hostile spec file suite (the full run is core's
 * spec/hostile-files.property.test.ts): files the loader must refuse, through the built
 * binary's tag, dockerfile and build --dry-run. Each exits 2 with one `error[CODE]:`
 * paragraph that names the spec file and, when the file says which, the field at
 * file:line:col; no stack trace, nothing on stdout.
 */

const COMMANDS = [['tag'], ['dockerfile'], ['build', '--dry-run']] as const;
// A fixed seed: the sample is the same on every run (the core suite explores new ones).
const SAMPLE: HostileFile[] = [
  ...fc.sample(
    hostileSpecFile.filter((file) => file.mustRefuse),
    { numRuns: 24, seed: 11 },
  ),
  // One line break each in fields that never take one (args are trimmed, entrypoint is JSON).
  ...['registry', 'packages[0]', 'commands[0]', 'copy[1].dest', 'workdir', 'verify[0]'].map((field, index) => {
    const files = lineBreakFiles().filter((file) => file.field === field);
    return { ...(files[index % files.length] as HostileFile), mustRefuse: true };
  }),
];

let project: Awaited<ReturnType<typeof createHostileProject>>;
let passed = 0;

beforeAll(async () => {
  project = await createHostileProject();
});

afterAll(async () => {
  await project?.dispose();
  console.log(`hostile spec files through the CLI: tried ${SAMPLE.length}, passed ${passed}`);
});

describe('imagespec CLI with hostile spec files', () => {
  it.each(SAMPLE.map((file, index) => [index, file.kind, file] as const))(
    'file %i (%s): exit 2 with the field and its place',
    async (index, _kind, file) => {
      const name = `hostile-${index}.${file.format === 'json' ? 'json' : 'yaml'}`;
      const specFile = join(project.dir, name);
      await writeFile(specFile, file.text);
      const command = COMMANDS[index % COMMANDS.length] as readonly string[];
      const result = await runBin([...command, name], { cwd: project.dir });
      expect(result.code, result.stderr).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/^error\[[A-Z_]+\]: /);
      expect(result.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
      expect(result.stderr).toContain(specFile);
      expect(result.stderr).toMatch(/^hint: /m);
      if (file.field) expect(result.stderr).toContain(file.field.split(/[.[]/)[0]);
      expect(result.stderr).toMatch(new RegExp(`${specFile.replaceAll('.', '\\.')}:\\d+:\\d+`));
      passed++;
    },
    60_000,
  );
});
