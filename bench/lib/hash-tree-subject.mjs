// Child process of the hash-tree bench: computes the tag of a spec whose sourceRoot is the
// given tree with the built @imagespec/core, prints one JSON line. Timed from outside as
// a whole process (start-up included), like the `tar | sha256sum` baseline.
const [dir, mode] = process.argv.slice(2);
const started = performance.now();
const { importCore } = await import('./common.mjs');
const core = await importCore();
let result;
if (mode === 'identity') {
  const spec = core.normalizeSpec({ name: 'bench', baseImage: 'localhost:5000/base:1', sourceRoot: dir }, { dir });
  const identity = await core.computeImageIdentity(spec);
  result = { tag: identity.tag, files: identity.files.source?.files.length };
} else {
  const tree = await core.digestTree(dir);
  result = { digest: tree.digest, files: tree.files.length };
}
console.log(JSON.stringify({ ...result, in_process_s: (performance.now() - started) / 1000 }));
