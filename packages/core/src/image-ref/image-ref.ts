import { ImagespecError } from '../errors.js';

/**
 * Image references with Docker's grammar and normalization (the distribution `reference`
 * package: `ParseNormalizedNamed` + `TagNameOnly`), so a name means here exactly what it
 * means to `docker pull`: `ubuntu` is `docker.io/library/ubuntu:latest`.
 *
 *   reference := name [ ":" tag ] [ "@" digest ]
 *   name      := [ domain "/" ] path        (at most 255 characters in all)
 *   domain    := host [ ":" port ]          host: DNS name, IPv4, or [IPv6]
 *   path      := component ( "/" component )*,  component := [a-z0-9]+ ( separator [a-z0-9]+ )*
 *   separator := [._] | "__" | "-"+
 *   tag       := [\w][\w.-]{0,127}
 *   digest    := algorithm ":" hex          (sha256, sha384, sha512: lowercase hex of their length)
 */
export interface ImageRef {
  /** Registry host with optional port, e.g. `docker.io`, `ghcr.io`, `127.0.0.1:5000`. */
  readonly registry: string;
  /** Repository path inside the registry, e.g. `library/ubuntu`. */
  readonly repository: string;
  /** Absent only when a digest is given without a tag. */
  readonly tag?: string;
  /** `algorithm:hex`. */
  readonly digest?: string;
}

