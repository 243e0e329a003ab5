import { readFile } from 'node:fs/promises';
import type { LockFile } from '../lock/lock-file.js';
import type { ResolvedImageSpec } from '../spec/types.js';
import { type LintFinding, lintSpec } from './rules.js';

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
  options: { lock: LockFile; locate?: (spec: ResolvedImageSpec) => Locate | undefined },
): Promise<LintWarning[]> {
  const warnings: LintWarning[] = [];
  const seen = new Set<string>();
  for (const spec of specs) {
    const text = spec.requirements && (await readFile(spec.requirements.path, 'utf8').catch(() => undefined));
    const requirementsText = spec.requirements?.kind === 'requirements.txt' ? text : undefined;
    const lockText = spec.requirements?.kind === 'requirements.txt' ? undefined : text;
    const locate = options.locate?.(spec);
    for (const finding of lintSpec({
      spec,
      lock: options.lock,
      ...(requirementsText !== undefined && { requirementsText }),
      ...(lockText !== undefined && { lockText }),
    })) {
      const warning = place(finding, spec, locate);
      const key = `${warning.file}:${warning.line}:${warning.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      warnings.push(warning);
    }
  }
  return warnings;
}

function place(finding: LintFinding, spec: ResolvedImageSpec, locate: Locate | undefined): LintWarning {
  if (finding.requirementsLine !== undefined && spec.requirements) {
    return { ...finding, file: spec.requirements.path, line: finding.requirementsLine };
  }
  const file = spec.origin.file;
  if (!finding.path || !locate) return { ...finding, ...(file && { file }) };
  // locate takes the canonical (camelCase) path, whatever names the file used.
  const prefix = spec.origin.key === undefined ? [] : ['images', spec.origin.key];
  const position = locate([...prefix, ...finding.path]);
  return { ...finding, ...(file && { file }), ...(position && { line: position.line, column: position.column }) };
}
