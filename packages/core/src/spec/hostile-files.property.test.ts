import { join } from 'node:path';
import { DockerfileParser } from 'dockerfile-ast';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedKeywords } from '../../test/expected-instructions.js';
import {
  createHostileProject,
  type HostileFile,
  hostileSpecFile,
  lineBreakFiles,
  validSpec,
} from '../../test/hostile-spec-files.js';
import type { ResolvedImageSpec } from '../contract/spec.js';
import { renderDockerfile } from '../dockerfile/render.js';
import { renderVerifyStage } from '../dockerfile/verify-stage.js';
import { errorCategory, type ImagespecError, isImagespecError } from '../errors.js';
import { computeImageIdentity, type ImageIdentity } from '../hash/identity.js';
import { parseSpecText } from './load.js';

/**
 * Issue 11's reliability suite, spec-file part: hostile and invalid spec files go through
 * the library functions behind `imagespec tag` (load, identity), `imagespec dockerfile`
 * (render) and `imagespec build --dry-run` (render with the verify stage). Each must end
 * in a refusal that is an input error naming the field (and file:line:col), or in a
 * Dockerfile with exactly the instructions the spec asks for. Nothing else: no other
 * exception, no hang (the test's timeout bounds every file), no render-time refusal of a
 * spec that validation passed (validation and the build apply one rule).
 */

let project: Awaited<ReturnType<typeof createHostileProject>>;
const counts = { tried: 0, refused: 0, accepted: 0, passed: 0 };
const failures: string[] = [];

beforeAll(async () => {
  project = await createHostileProject();
});

afterAll(async () => {
  await project?.dispose();
  // Visible in CI output: the figure the issue asks to measure each time.
  console.log(
    `hostile spec files: tried ${counts.tried}, passed ${counts.passed} (refused as bad input ${counts.refused}, accepted and rendered exactly ${counts.accepted})${failures.length > 0 ? `; FAILED ${failures.length}` : ''}`,
  );
});

/** The field paths and positions a refusal names. */
function placesOf(error: ImagespecError): { paths: string[]; located: boolean } {
  const details = (error.details ?? {}) as {
    issues?: { path: string; line?: number; column?: number }[];
    field?: string;
    line?: number;
    column?: number;
  };
  if (details.issues) {
    return {
      paths: details.issues.map((issue) => issue.path),
      located: details.issues.every((issue) => Number.isInteger(issue.line) && Number.isInteger(issue.column)),
    };
  }
  return {
    paths: details.field === undefined ? [] : [details.field],
    located: Number.isInteger(details.line) || /:\d+:\d+/.test(error.message),
  };
}

function checkRefusal(file: HostileFile, error: unknown, specFile: string): void {
  if (!isImagespecError(error)) throw error;
  expect(errorCategory(error.code), `${error.code}: ${error.message}`).toBe('input');
  expect(error.message).toContain(specFile);
  if (file.message) expect(error.message).toMatch(file.message);
  const { paths, located } = placesOf(error);
  // Placed at file:line:col, except a size limit (about the whole file). What reading the
  // project's files found (a path that does not exist or leads out) is placed too, at the field.
  if (error.details?.limit === undefined) expect(located, error.message).toBe(true);
  if (file.field) {
    // The field itself, a field under it, or (for what reading files found) the entry that holds it.
    const within = (inner: string, outer: string) =>
      inner === outer || inner.startsWith(`${outer}.`) || inner.startsWith(`${outer}[`);
    const field = file.field;
    const entry = /^(\S+) of image spec /.exec(error.message)?.[1];
    const named = paths.some((path) => within(path, field)) || (entry !== undefined && within(field, entry));
    expect(named, `expected ${file.field} in: ${error.message}`).toBe(true);
  }
}

