import { projectRootOf } from '../context/project.js';
import type { ResolvedImageSpec } from '../contract/spec.js';
import { readDockerfileSource } from '../dockerfile-spec/facts.js';
import { lintDockerfile } from '../dockerfile-spec/lint.js';
import { readRegularFile } from '../fs/read-regular-file.js';
import type { ImageIdentity } from '../hash/identity.js';
import type { LockFile } from '../lock/lock-file.js';
import { listCopiedTrees } from './context-trees.js';
import { type LintFinding, lintSpec } from './rules.js';
import { lintSecretFiles } from './secret-files.js';

/** A finding placed in a file: the spec file's line for a field, or the requirements file's. */
export interface LintWarning extends LintFinding {
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
}

/** Finds where a field path sits in a spec file (SpecFile.locate). */
export type Locate = (path: readonly (string | number)[]) => { line: number; column: number } | undefined;

/** Reads requirements files and runs the rules over every spec; de-duplicated, in spec order. */
export async function lintSpecs(
  specs: readonly ResolvedImageSpec[],
  options: {
    lock: LockFile;
    locate?: (spec: ResolvedImageSpec) => Locate | undefined;
    /**
     * The spec's identity, when the caller computes it anyway (a build, through
     * RunBuildsOptions.identities): the copied folders are then taken from the listing the
     * hash read instead of walked again. A spec whose identity fails gets no secret-file
     * findings (the build reports why it failed).
     */
    identity?: (spec: ResolvedImageSpec) => Promise<ImageIdentity>;
  },
): Promise<LintWarning[]> {
  const warnings: LintWarning[] = [];
  const seen = new Set<string>();
  for (const spec of specs) {
    // Not readable as a regular file (missing, a FIFO): tag and build say why; lint skips it.
    const text =
      spec.requirements &&
      (await readRegularFile(spec.requirements.path).then(
        (bytes) => bytes.toString('utf8'),
        () => undefined,
      ));
    const requirementsText = spec.requirements?.kind === 'requirements.txt' ? text : undefined;
    const lockText = spec.requirements?.kind === 'requirements.txt' ? undefined : text;
    const locate = options.locate?.(spec);
    const findings = lintSpec({
      spec,
      lock: options.lock,
      ...(requirementsText !== undefined && { requirementsText }),
      ...(lockText !== undefined && { lockText }),
    });
    const trees = options.identity
      ? await options.identity(spec).then(
          (identity) => listCopiedTrees(spec, identity),
          () => [],
        )
      : await listCopiedTrees(spec);
    findings.push(...lintSecretFiles(spec, trees));
    findings.push(...(await lintOwnDockerfile(spec, options.lock)));
    for (const finding of findings) {
      const warning = place(finding, spec, locate);
      const key = `${warning.file}:${warning.line}:${warning.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      warnings.push(warning);
    }
  }
  return warnings;
}

/** A Dockerfile spec's Dockerfile rules, at its lines; none when it cannot be read (tag and build say why). */
async function lintOwnDockerfile(spec: ResolvedImageSpec, lock: LockFile): Promise<LintFinding[]> {
  if (!spec.dockerfile) return [];
  const source = await readDockerfileSource(spec, projectRootOf(spec)).catch(() => undefined);
  if (!source) return [];
  // Every platform's images: TARGETARCH may name another image per platform.
  return lintDockerfile(source.parsed, { ...source.stages, images: source.images }, lock).map((finding) => ({
    rule: finding.rule,
    image: spec.name,
    message: finding.message,
    dockerfileLine: finding.line,
  }));
}

function place(finding: LintFinding, spec: ResolvedImageSpec, locate: Locate | undefined): LintWarning {
  if (finding.requirementsLine !== undefined && spec.requirements) {
    return { ...finding, file: spec.requirements.path, line: finding.requirementsLine };
  }
  if (finding.dockerfileLine !== undefined && spec.dockerfile) {
    return { ...finding, file: spec.dockerfile.path, line: finding.dockerfileLine };
  }
  const file = spec.origin.file;
  if (!finding.path || !locate) return { ...finding, ...(file && { file }) };
  // locate takes the canonical (camelCase) path, whatever names the file used.
  const prefix = spec.origin.key === undefined ? [] : ['images', spec.origin.key];
  const position = locate([...prefix, ...finding.path]);
  return { ...finding, ...(file && { file }), ...(position && { line: position.line, column: position.column }) };
}
