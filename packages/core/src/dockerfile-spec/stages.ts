import { ImagespecError } from '../errors.js';
import { normalizeImageRef } from '../image-ref/image-ref.js';
import type { Instruction, ParsedDockerfile } from './instructions.js';

/** An image a Dockerfile pulls: a FROM, `COPY --from=<image>` or `RUN --mount=from=<image>`. */
export interface ImageUse {
  /** Normalized reference (`docker.io/library/python:3.12-slim`). */
  readonly ref: string;
  /** As the Dockerfile names it once its ARGs are substituted (what a pinned reference replaces). */
  readonly written: string;
  readonly line: number;
  /** The stage it belongs to. */
  readonly stage: number;
  readonly via: 'FROM' | 'COPY --from' | 'RUN --mount';
}

export interface Stage {
  readonly index: number;
  /** `AS name`, lower-cased as BuildKit compares them. */
  readonly name?: string;
  readonly line: number;
  /** The stage it builds on, when FROM names an earlier stage. */
  readonly fromStage?: number;
  /** Stages it copies or mounts from. */
  readonly uses: readonly number[];
}

export interface DockerfileStages {
  readonly stages: readonly Stage[];
  /** External images of the stages the target needs, in file order. */
  readonly images: readonly ImageUse[];
  /** The stage that is built: `target`, else the last. */
  readonly target: Stage;
}

export interface StagesOptions {
  /** For messages: the Dockerfile's path. */
  readonly file: string;
  readonly buildArgs?: Readonly<Record<string, string>>;
  readonly target?: string;
  /** The one target platform (`linux/arm64/v8`), which defines BuildKit's TARGET* ARGs for FROM. */
  readonly platform?: string;
}

/**
 * The stages of a Dockerfile and the images the target needs (pure). ARGs declared before
 * the first FROM, with `buildArgs` over their defaults, are substituted in FROM lines as
 * BuildKit does; a FROM whose image cannot be resolved that way is an error at its line.
 */
export function analyzeStages(parsed: ParsedDockerfile, options: StagesOptions): DockerfileStages {
  const fail = (line: number, message: string, hint: string): never => {
    throw new ImagespecError('SPEC_INVALID', `${options.file}:${line}: ${message}`, { hint });
  };
  const globals = new Map<string, string | undefined>();
  const stages: { index: number; name?: string; line: number; fromStage?: number; uses: number[] }[] = [];
  const images: ImageUse[] = [];
  const stageNamed = (name: string): number | undefined => {
    const lower = name.toLowerCase();
    const byName = stages.find((stage) => stage.name === lower);
    if (byName) return byName.index;
    return /^\d+$/.test(name) && Number(name) < stages.length ? Number(name) : undefined;
  };
  const automatic = platformArgs(options.platform);
  // FROM sees only the ARGs declared before the first FROM (a build arg sets their value,
  // and reaches no undeclared name) and BuildKit's automatic platform ARGs.
  const argValue = (name: string): string | undefined =>
    globals.has(name) ? (options.buildArgs?.[name] ?? globals.get(name)) : automatic[name];
  const expand = (value: string, line: number, what: string): string =>
    substitute(value, argValue, (name) =>
      fail(
        line,
        `${what} uses $${name}, which has no value: ${globals.has(name) ? 'its ARG has no default' : 'no ARG before the first FROM declares it'} and buildArgs does not set it.`,
        `Set buildArgs.${name} in the spec, or give the ARG a default (\`ARG ${name}=...\`) before the first FROM.`,
      ),
    );
  const addImage = (written: string, line: number, via: ImageUse['via']) => {
    let ref: string;
    try {
      ref = normalizeImageRef(written);
    } catch (error) {
      return fail(
        line,
        `${via} names "${written}", which is not an image reference (${(error as Error).message}).`,
        'Name an image as registry/repository:tag or repository@sha256:digest.',
      );
    }
    images.push({ ref, written, line, stage: stages.length - 1, via });
  };

  for (const instruction of parsed.instructions) {
    const { keyword, line } = instruction;
    if (keyword === 'ARG' && stages.length === 0) {
      for (const [name, value] of parseArgDeclarations(instruction)) globals.set(name, value);
      continue;
    }
    if (keyword === 'FROM') {
      // --platform is left to the builder: the spec's platforms are in the tag already.
      const { words } = splitFlags(instruction.args);
      const [image, as, name, ...rest] = words;
      if (!image || (as !== undefined && (as.toLowerCase() !== 'as' || !name)) || rest.length > 0) {
        fail(line, `FROM ${instruction.args} is not "FROM [--platform=...] image [AS name]".`, 'Fix the FROM line.');
      }
      const resolved = expand(image as string, line, 'FROM');
      const stage = {
        index: stages.length,
        ...(name && { name: name.toLowerCase() }),
        line,
        uses: [] as number[],
      };
      const earlier = stageNamed(resolved);
      stages.push(stage);
      if (earlier !== undefined && !/^\d+$/.test(resolved)) Object.assign(stage, { fromStage: earlier });
      else if (resolved.toLowerCase() !== 'scratch') addImage(resolved, line, 'FROM');
      continue;
    }
    if (stages.length === 0) {
      fail(line, `${keyword} comes before the first FROM.`, 'Only ARG and parser directives may come before FROM.');
    }
    const current = stages[stages.length - 1] as (typeof stages)[number];
    if (keyword === 'COPY' || keyword === 'ADD' || keyword === 'RUN') {
      for (const flag of splitFlags(instruction.args).flags) {
        const source =
          /^--from=(.+)$/i.exec(flag)?.[1] ??
          (keyword === 'RUN' && /^--mount=/i.test(flag) ? /(?:^|,)from=([^,]+)/i.exec(flag.slice(8))?.[1] : undefined);
        if (!source) continue;
        const stage = stageNamed(source);
        if (stage !== undefined) current.uses.push(stage);
        else addImage(source, line, keyword === 'RUN' ? 'RUN --mount' : 'COPY --from');
      }
    }
  }
  if (stages.length === 0) {
    fail(1, 'the Dockerfile has no FROM.', 'A Dockerfile starts with FROM (after ARGs and parser directives).');
  }
  const last = stages[stages.length - 1] as (typeof stages)[number];
  let target = last;
  if (options.target !== undefined) {
    const wanted = stageNamed(options.target);
    if (wanted === undefined) {
      const names = stages.flatMap((stage) => (stage.name ? [stage.name] : []));
      throw new ImagespecError(
        'SPEC_INVALID',
        `${options.file}: target "${options.target}" names no stage; the stages are ${names.length > 0 ? names.join(', ') : `unnamed (0-${stages.length - 1})`}.`,
        { hint: 'Set target to a stage name from an `AS name` of a FROM line.', details: { field: 'target' } },
      );
    }
    target = stages[wanted] as (typeof stages)[number];
  }
  const needed = new Set<number>();
  const visit = (index: number) => {
    if (needed.has(index)) return;
    needed.add(index);
    const stage = stages[index] as (typeof stages)[number];
    if (stage.fromStage !== undefined) visit(stage.fromStage);
    for (const used of stage.uses) visit(used);
  };
  visit(target.index);
  return {
    stages,
    images: images.filter((image) => needed.has(image.stage)),
    target,
  };
}

