import { createHash } from 'node:crypto';
import type { DockerfileHashInput } from '../dockerfile-spec/hash-input.js';
import { ImagespecError } from '../errors.js';
import { validateTag } from '../spec/grammar.js';
import { canonicalJson } from './canonical-json.js';
import type { HashInput } from './hash-input.js';

/** 26 base32 characters: 130 bits of the sha256, short enough for a tag, far from colliding. */
export const HASH_LENGTH = 26;

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** Lowercase RFC 4648 base32 without padding. */
export function base32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32[(buffer << (5 - bits)) & 31];
  return out;
}

/** The content hash: lowercase base32 of sha256(canonical JSON of the input), first 26 characters. */
export function hashOf(input: HashInput | DockerfileHashInput): string {
  const digest = createHash('sha256').update(canonicalJson(input), 'utf8').digest();
  return base32(digest).slice(0, HASH_LENGTH);
}

/** `tagFormat` with every `{hash}` replaced. Throws SPEC_INVALID when the result is no valid tag. */
export function renderTag(tagFormat: string, hash: string): string {
  const tag = tagFormat.replaceAll('{hash}', hash);
  const problem = tagFormat.includes('{hash}')
    ? validateTag(tag)
    : `tag format \`${tagFormat}\` must contain \`{hash}\``;
  if (problem) {
    throw new ImagespecError('SPEC_INVALID', `Cannot make a tag from tagFormat \`${tagFormat}\`: ${problem}.`, {
      hint: 'Use letters, digits, _ . - around {hash}, e.g. `v1-{hash}`.',
      details: { tagFormat },
    });
  }
  return tag;
}

/** `<registry>/<name>:<tag>`, or `<name>:<tag>` without a registry. */
export function imageName(
  spec: { readonly name: string; readonly registry?: string | undefined },
  tag: string,
): string {
  const registry = spec.registry?.replace(/\/+$/, '');
  return registry ? `${registry}/${spec.name}:${tag}` : `${spec.name}:${tag}`;
}
