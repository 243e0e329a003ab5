/**
 * Grammars of the values a spec hands to package managers, the shell and the image
 * config. They keep hostile values out at load time (the Dockerfile renderer quotes as
 * well, but a value that could never be a package name is refused here, with a reason).
 * Every validator returns an error message, or undefined when the value is fine.
 */

import type { RequirementsKind } from '../contract/spec.js';
import { isImagespecError } from '../errors.js';
import { parseImageRef } from '../image-ref/image-ref.js';
import { CONTROL, describeChar } from './instruction-rules.js';
import { hasUrlCredentials, redactUrlCredentials } from './redact.js';

/** Characters no package spec needs and a shell would act on. `<`, `>`, `;`, quotes and
 * parentheses are legal in PEP 508 markers, so the grammars below decide about those. */
const SHELL_META = /[$`\\|&{}\n\r\t\0]/;
/**
 * Shared front door of package names: empty, control characters, shell metacharacters,
 * characters beyond ASCII (no ecosystem's names have them; a no-break space pasted from a
 * web page looks like a space and splits nothing), `<<`, a leading `-`.
 */
function commonProblem(value: string, what: string, optionHint: string): string | undefined {
  if (value.trim() === '') return `${what} is empty`;
  // The longest real ones (a requirement with a wheel URL) are a few hundred; the match-spec
  // grammar's regex is quadratic in the length.
  if (value.length > MAX_PACKAGE_LENGTH)
    return `${what} is ${value.length.toLocaleString('en-US')} characters long; at most ${MAX_PACKAGE_LENGTH.toLocaleString('en-US')}`;
  const bad = CONTROL.exec(value) ?? SHELL_META.exec(value) ?? /[^\x20-\x7e]/u.exec(value);
  if (bad) return `${what} contains ${describeChar(bad[0])}, which no ${what} needs`;
  if (value.includes('<<')) return `${what} contains \`<<\`, which Dockerfile parsers may read as a heredoc`;
  if (value.trimStart().startsWith('-')) return `${what} starts with \`-\` (an option); ${optionHint}`;
  return undefined;
}

const MAX_PACKAGE_LENGTH = 2048;

// --- pip (PEP 508) -----------------------------------------------------------------

const PEP508_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?/;
const EXTRA_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;
const VERSION_OPS = ['===', '~=', '==', '!=', '<=', '>=', '<', '>'] as const;
const VERSION = /^[A-Za-z0-9_.*+!-]+$/;
const URL_REQ = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[A-Za-z0-9._~:/?#[\]@!+,=%-]+$/;
const MARKER_VARS = new Set([
  'python_version',
  'python_full_version',
  'os_name',
  'sys_platform',
  'platform_release',
  'platform_system',
  'platform_version',
  'platform_machine',
  'platform_python_implementation',
  'implementation_name',
  'implementation_version',
  'extra',
  'extras',
  'dependency_groups',
  // legacy names pip still accepts
  'os.name',
  'sys.platform',
  'platform.version',
  'platform.machine',
  'platform.python_implementation',
  'python_implementation',
]);

/** A PEP 508 requirement: `name[extras] (specifiers | @ url) ; marker`. */
export function validatePipRequirement(value: string): string | undefined {
  const common = commonProblem(value, 'pip requirement', 'pip options belong in `pipExtraArgs`');
  if (common) return common;
  const text = value.trim();
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(text)) {
    return `pip requirement \`${text}\` is a bare URL; write it as \`name @ ${text}\` (PEP 508)`;
  }
  if (/^(?:\.{0,2}\/|~)/.test(text)) {
    return `pip requirement \`${text}\` is a path; copy it into the image and name it as \`name @ file:///path\``;
  }
  const name = PEP508_NAME.exec(text);
  if (!name) return `pip requirement \`${text}\` does not start with a package name (PEP 508)`;
  let rest = text.slice(name[0].length).trimStart();
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) return `pip requirement \`${text}\` has an unclosed extras list \`[\``;
    const extras = rest.slice(1, close).trim();
    for (const extra of extras === '' ? [] : extras.split(',')) {
      if (!EXTRA_NAME.test(extra.trim())) return `pip requirement \`${text}\` has an invalid extra \`${extra.trim()}\``;
    }
    rest = rest.slice(close + 1).trimStart();
  }
  let marker: string | undefined;
  if (rest.startsWith('@')) {
    // `name @ url ; marker`: the `;` must follow whitespace, or it would be part of the URL.
    const markerAt = rest.search(/\s;/);
    const url = (markerAt < 0 ? rest.slice(1) : rest.slice(1, markerAt)).trim();
    if (!URL_REQ.test(url))
      return `pip requirement \`${redactUrlCredentials(text)}\` has an invalid URL \`${redactUrlCredentials(url)}\``;
    const credentials = credentialsProblem(url, 'the URL of pip requirement');
    if (credentials) return credentials;
    if (markerAt >= 0) marker = rest.slice(markerAt).trimStart().slice(1);
  } else {
    const semicolon = rest.indexOf(';');
    const specifiers = (semicolon < 0 ? rest : rest.slice(0, semicolon)).trim();
    if (semicolon >= 0) marker = rest.slice(semicolon + 1);
    const problem = checkSpecifiers(specifiers);
    if (problem) return `pip requirement \`${text}\` ${problem}`;
  }
  if (marker !== undefined) {
    const problem = checkMarker(marker);
    if (problem) return `pip requirement \`${text}\` has an invalid environment marker: ${problem}`;
  }
  return undefined;
}