export const DEFAULT_REGISTRY = 'docker.io';
const LEGACY_DEFAULT_REGISTRY = 'index.docker.io';
const OFFICIAL_REPO_PREFIX = 'library/';
const DEFAULT_TAG = 'latest';
const NAME_MAX_LENGTH = 255;

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const HOST_RE = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`);
const PATH_COMPONENT_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG_RE = /^\w[\w.-]{0,127}$/;
const DIGEST_ALGORITHM_RE = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*$/;
const DIGEST_HEX_LENGTH: Readonly<Record<string, number>> = { sha256: 64, sha384: 96, sha512: 128 };
const IMAGE_ID_RE = /^[a-f0-9]{64}$/;

/** Parses and normalizes an image reference; throws IMAGE_REF_INVALID naming the part at fault. */
export function parseImageRef(input: string): ImageRef {
  const fail = (part: string, problem: string, hint?: string): never => {
    throw new ImagespecError('IMAGE_REF_INVALID', `Invalid image reference ${JSON.stringify(input)}: ${problem}.`, {
      hint: hint ?? 'Write it as [registry[:port]/]repository[:tag][@algorithm:hex], e.g. ghcr.io/acme/app:1.2.',
      details: { reference: input, part },
    });
  };
  if (typeof input !== 'string' || input === '') fail('reference', 'it is empty');
  if (/\s/u.test(input)) fail('reference', 'it contains whitespace');
  if (IMAGE_ID_RE.test(input)) {
    fail(
      'reference',
      'a 64-character hexadecimal string is an image ID, not a repository name',
      'Use sha256:<id> with docker, or name the repository.',
    );
  }

  const at = input.indexOf('@');
  const namePart = at === -1 ? input : input.slice(0, at);
  const digest = at === -1 ? undefined : input.slice(at + 1);
  if (digest !== undefined) validateDigest(digest, fail);

  const lastSlash = namePart.lastIndexOf('/');
  const colon = namePart.indexOf(':', lastSlash + 1);
  const name = colon === -1 ? namePart : namePart.slice(0, colon);
  const tag = colon === -1 ? undefined : namePart.slice(colon + 1);
  if (tag !== undefined) {
    if (tag === '') fail('tag', 'the tag after ":" is empty');
    else if (tag.length > 128) fail('tag', `the tag is ${tag.length} characters long; at most 128 are allowed`);
    else if (!TAG_RE.test(tag)) {
      fail(
        'tag',
        `the tag ${JSON.stringify(tag)} must start with a letter, digit or "_" and contain only letters, digits, "_", "." and "-"`,
      );
    }
  }

  if (name === '') fail('repository', 'the repository name is empty');
  if (name.length > NAME_MAX_LENGTH)
    fail('repository', `the name is ${name.length} characters long; at most ${NAME_MAX_LENGTH} are allowed`);
  const { registry, remainder } = splitRegistry(name);
  if (!HOST_RE.test(registry))
    fail('registry', `the registry host ${JSON.stringify(registry)} is not a valid host[:port]`);
  if (remainder === '') fail('repository', 'the repository path after the registry is empty');
  if (remainder !== remainder.toLowerCase()) {
    fail(
      'repository',
      `the repository ${JSON.stringify(remainder)} must be lowercase`,
      `Use ${JSON.stringify(remainder.toLowerCase())}.`,
    );
  }
  for (const component of remainder.split('/')) {
    if (!PATH_COMPONENT_RE.test(component)) {
      fail(
        'repository',
        component === ''
          ? `the repository ${JSON.stringify(remainder)} has an empty path component`
          : `the path component ${JSON.stringify(component)} must be lowercase letters and digits separated by ".", "_", "__" or "-"`,
      );
    }
  }
  const repository =
    registry === DEFAULT_REGISTRY && !remainder.includes('/') ? OFFICIAL_REPO_PREFIX + remainder : remainder;
  if (registry.length + 1 + repository.length > NAME_MAX_LENGTH) {
    fail('repository', `the normalized name is longer than ${NAME_MAX_LENGTH} characters`);
  }
  return {
    registry,
    repository,
    ...(tag !== undefined ? { tag } : digest === undefined ? { tag: DEFAULT_TAG } : {}),
    ...(digest !== undefined && { digest }),
  };
}

/** `registry/repository[:tag][@digest]`, fully qualified. */
export function formatImageRef(ref: ImageRef): string {
  return `${ref.registry}/${ref.repository}${ref.tag === undefined ? '' : `:${ref.tag}`}${ref.digest === undefined ? '' : `@${ref.digest}`}`;
}

/** The fully qualified form of a reference: `ubuntu` -> `docker.io/library/ubuntu:latest`. */
export function normalizeImageRef(input: string): string {
  return formatImageRef(parseImageRef(input));
}

/** The short form docker prints: `docker.io/library/ubuntu:latest` -> `ubuntu:latest`. */
export function familiarImageRef(ref: ImageRef): string {
  let name = `${ref.registry}/${ref.repository}`;
  if (ref.registry === DEFAULT_REGISTRY) {
    name =
      ref.repository.startsWith(OFFICIAL_REPO_PREFIX) &&
      !ref.repository.slice(OFFICIAL_REPO_PREFIX.length).includes('/')
        ? ref.repository.slice(OFFICIAL_REPO_PREFIX.length)
        : ref.repository;
  }
  return formatImageRef({ ...ref, registry: '', repository: name }).slice(1);
}

/**
 * Docker's rule: the first component is a registry only if it contains "." or ":", is
 * "localhost", or has uppercase letters (a repository never does).
 */
function splitRegistry(name: string): { registry: string; remainder: string } {
  const slash = name.indexOf('/');
  const first = slash === -1 ? '' : name.slice(0, slash);
  const isRegistry = slash !== -1 && (/[.:]/.test(first) || first === 'localhost' || first.toLowerCase() !== first);
  if (!isRegistry) return { registry: DEFAULT_REGISTRY, remainder: name };
  const registry = first === LEGACY_DEFAULT_REGISTRY ? DEFAULT_REGISTRY : first;
  return { registry, remainder: name.slice(slash + 1) };
}

function validateDigest(digest: string, fail: (part: string, problem: string, hint?: string) => never): void {
  const colon = digest.indexOf(':');
  if (colon === -1)
    fail('digest', `the digest ${JSON.stringify(digest)} must be algorithm:hex, e.g. sha256:<64 hex digits>`);
  const algorithm = digest.slice(0, colon);
  const hex = digest.slice(colon + 1);
  if (!DIGEST_ALGORITHM_RE.test(algorithm))
    fail('digest', `the digest algorithm ${JSON.stringify(algorithm)} is not valid`);
  const length = DIGEST_HEX_LENGTH[algorithm];
  if (length === undefined) {
    fail('digest', `the digest algorithm ${JSON.stringify(algorithm)} is not supported (sha256, sha384 or sha512)`);
  } else if (hex.length !== length || !/^[a-f0-9]+$/.test(hex)) {
    fail('digest', `a ${algorithm} digest must be ${length} lowercase hexadecimal digits, got ${JSON.stringify(hex)}`);
  }
}