/** Only the instructions the spec asks for, in order; ENV and LABEL keys as written; no raw line separator. */
function checkDockerfile(spec: ResolvedImageSpec, dockerfile: string, withVerify: boolean): void {
  expect(dockerfile).not.toMatch(/[\r\u0085\u2028\u2029\0]/u);
  const instructions = DockerfileParser.parse(dockerfile).getInstructions();
  const keywords = expectedKeywords(spec);
  if (withVerify && spec.verify.length > 0) keywords.push('FROM', ...spec.verify.map(() => 'RUN'));
  expect(instructions.map((instruction) => instruction.getKeyword())).toEqual(keywords);
  const env = instructions.find((instruction) => instruction.getKeyword() === 'ENV');
  const names = (env as { getProperties?: () => { getName(): string }[] } | undefined)?.getProperties?.();
  expect((names ?? []).map((property) => property.getName())).toEqual(Object.keys(spec.env));
  const runs = instructions.filter((instruction) => instruction.getKeyword() === 'RUN');
  const userRuns = withVerify ? [...spec.commands, ...spec.verify] : spec.commands;
  expect(runs.slice(runs.length - userRuns.length).map((run) => run.getRawArgumentsContent())).toEqual(
    userRuns.map((command) => command.trim()),
  );
}

/** tag, dockerfile and build --dry-run over one file. */
async function throughCommands(file: HostileFile): Promise<'refused' | 'accepted'> {
  const specFile = join(project.dir, file.format === 'json' ? 'imagespec.json' : 'imagespec.yaml');
  let specs: readonly ResolvedImageSpec[];
  const identities: ImageIdentity[] = [];
  try {
    specs = parseSpecText(file.text, { file: specFile, format: file.format }).specs;
    const cache = new Map<string, Promise<ImageIdentity>>();
    for (const spec of specs) identities.push(await computeImageIdentity(spec, { cache }));
  } catch (error) {
    checkRefusal(file, error, specFile);
    return 'refused';
  }
  expect(file.mustRefuse, `${file.kind} was accepted`).toBe(false);
  specs.forEach((spec, index) => {
    const identity = identities[index] as ImageIdentity;
    for (const dialect of ['buildkit', 'plain'] as const) {
      // The plain dialect has no secret mounts: builders that use it refuse such specs in supports().
      if (dialect === 'plain' && spec.pipSecretMounts.length > 0) continue;
      const dockerfile = renderDockerfile(spec, { dialect, baseImage: identity.baseImage, hash: identity.hash });
      checkDockerfile(spec, dockerfile, false);
      checkDockerfile(spec, renderVerifyStage(dockerfile, spec), true);
    }
  });
  return 'accepted';
}

async function check(file: HostileFile): Promise<void> {
  counts.tried++;
  try {
    const outcome = await throughCommands(file);
    counts[outcome]++;
    counts.passed++;
  } catch (error) {
    failures.push(`${file.kind}: ${(error as Error).message.split('\n')[0]}`);
    throw new Error(`${file.kind} (${file.format}):\n${file.text.slice(0, 2000)}\n-> ${(error as Error).message}`, {
      cause: error,
    });
  }
}

describe('hostile spec files through tag, dockerfile and build --dry-run', () => {
  it('accepts the valid spec the hostile files start from, in YAML and JSON', async () => {
    const { stringify } = await import('yaml');
    await check({ kind: 'valid', format: 'yaml', text: stringify(validSpec()), mustRefuse: false });
    await check({ kind: 'valid', format: 'json', text: JSON.stringify(validSpec()), mustRefuse: false });
    expect(counts.accepted).toBe(2);
  });

  it('handles every line break and NUL in every field that reaches the Dockerfile', async () => {
    const files = lineBreakFiles();
    expect(files.length).toBeGreaterThanOrEqual(150);
    for (const file of files) await check(file);
  });

  it('handles generated hostile files of every kind', async () => {
    await fc.assert(fc.asyncProperty(hostileSpecFile, check), { numRuns: 400 });
  }, 120_000);
});
