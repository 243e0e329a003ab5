#!/usr/bin/env node
// Bench context-tar: how long createContextStream takes to produce the tar of a tree of
// many small files, in a fresh `node` process using the built core, against GNU
// `tar -cf - DIR | cat >/dev/null` in the same run. Trees: the seeded 1,000-file / 10 MB
// tree of docker-rebuild and the 10,000-file / 100 MB tree of hash-tree (bench/lib/tree.mjs).
// Two modes: `plain` (no check) and `verified` (with the files the tag was computed from,
// as the engine streams it; the identity is computed first and not timed). Warm cache.
// stream_s is the time from the call to the last byte in the child; subject_s the whole
// child process (start-up, import and, when verified, hashing included). Each line also
// gives the sha256 of the tar, so a change to the writer can be checked to keep its bytes.
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ensureCoreBuilt, importCore, median, round, timeProcess } from './lib/common.mjs';
import { ensureTree } from './lib/tree.mjs';

if (process.argv[2] === 'child') {
  // One measurement: `child DIR MODE HASH` prints { bytes, stream_s, sha256? }.
  const [dir, mode, hash] = process.argv.slice(3);
  const core = await importCore();
  const spec = core.normalizeSpec({ name: 'bench', baseImage: 'localhost:5000/base:1', sourceRoot: dir }, { dir });
  const expected = mode === 'verified' ? (await core.computeImageIdentity(spec)).files : undefined;
  const sha256 = hash === '1' ? createHash('sha256') : undefined;
  let bytes = 0;
  const started = performance.now();
  await pipeline(
    core.createContextStream(spec, 'FROM scratch\n', { ...(expected && { expected }) }),
    new Writable({
      write(chunk, _encoding, callback) {
        bytes += chunk.length;
        sha256?.update(chunk);
        callback();
      },
    }),
  );
  const streamSeconds = (performance.now() - started) / 1000;
  console.log(JSON.stringify({ bytes, stream_s: streamSeconds, ...(sha256 && { sha256: sha256.digest('hex') }) }));
  process.exit(0);
}

const runs = Number(process.env.BENCH_RUNS ?? 7);
await ensureCoreBuilt(['createContextStream', 'normalizeSpec', 'computeImageIdentity']);
const log = (line) => console.error(`context-tar: ${line}`);
const trees = [
  { files: 1_000, bytes: 10 * 1024 * 1024, seed: 2 },
  { files: 10_000, bytes: 100 * 1024 * 1024, seed: 1 },
];

for (const options of trees) {
  const dir = await ensureTree({ ...options, log });
  for (const mode of ['plain', 'verified']) {
    const child = (hash = false) => {
      const { seconds, stdout } = timeProcess([
        process.execPath,
        import.meta.filename,
        'child',
        dir,
        mode,
        hash ? '1' : '0',
      ]);
      return { seconds, ...JSON.parse(stdout) };
    };
    const baseline = () => timeProcess(['sh', '-c', 'tar -cf - "$1" 2>/dev/null | cat >/dev/null', 'sh', dir]).seconds;
    const { sha256, bytes } = child(true); // also the warm-up
    baseline();
    const a = [];
    const b = [];
    for (let i = 0; i < runs; i++) {
      a.push(child());
      b.push(baseline());
    }
    const stream = median(a.map((run) => run.stream_s));
    const tar = median(b);
    console.log(
      JSON.stringify({
        bench: 'context-tar',
        subject: `node: createContextStream(spec with sourceRoot=tree${mode === 'verified' ? ', { expected }' : ''}) -> counting sink`,
        baseline: 'tar -cf - DIR | cat >/dev/null',
        mode,
        stream_median_s: round(stream),
        subject_median_s: round(median(a.map((run) => run.seconds))),
        baseline_median_s: round(tar),
        // The stream alone against the whole tar process (which includes its start-up).
        ratio: round(stream / tar, 3),
        runs,
        output_bytes: bytes,
        output_sha256: sha256,
        tree: { files: options.files, bytes: options.bytes, path: dir },
      }),
    );
  }
}
