import type { ResolvedImageSpec } from '../contract/spec.js';
import type { DockerfileLintRule } from '../dockerfile-spec/lint.js';
import { normalizeImageRef, parseImageRef } from '../image-ref/image-ref.js';
import type { LockFile } from '../lock/lock-file.js';
import { lintHashes } from './lock-hashes.js';
import { parseRequirementLines } from './requirement-lines.js';
import { lintSecretEnv } from './secret-env.js';

export type LintRule =
  | 'unpinned-package'
  | 'unpinned-conda-package'
  | 'unpinned-requirement'
  | 'conflicting-versions'
  | 'mutable-base'
  | 'unlocked-base'
  | 'runtime-override'
  | 'lock-hashes'
  | 'secret-env'
  | 'secret-file'
  | DockerfileLintRule;

/** A finding; `path` is the field path in the spec (for file:line), `requirementsLine` a line of the requirements file. */
export interface LintFinding {
  readonly rule: LintRule;
  readonly image: string;
  readonly message: string;
  readonly path?: readonly (string | number)[];
  readonly requirementsLine?: number;
  /** A line of the spec's own Dockerfile. */
  readonly dockerfileLine?: number;
}

export interface LintInput {
  readonly spec: ResolvedImageSpec;
  readonly lock: LockFile;
  /** Text of spec.requirements when it is a requirements.txt. */
  readonly requirementsText?: string;
  /** Text of spec.requirements when it is a uv.lock or poetry.lock. */
  readonly lockText?: string;
}

const PIN = /===?\s*[^=\s*]+$/;

/** PEP 503 normalized distribution name of a requirement string. */
export function requirementName(requirement: string): string {
  const name = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(requirement)?.[1] ?? requirement;
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

function isPinned(requirement: string): boolean {
  const withoutMarker = requirement.split(';')[0]?.trim() ?? '';
  return PIN.test(withoutMarker) || /\s@\s/.test(withoutMarker) || /@\s*\S+:\/\//.test(withoutMarker);
}

/** Pure: every rule over one spec (its own fields; base specs are linted on their own). */
export function lintSpec({ spec, lock, requirementsText, lockText }: LintInput): LintFinding[] {
  const findings: LintFinding[] = [];
  const image = spec.name;
  spec.packages.forEach((pkg, index) => {
    if (!isPinned(pkg)) {
      findings.push({
        rule: 'unpinned-package',
        image,
        path: ['packages', index],
        message: `pip package "${pkg}" is not pinned: the image can change between builds of the same tag. Pin it, e.g. ${requirementName(pkg)}==<version>.`,
      });
    }
  });
  spec.condaPackages.forEach((pkg, index) => {
    if (!/[=<>]/.test(pkg)) {
      findings.push({
        rule: 'unpinned-conda-package',
        image,
        path: ['condaPackages', index],
        message: `conda package "${pkg}" is not pinned. Pin it, e.g. ${pkg}=<version>.`,
      });
    }
  });
  const requirementLines = parseRequirementLines(requirementsText ?? '');
  for (const { text, line } of requirementLines) {
    if (!isPinned(text)) {
      findings.push({
        rule: 'unpinned-requirement',
        image,
        path: ['requirements'],
        requirementsLine: line,
        message: `requirements line ${line} "${text}" is not pinned. Pin it with ==, or use a lock file (uv.lock, poetry.lock).`,
      });
    }
  }
  findings.push(...lintHashes({ spec, requirements: requirementLines, ...(lockText !== undefined && { lockText }) }));
  const versions = new Map<string, Set<string>>();
  for (const requirement of [...spec.packages, ...requirementLines.map((r) => r.text)]) {
    const name = requirementName(requirement);
    versions.set(name, (versions.get(name) ?? new Set()).add(requirement.replace(/\s+/g, '')));
  }
  for (const [name, specs] of versions) {
    if (specs.size > 1) {
      findings.push({
        rule: 'conflicting-versions',
        image,
        path: ['packages'],
        message: `"${name}" is listed more than once with different requirements (${[...specs].join(', ')}); pip keeps one, and which one is not obvious. List it once.`,
      });
    }
  }
  // A Dockerfile spec's images are linted in its Dockerfile (dockerfile-spec/lint.ts).
  if (typeof spec.baseImage === 'string' && !spec.dockerfile) {
    const ref = parseImageRef(spec.baseImage);
    const locked = Boolean(ref.digest) || Boolean(lock.images[normalizeImageRef(spec.baseImage)]);
    // parseImageRef reads a reference without tag or digest as `:latest`, as docker does.
    const mutable = !ref.digest && ref.tag === 'latest';
    if (!locked && mutable) {
      findings.push({
        rule: 'mutable-base',
        image,
        path: ['baseImage'],
        message: `base image "${spec.baseImage}" has no tag or uses latest, and is not locked: two builds of one imagespec tag can differ. Name a version tag and run \`imagespec lock\`.`,
      });
    } else if (!locked) {
      findings.push({
        rule: 'unlocked-base',
        image,
        path: ['baseImage'],
        message: `base image "${spec.baseImage}" is not locked, so an update of that tag changes the image without changing its imagespec tag. Run \`imagespec lock\` to pin it to a digest.`,
      });
    }
  }
  if (spec.entrypoint || spec.cmd) {
    const field = spec.entrypoint ? 'entrypoint' : 'cmd';
    findings.push({
      rule: 'runtime-override',
      image,
      path: [field],
      message: `${field} is replaced when a pipeline runtime (Elyra, Kubeflow Pipelines, Flyte) sets the container's command${spec.entrypoint && spec.cmd ? ', and cmd with it' : ''}; do not rely on it for setup the image needs at run time (use commands or env).`,
    });
  }
  findings.push(...lintSecretEnv(spec));
  return findings;
}