/** BuildKit's automatic platform ARGs that FROM may use, for one target platform. */
function platformArgs(platform: string | undefined): Record<string, string | undefined> {
  if (!platform) return {};
  const [os, arch, variant] = platform.split('/');
  return { TARGETPLATFORM: platform, TARGETOS: os, TARGETARCH: arch, TARGETVARIANT: variant ?? '' };
}

/** `ARG a=1 b` -> [['a', '1'], ['b', undefined]] (quotes around a default removed). */
export function parseArgDeclarations(instruction: Instruction): [string, string | undefined][] {
  return splitWords(instruction.args).map((word) => {
    const eq = word.indexOf('=');
    if (eq === -1) return [word, undefined];
    return [word.slice(0, eq), unquote(word.slice(eq + 1))];
  });
}

function splitFlags(args: string): { flags: string[]; words: string[] } {
  const words = splitWords(args);
  const flags: string[] = [];
  while (words[0]?.startsWith('--')) flags.push(words.shift() as string);
  return { flags, words };
}

export function splitWords(args: string): string[] {
  const words: string[] = [];
  const pattern = /(?:"(?:[^"\\]|\\.)*"|'[^']*'|[^\s"'])+/g;
  for (const match of args.matchAll(pattern)) words.push(match[0]);
  return words;
}

function unquote(value: string): string {
  if (value.length >= 2 && ((value[0] === '"' && value.endsWith('"')) || (value[0] === "'" && value.endsWith("'")))) {
    return value.slice(1, -1);
  }
  return value;
}

/**
 * `$X`, `${X}`, `${X:-word}`, `${X:+word}` (the forms BuildKit expands in FROM). A plain
 * reference to a variable with no value goes to `missing`: an empty image name is never meant.
 */
export function substitute(
  value: string,
  lookup: (name: string) => string | undefined,
  missing: (name: string) => string,
): string {
  return unquote(value).replace(
    /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::([-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (_all, braced: string | undefined, op: string | undefined, word: string | undefined, bare: string | undefined) => {
      const name = (braced ?? bare) as string;
      const set = lookup(name);
      if (op === '+') return set ? (word ?? '') : '';
      if (op === '-') return set ? set : (word ?? '');
      return set ?? missing(name);
    },
  );
}
