import type { FileDigest } from '../context/digest.js';
import { redactCredentials } from '../spec/redact.js';
import { prettySortedJson } from './canonical-json.js';
import { HASH_LENGTH } from './hash.js';
import type { HashedFileTree, ImageIdentity } from './identity.js';

/**
 * `imagespec explain`: the whole hash input, the per-file records behind every tree
 * digest, and the resulting hash and tag, so a user can diff two runs and see why a tag
 * changed. Passwords in URLs (a pip index with credentials) are shown as `***`; the hash
 * is computed over the real values.
 */
export function renderExplain(identity: ImageIdentity): string {
  const lines: string[] = [
    `image  ${identity.image}`,
    `tag    ${identity.tag}`,
    `hash   ${identity.hash}  (base32 of sha256 of the canonical JSON of the input below, first ${HASH_LENGTH} characters)`,
    `base   ${identity.baseImage}${identity.base ? `  (built from a spec, hash ${identity.base.hash})` : ''}`,
    '',
    `hash input (${identity.input.v}):`,
    indent(prettySortedJson(redactCredentials(identity.input)), '  '),
  ];
  const { requirements, copy, source, dockerfile, context } = identity.files;
  if (requirements || copy.length > 0 || source || dockerfile) lines.push('', 'files:');
  if (dockerfile) lines.push(`  dockerfile  ${dockerfile.path}  sha256 ${dockerfile.sha256}`);
  if (context) lines.push(...renderTree('context', context), `    ignore file: ${context.dockerignore}`);
  if (identity.dockerfile) lines.push(...renderPulledImages(identity));
  if (requirements)
    lines.push(`  requirements  ${requirements.path}  (${requirements.kind})  sha256 ${requirements.sha256}`);
  for (const [index, tree] of copy.entries()) lines.push(...renderTree(`copy[${index}]`, tree));
  if (source) lines.push(...renderTree('source', source));
  if (identity.base)
    lines.push('', `base spec ${identity.base.image}:`, indent(renderExplain(identity.base).trimEnd(), '  '));
  return `${lines.join('\n')}\n`;
}

/** A Dockerfile spec's pulled images, each at its line, with the reference the hash and the build use. */
function renderPulledImages(identity: ImageIdentity): string[] {
  const { source, pinned } = identity.dockerfile!;
  return [
    '',
    'images the target pulls:',
    ...source.images.map((image) => {
      const to = pinned[image.ref] ?? image.ref;
      return `  ${source.path}:${image.line}  ${image.via} ${image.ref}${to === image.ref ? '  (not locked)' : `  -> ${to}`}`;
    }),
  ];
}

function renderTree(label: string, tree: HashedFileTree): string[] {
  const width = Math.max(0, ...tree.files.map((file) => file.path.length));
  return [
    `  ${label}  ${tree.src} -> ${tree.dest}  digest ${tree.digest}  (${tree.files.length} ${tree.files.length === 1 ? 'entry' : 'entries'})`,
    ...tree.files.map((file) => `    ${file.mode.padEnd(7)}  ${file.path.padEnd(width)}  ${describe(file)}`.trimEnd()),
    ...renderExcluded(tree.excluded),
  ];
}

/** Per rule: how many entries it left out and the first few (a folder counts once, its contents not at all). */
function renderExcluded(groups: HashedFileTree['excluded']): string[] {
  if (groups.length === 0) return [];
  const width = Math.max(...groups.map((group) => group.rule.length));
  return [
    '    left out (neither hashed nor sent):',
    ...groups.map((group) => {
      const more = group.count - group.paths.length;
      const sample = `${group.paths.join(', ')}${more > 0 ? `, … (${more} more)` : ''}`;
      return `      ${group.rule.padEnd(width)}  ${String(group.count).padStart(4)}  ${sample}`;
    }),
  ];
}

function describe(file: FileDigest): string {
  if (file.mode === 'symlink') return `-> ${file.linkTarget ?? ''}`;
  if (file.mode === 'dir') return '';
  return `sha256 ${file.sha256 ?? ''}`;
}

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((line) => (line === '' ? line : prefix + line))
    .join('\n');
}