function checkSpecifiers(raw: string): string | undefined {
  if (raw === '') return undefined;
  let specifiers = raw;
  if (specifiers.startsWith('(')) {
    if (!specifiers.endsWith(')')) return 'has an unclosed `(` around its version specifiers';
    specifiers = specifiers.slice(1, -1).trim();
  }
  for (const part of specifiers.split(',')) {
    const clause = part.trim();
    const op = VERSION_OPS.find((candidate) => clause.startsWith(candidate));
    if (!op) return `has an invalid version specifier \`${clause}\` (expected one of ${VERSION_OPS.join(' ')})`;
    const version = clause.slice(op.length).trim();
    if (!VERSION.test(version)) return `has an invalid version \`${version}\` in \`${clause}\``;
  }
  return undefined;
}

type MarkerToken = { kind: 'op' | 'str' | 'var' | 'word' | 'paren'; text: string };

const MARKER_TOKEN =
  /\s*(?:(?<paren>[()])|(?<op>===|~=|==|!=|<=|>=|<|>)|'(?<sq>[^']*)'|"(?<dq>[^"]*)"|(?<word>[A-Za-z_][A-Za-z0-9_.]*))/y;
const MARKER_STRING = /^[A-Za-z0-9 ._*+!~<>=,:/@-]*$/;

function tokenizeMarker(marker: string): MarkerToken[] | string {
  const tokens: MarkerToken[] = [];
  MARKER_TOKEN.lastIndex = 0;
  while (MARKER_TOKEN.lastIndex < marker.length) {
    if (marker.slice(MARKER_TOKEN.lastIndex).trim() === '') break;
    const at = MARKER_TOKEN.lastIndex;
    const match = MARKER_TOKEN.exec(marker);
    if (!match?.groups) return `unexpected \`${marker.slice(at).trim()}\``;
    const { paren, op, sq, dq, word } = match.groups;
    if (paren) tokens.push({ kind: 'paren', text: paren });
    else if (op) tokens.push({ kind: 'op', text: op });
    else if (sq !== undefined || dq !== undefined) {
      const text = sq ?? dq ?? '';
      if (!MARKER_STRING.test(text)) return `the string '${text}' holds characters a marker value never needs`;
      tokens.push({ kind: 'str', text });
    } else if (word !== undefined) {
      if (['and', 'or', 'in', 'not'].includes(word)) tokens.push({ kind: 'word', text: word });
      else if (MARKER_VARS.has(word)) tokens.push({ kind: 'var', text: word });
      else return `unknown marker variable \`${word}\``;
    }
  }
  return tokens;
}

/** Recursive descent over PEP 508's marker grammar (or / and / comparison / parentheses). */
function checkMarker(marker: string): string | undefined {
  const tokens = tokenizeMarker(marker);
  if (typeof tokens === 'string') return tokens;
  let index = 0;
  const peek = () => tokens[index];
  const isValue = (token: MarkerToken | undefined) => token?.kind === 'str' || token?.kind === 'var';
  const expression = (): string | undefined => {
    const first = and();
    if (first) return first;
    while (peek()?.text === 'or') {
      index++;
      const next = and();
      if (next) return next;
    }
    return undefined;
  };
  const and = (): string | undefined => {
    const first = comparison();
    if (first) return first;
    while (peek()?.text === 'and') {
      index++;
      const next = comparison();
      if (next) return next;
    }
    return undefined;
  };
  const comparison = (): string | undefined => {
    const token = peek();
    if (token?.text === '(' && token.kind === 'paren') {
      index++;
      const inner = expression();
      if (inner) return inner;
      if (peek()?.text !== ')') return 'missing `)`';
      index++;
      return undefined;
    }
    if (!isValue(token))
      return token ? `expected a variable or a quoted string, found \`${token.text}\`` : 'it ends early';
    index++;
    const op = peek();
    if (op?.kind === 'op' || op?.text === 'in') index++;
    else if (op?.text === 'not' && tokens[index + 1]?.text === 'in') index += 2;
    else return op ? `expected a comparison operator, found \`${op.text}\`` : 'it ends early';
    if (!isValue(peek())) return 'expected a variable or a quoted string after the operator';
    index++;
    return undefined;
  };
  if (tokens.length === 0) return 'it is empty';
  const problem = expression();
  if (problem) return problem;
  const extra = peek();
  return extra ? `unexpected \`${extra.text}\`` : undefined;
}

