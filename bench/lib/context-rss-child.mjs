// Child process of the context-rss bench: streams the build context of a spec whose
// sourceRoot is the given tree into a sink that only counts bytes, then prints the byte
// count, the time and the process's peak RSS (process.resourceUsage().maxRSS).
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

const [dir, gzip] = process.argv.slice(2);
const core = await import('../../packages/core/dist/index.js');
const spec = core.normalizeSpec({ name: 'bench', baseImage: 'localhost:5000/base:1', sourceRoot: dir }, { dir });
const started = performance.now();
let bytes = 0;
await pipeline(
  core.createContextStream(spec, 'FROM scratch\n', { gzip: gzip === '1' }),
  new Writable({
    write(chunk, _encoding, callback) {
      bytes += chunk.length;
      callback();
    },
  }),
);
const seconds = (performance.now() - started) / 1000;
console.log(JSON.stringify({ bytes, seconds, max_rss_mb: process.resourceUsage().maxRSS / 1024 }));
