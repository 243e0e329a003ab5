// Child process of the context-rss bench: streams the build context of a spec whose
// sourceRoot is the given tree into a sink that only counts bytes, then prints the byte
// count, the time and the process's peak RSS (process.resourceUsage().maxRSS). Modes:
// `tar`, `gzip`, `verified` (the tar checked against the identity computed first, as a
// build does: hashing included) and `sync` (the BuildKit file sync's entries, each file's
// verified chunks read in turn, as the DiffCopy sender reads them).
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { importCore } from './common.mjs';

const [dir, mode] = process.argv.slice(2);
const core = await importCore();
const spec = core.normalizeSpec({ name: 'bench', baseImage: 'localhost:5000/base:1', sourceRoot: dir }, { dir });
const started = performance.now();
let bytes = 0;
if (mode === 'sync' || mode === 'verified') {
  const identity = await core.computeImageIdentity(spec, { statCache: false });
  if (mode === 'sync') {
    for await (const entry of core.contextSyncEntries(spec, { expected: identity.files })) {
      if (entry.read) for await (const chunk of entry.read()) bytes += chunk.length;
    }
  } else {
    await sink(core.createContextStream(spec, 'FROM scratch\n', { expected: identity.files }));
  }
} else {
  await sink(core.createContextStream(spec, 'FROM scratch\n', { gzip: mode === 'gzip' }));
}
const seconds = (performance.now() - started) / 1000;
console.log(JSON.stringify({ bytes, seconds, max_rss_mb: process.resourceUsage().maxRSS / 1024 }));

function sink(stream) {
  return pipeline(
    stream,
    new Writable({
      write(chunk, _encoding, callback) {
        bytes += chunk.length;
        callback();
      },
    }),
  );
}