// --- apt (Debian policy) -----------------------------------------------------------

const APT = /^[a-z0-9][a-z0-9+.-]+(?::[a-z0-9-]+)?(?:=[0-9][A-Za-z0-9.+~:-]*|\/[a-z0-9.-]+)?$/;

/** `name[:arch][=version | /release]`, name per Debian policy (lowercase, >= 2 chars). */
export function validateAptPackage(value: string): string | undefined {
  const common = commonProblem(value, 'apt package', 'apt options are not supported in `aptPackages`');
  if (common) return common;
  if (/\s/.test(value)) return `apt package \`${value}\` contains whitespace; list each package separately`;
  if (!APT.test(value)) {
    return `apt package \`${value}\` is not a Debian package name (lowercase letters, digits, + . -; at least two characters; optional :arch and =version)`;
  }
  return undefined;
}

// --- conda match specs -------------------------------------------------------------

const CONDA =
  /^(?:[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*::)?[A-Za-z0-9_][A-Za-z0-9_.-]*(?:\s*(?:[=<>!~]=?)?\s*[A-Za-z0-9_.*+!,|<>=~-]+(?:\s+[A-Za-z0-9_.*+-]+)?)?\s*(?:\[[^\]]*\])?$/;
const CONDA_BRACKET_ITEM = /^\s*[a-z_]+\s*=\s*(?:'[^']*'|"[^"]*"|[^,'"\s]+)\s*$/;

/** A conda MatchSpec: `[channel::]name[ version[ build]][[key=value,...]]`. */
export function validateCondaPackage(value: string): string | undefined {
  const common = commonProblem(value, 'conda package', 'conda options are not supported in `condaPackages`');
  if (common) return common;
  if (/[;()]/.test(value))
    return `conda package \`${value}\` contains \`${/[;()]/.exec(value)?.[0]}\`, which no conda match spec needs`;
  if (!CONDA.test(value.trim()))
    return `conda package \`${value}\` is not a conda match spec ([channel::]name[ version[ build]])`;
  const bracket = /\[([^\]]*)\]$/.exec(value.trim());
  if (bracket) {
    for (const item of (bracket[1] ?? '').split(',')) {
      if (!CONDA_BRACKET_ITEM.test(item))
        return `conda package \`${value}\` has an invalid bracket item \`${item.trim()}\``;
    }
  }
  return undefined;
}

/** A conda channel: a name (`conda-forge`), `owner/label` or an http(s)/file URL. */
export function validateCondaChannel(value: string): string | undefined {
  const common = commonProblem(value, 'conda channel', 'conda options are not supported in `condaChannels`');
  if (common) return common;
  if (/^[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*$/.test(value)) return undefined;
  return validateUrl(value, 'conda channel');
}

// --- environment, labels, image config --------------------------------------------

/** POSIX portable environment variable name. */
export function validateEnvName(value: string): string | undefined {
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(value)) return undefined;
  return `environment variable name \`${value}\` is not a POSIX name (letters, digits and _; not starting with a digit)`;
}

/** Values reach ENV/LABEL lines: quoted there, but a line break would still split the instruction. */
export function validateConfigValue(value: string, what: string): string | undefined {
  const control = CONTROL.exec(value);
  return control ? `${what} contains ${describeChar(control[0])}` : undefined;
}

/** The image's own label namespace: `dev.imagespec.hash` is set by imagespec. */
const RESERVED_LABEL_PREFIX = 'dev.imagespec.';

/** Label keys per the OCI/Docker convention: reverse-DNS style, [A-Za-z0-9._/-]. */
export function validateLabelKey(value: string): string | undefined {
  if (value.startsWith(RESERVED_LABEL_PREFIX))
    return `label key \`${value}\` is reserved for imagespec (\`${RESERVED_LABEL_PREFIX}*\`)`;
  if (/^[A-Za-z0-9](?:[A-Za-z0-9._/-]*[A-Za-z0-9])?$/.test(value)) return undefined;
  return `label key \`${value}\` may hold only letters, digits, . _ / - and must start and end with a letter or digit`;
}

