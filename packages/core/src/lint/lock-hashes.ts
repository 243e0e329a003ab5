import type { RequirementsKind, ResolvedImageSpec } from '../contract/spec.js';
import type { RequirementLine } from './requirement-lines.js';
import type { LintFinding } from './rules.js';

/**
 * Rule `lock-hashes`: where the build cannot check what pip downloads against a hash.
 *
 * - uv.lock / poetry.lock: the build installs packages the lock has hashes for with
 *   `--require-hashes` and the others by version only (see dockerfile/lock-export.ts);
 *   this names the others.
 * - requirements.txt with `--hash` options: pip's hash-checking mode then covers the whole
 *   install, so a requirement without a hash, or a spec `packages` entry (installed in the
 *   same pip run), fails the build. Said here before the build does.
 */
export function lintHashes(input: {
  spec: ResolvedImageSpec;
  requirements: readonly RequirementLine[];
  lockText?: string;
}): LintFinding[] {
  const { spec, requirements, lockText } = input;
  const image = spec.name;
  const kind = spec.requirements?.kind;
  if (lockText !== undefined && (kind === 'uv.lock' || kind === 'poetry.lock')) {
    const unhashed = scanLock(kind, lockText).filter((p) => p.installed && !p.hashed);
    const first = unhashed[0];
    if (!first) return [];
    const names = unhashed.map((p) => `${p.name}==${p.version}`);
    const shown = names.length > 5 ? `${names.slice(0, 5).join(', ')} and ${names.length - 5} more` : names.join(', ');
    return [
      {
        rule: 'lock-hashes',
        image,
        requirementsLine: first.line,
        message: `${kind} lists no hashes for ${shown}: the build installs ${names.length === 1 ? 'it' : 'them'} by version without checking ${names.length === 1 ? 'its' : 'their'} contents (the other packages are checked with pip --require-hashes). Lock from an index that publishes hashes, or list ${names.length === 1 ? 'it' : 'them'} in a requirements.txt with --hash options.`,
      },
    ];
  }
  if (!requirements.some((r) => r.hashes.length > 0)) return [];
  const findings: LintFinding[] = requirements
    .filter((r) => r.hashes.length === 0)
    .map((r) => ({
      rule: 'lock-hashes',
      image,
      path: ['requirements'],
      requirementsLine: r.line,
      message: `requirements line ${r.line} "${r.text}" has no --hash while others have: pip then checks hashes for the whole install and refuses this line. Add its hashes (pip hash, or pip-compile / uv pip compile --generate-hashes).`,
    }));
  if (spec.packages.length > 0) {
    findings.push({
      rule: 'lock-hashes',
      image,
      path: ['packages'],
      message: `packages (${spec.packages.join(', ')}) are installed in the same pip run as the requirements file, whose --hash options make pip refuse anything without a hash. Move them into the requirements file with their hashes.`,
    });
  }
  return findings;
}

interface LockedPackage {
  name: string;
  version: string;
  /** The `[[package]]` line. */
  line: number;
  /** The build installs it by name and version (a registry package of the main group). */
  installed: boolean;
  hashed: boolean;
}

const HEADER = /^\[\[?([^\]]+)\]\]?\s*$/;
const STRING_KEY = /^(name|version|category|type)\s*=\s*"([^"]*)"/;
const HAS_HASH = /\bhash\s*=\s*"/;

/**
 * Pure. Reads the `[[package]]` entries of a lock line by line, as uv and Poetry write it
 * (one key per line, inline tables for sources and files); the build's exporter reads it
 * with a TOML parser and has the last word. Dev packages of a uv.lock count as installed:
 * telling them apart needs the dependency walk the exporter does.
 */
export function scanLock(kind: Exclude<RequirementsKind, 'requirements.txt'>, text: string): LockedPackage[] {
  const packages: (LockedPackage & { source?: string; groups?: string })[] = [];
  const legacyHashed = new Set<string>();
  let current: (typeof packages)[number] | undefined;
  let table = '';
  let legacyName: string | undefined;
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    const header = HEADER.exec(line)?.[1]?.trim();
    if (header !== undefined) {
      table = header;
      if (line.startsWith('[[') && header === 'package') {
        current = { name: '', version: '', line: index + 1, installed: false, hashed: false };
        packages.push(current);
      } else if (!header.startsWith('package.')) {
        current = undefined;
      }
      return;
    }
    if (table === 'metadata.files') {
      legacyName = /^"?([A-Za-z0-9._-]+)"?\s*=/.exec(line)?.[1] ?? legacyName;
      if (legacyName && HAS_HASH.test(line)) legacyHashed.add(normalize(legacyName));
      return;
    }
    if (!current) return;
    if (HAS_HASH.test(line)) current.hashed = true;
    const [, key, value = ''] = STRING_KEY.exec(line) ?? [];
    if (table === 'package') {
      if (key === 'name') current.name = value;
      else if (key === 'version') current.version = value;
      else if (key === 'category') current.groups = value;
      else if (/^groups\s*=/.test(line)) current.groups = line;
      else if (/^source\s*=\s*\{/.test(line)) current.source = /^source\s*=\s*\{\s*([\w-]+)/.exec(line)?.[1] ?? '';
    } else if (table === 'package.source' && key === 'type') {
      current.source = value;
    }
  });
  return packages.map(({ source, groups, ...p }) => ({
    ...p,
    hashed: p.hashed || legacyHashed.has(normalize(p.name)),
    installed:
      kind === 'uv.lock'
        ? source === 'registry'
        : (source === undefined || source === 'legacy') && (groups === undefined || /\bmain\b/.test(groups)),
  }));
}

function normalize(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}
