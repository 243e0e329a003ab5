/** One requirement of a requirements file, as pip reads it. */
export interface RequirementLine {
  /** The requirement without comment or per-requirement options, e.g. `numpy==1.26.4; python_version > "3"`. */
  readonly text: string;
  /** Its first physical line, 1-based. */
  readonly line: number;
  /** Its `--hash` values, e.g. `sha256:…`. */
  readonly hashes: readonly string[];
}

const COMMENT = /(^|\s+)#.*$/;
const OPTIONS = /\s--?[A-Za-z]/;
const HASH = /--hash[=\s]\s*(\S+)/g;

/**
 * Pure. pip's reading of a requirements file: a line ending in `\` continues on the next
 * (`name==1.0 \` then `    --hash=sha256:…`, as `pip-compile --generate-hashes` writes),
 * `#` starts a comment, and options after a requirement (`--hash`, `--config-settings`)
 * belong to it. Lines that are only options (`-r`, `--index-url`) are not requirements
 * and are left out.
 */
export function parseRequirementLines(text: string): RequirementLine[] {
  const requirements: RequirementLine[] = [];
  let logical = '';
  let first = 0;
  text.split(/\r?\n/).forEach((raw, index) => {
    if (logical === '') first = index + 1;
    if (raw.endsWith('\\') && !COMMENT.test(raw)) {
      logical += `${raw.slice(0, -1)} `;
      return;
    }
    const line = `${logical}${raw}`.replace(COMMENT, '').trim();
    logical = '';
    if (!line || line.startsWith('-')) return;
    const hashes = [...line.matchAll(HASH)].map((match) => match[1] ?? '');
    requirements.push({ text: (line.split(OPTIONS, 1)[0] ?? '').trim(), line: first, hashes });
  });
  return requirements;
}