/** One argument passed to `pip install` as is (quoted by the renderer). */
export function validatePipArg(value: string): string | undefined {
  if (value === '') return 'pip argument is empty';
  const bad = CONTROL.exec(value) ?? /[$`\\|&;<>(){}'"\s]/.exec(value);
  return bad ? `pip argument \`${value}\` contains ${describeChar(bad[0])}` : undefined;
}

/** An http(s) or file URL without characters a shell would act on, and without credentials. */
export function validateUrl(value: string, what: string): string | undefined {
  // Messages show the URL with its password masked: they reach logs and CI output.
  const shown = redactUrlCredentials(value);
  const bad = CONTROL.exec(value) ?? /[$`\\|;<>(){}'"\s]/.exec(value);
  if (bad) return `${what} \`${shown}\` contains ${describeChar(bad[0])}`;
  if (!URL.canParse(value)) return `${what} \`${shown}\` is not a URL`;
  const { protocol } = new URL(value);
  if (!['http:', 'https:', 'file:'].includes(protocol))
    return `${what} \`${shown}\` must be an http, https or file URL`;
  return credentialsProblem(value, what);
}

/**
 * A user name or password in a URL would be written into the Dockerfile, so into the
 * image's history and every build log. They belong in a secret the build mounts.
 */
function credentialsProblem(url: string, what: string): string | undefined {
  if (!hasUrlCredentials(url)) return undefined;
  return `${what} \`${redactUrlCredentials(url)}\` holds credentials (user:password@), which would be written into the image's history and build logs; remove them and pass them as a secret: a pip.conf or .netrc with the index and its credentials through pipSecretMounts (e.g. { src: ./pip.conf, target: /etc/pip.conf }), or your index's credential configuration`;
}

/** OCI platform: os/arch[/variant], e.g. linux/amd64, linux/arm64/v8. */
export function validatePlatform(value: string): string | undefined {
  if (/^[a-z0-9]+\/[a-z0-9_]+(?:\/[a-z0-9]+)?$/.test(value)) return undefined;
  return `platform \`${value}\` is not os/arch[/variant] (e.g. linux/amd64)`;
}

const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const REPOSITORY = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
const DOMAIN =
  '(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\\[[0-9A-Fa-f:]+\\])(?::[0-9]+)?';
const REGISTRY = new RegExp(`^${DOMAIN}(?:/${PATH_COMPONENT})*$`);

/** The registry's limit on `registry/name` (the distribution reference grammar's). */
export const IMAGE_NAME_MAX_LENGTH = 255;

/** Repository path of the image (`name`): lowercase components joined by `/`. */
export function validateImageName(value: string): string | undefined {
  if (value.length > IMAGE_NAME_MAX_LENGTH)
    return `image name is ${value.length} characters long; a registry takes at most ${IMAGE_NAME_MAX_LENGTH} for registry/name`;
  if (REPOSITORY.test(value)) return undefined;
  const hint =
    value.toLowerCase() !== value && REPOSITORY.test(value.toLowerCase()) ? ` (try \`${value.toLowerCase()}\`)` : '';
  return `image name \`${value}\` is not a repository name: lowercase letters, digits and . _ - separators, components joined by /${hint}`;
}

/** Registry host[:port] with an optional path prefix, e.g. localhost:5000/team. */
export function validateRegistry(value: string): string | undefined {
  if (!REGISTRY.test(value))
    return `registry \`${value}\` is not host[:port][/path] (e.g. localhost:5000 or ghcr.io/acme)`;
  const port = /:(\d+)$/.exec(value.split('/')[0] ?? '')?.[1];
  if (port !== undefined && !(Number(port) >= 1 && Number(port) <= 65535))
    return `registry \`${value}\` has the port ${port}; a port is a number from 1 to 65535`;
  return undefined;
}

/** A base image reference, checked by the parser every other module uses (image-ref). */
export function validateBaseImageRef(value: string): string | undefined {
  try {
    parseImageRef(value);
    return undefined;
  } catch (error) {
    if (!isImagespecError(error)) throw error;
    const problem = error.message.replace(/^Invalid image reference .*?: /s, '').replace(/\.$/, '');
    const hint = error.hint?.replace(/\.$/, '').replace(/^./, (c) => c.toLowerCase());
    return `base image \`${value}\` is not an image reference: ${problem}${hint ? ` (${hint})` : ''}`;
  }
}

const REQUIREMENTS_KINDS: readonly [RegExp, RequirementsKind][] = [
  [/^requirements.*\.txt$/, 'requirements.txt'],
  [/^uv\.lock$/, 'uv.lock'],
  [/^poetry\.lock$/, 'poetry.lock'],
];

/** The kind of a requirements file, from its file name; undefined when it is none of them. */
export function requirementsKindOf(path: string): RequirementsKind | undefined {
  const base = path.split(/[\\/]/).pop() ?? '';
  return REQUIREMENTS_KINDS.find(([pattern]) => pattern.test(base))?.[1];
}

/** A tag: up to 128 of [A-Za-z0-9_.-], not starting with . or -. */
export function validateTag(value: string): string | undefined {
  if (/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(value)) return undefined;
  return `tag \`${value}\` is not a valid tag (up to 128 of letters, digits, _ . -; not starting with . or -)`;
}
