/**
 * `@imagespec/core/hash`: the content hash: its input, the tag, an image's identity and its
 * explanation.
 */

export type { DockerfileHashFacts, DockerfileHashInput } from '../dockerfile-spec/hash-input.js';
export { computeDockerfileHashInput } from '../dockerfile-spec/hash-input.js';
export { canonicalJson } from './canonical-json.js';
export { renderExplain } from './explain.js';
export { HASH_LENGTH, hashOf, imageName, renderTag } from './hash.js';
export type { HashedTree, HashFacts, HashInput } from './hash-input.js';
export { computeHashInput, HASH_INPUT_VERSION } from './hash-input.js';
export type { DockerfileIdentity, HashedFileTree, IdentityFiles, IdentityOptions, ImageIdentity } from './identity.js';
export { computeImageIdentity } from './identity.js';
