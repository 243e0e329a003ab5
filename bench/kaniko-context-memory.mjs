#!/usr/bin/env node
// Bench kaniko-context-memory: peak RSS of the process that streams a generated 1 GiB gzipped
// build context into a Kaniko pod's stdin. Subject: @imagespec/builder-kaniko's build()
// from the built dist (attach with backpressure). Baseline: @kubernetes/client-node's own
// Attach.attach with the same stream (it sends every chunk at once). Both talk to the
// STAND-IN Kubernetes API server (packages/builder-kaniko/test/fake-kube-api-server.ts,
// loaded through jiti) running in this parent process, which counts and drops stdin. Each run
// is a child process, so its maxRSS is the client's alone. Alternated after a warm-up; medians.
// Issue #15's limit is 150 MB (10^6 bytes) of peak RSS: `met` holds when every subject run stays under it.
// BENCH_KANIKO_DIST: another build of the builder (an A/B against an older dist).
// BENCH_KANIKO_LINK_MIBPS=0 skips the slow-link measure.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable, Transform } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createGzip } from 'node:zlib';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = process.env.BENCH_KANIKO_DIST ?? `${root}packages/builder-kaniko/dist/index.js`;
const GiB = 1024 ** 3;
const bytes = Number(process.env.BENCH_KANIKO_BYTES ?? GiB);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const linkMiBps = Number(process.env.BENCH_KANIKO_LINK_MIBPS ?? 25);
const LIMIT_MB = 150;
const DIGEST = `sha256:${'ab'.repeat(32)}`;

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** A gzip stream of about `size` bytes: a tar with a Dockerfile and one big file, deflate level 0 (stored). */
async function generatedContext(size) {
  const { default: tar } = await import(pathToFileURL(`${root}node_modules/tar-stream/index.js`).href);
  const pack = tar.pack();
  pack.entry({ name: 'Dockerfile', mtime: new Date(0) }, 'FROM scratch\nCOPY big /big\n');
  const block = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < block.length; i += 1) block[i] = (i * 2654435761) >>> 24; // deterministic filler
  const entry = pack.entry({ name: 'big', size, mtime: new Date(0) }, (error) => {
    if (error) throw error;
    pack.finalize();
  });
  let left = size;
  const source = new Readable({
    read() {
      if (left <= 0) return this.push(null);
      const n = Math.min(left, block.length);
      left -= n;
      this.push(n === block.length ? block : block.subarray(0, n));
    },
  });
  source.pipe(entry);
  return pack
    .pipe(createGzip({ level: 0, chunkSize: Number(process.env.BENCH_CHUNK ?? 16384) }))
    .pipe(new PassThrough());
}

async function child(mode, kubeconfig) {
  const started = process.hrtime.bigint();
  let sent = 0;
  // Counted in the pipeline: a 'data' listener would switch the stream to flowing and lose chunks.
  const context = (await generatedContext(bytes)).pipe(
    new Transform({
      transform(chunk, _encoding, callback) {
        sent += chunk.length;
        callback(null, chunk);
      },
    }),
  );
  if (mode === 'subject') {
    const { default: kaniko } = await import(pathToFileURL(dist).href);
    const options = kaniko.optionsSchema.safeParse({ kubeconfig, namespace: 'bench' }).data;
    const host = {
      logger: { debug() {}, info() {}, warn: (m) => console.error(m) },
      registries: { credentials: async () => undefined, insecure: () => false, mirror: (r) => r },
      cwd: root,
      env: {},
      tempDir: async () => ({ path: tmpdir(), dispose: async () => {} }),
    };
    const builder = await kaniko.create(options, host);
    await builder.build({
      spec: { platforms: [], pipSecretMounts: [], verify: [] },
      image: 'localhost:5000/bench/app:1',
      hash: 'bench',
      baseImage: 'scratch',
      push: true,
      platforms: [],
      secrets: [],
      dockerfile: () => '',
      context: () => context,
      events: { emit() {} },
      signal: new AbortController().signal,
    });
  } else {
    const k8s = await import('@kubernetes/client-node');
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(kubeconfig);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const pod = await core.createNamespacedPod({
      namespace: 'bench',
      body: {
        metadata: { generateName: 'baseline-' },
        spec: {
          restartPolicy: 'Never',
          containers: [{ name: 'kaniko', image: 'kaniko', stdin: true, stdinOnce: true }],
        },
      },
    });
    const name = pod.metadata.name;
    while ((await core.readNamespacedPod({ name, namespace: 'bench' })).status?.phase !== 'Running') {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const ws = await new k8s.Attach(kc).attach('bench', name, 'kaniko', null, null, context, false);
    await new Promise((resolve) => ws.once('close', resolve));
    await core.deleteNamespacedPod({ name, namespace: 'bench' });
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(JSON.stringify({ maxRssBytes: process.resourceUsage().maxRSS * 1024, sent, seconds }));
}

function runChild(mode, kubeconfig, size) {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [fileURLToPath(import.meta.url), '--child', mode, kubeconfig], {
      cwd: root,
      env: { ...process.env, BENCH_KANIKO_BYTES: String(size) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    proc.stdout.on('data', (chunk) => {
      out += chunk;
    });
    proc.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim().split('\n').at(-1)))
        : reject(new Error(`${mode} child exited ${code}`)),
    );
  });
}

async function parent() {
  if (!existsSync(dist)) {
    console.error(`${dist} is missing: run \`npm run build\` first.`);
    process.exit(1);
  }
  const { createJiti } = await import('jiti');
  const jiti = createJiti(import.meta.url);
  const { FakeKubeApiServer } = await jiti.import(`${root}packages/builder-kaniko/test/fake-kube-api-server.ts`);
  const fake = await FakeKubeApiServer.start();
  const dir = await mkdtemp(join(tmpdir(), 'bench-kaniko-'));
  const kubeconfig = join(dir, 'config');
  await writeFile(kubeconfig, fake.kubeconfig());
  try {
    // A local link (the client's own CPU is the limit), then a link slower than the client.
    await measure(fake, kubeconfig, 'local link', undefined);
    if (linkMiBps > 0) await measure(fake, kubeconfig, `${linkMiBps} MiB/s link`, linkMiBps * 1024 * 1024);
  } finally {
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function measure(fake, kubeconfig, link, stdinBytesPerSecond) {
  // The stand-in drops stdin without gunzipping it, then "builds" at once.
  fake.scenario = { verifyGzip: false, logLines: [], terminationMessage: DIGEST, stdinBytesPerSecond };
  const first = fake.created.length;
  {
    await runChild('subject', kubeconfig, 64 * 1024 * 1024);
    await runChild('baseline', kubeconfig, 64 * 1024 * 1024);
    const subject = [];
    const baseline = [];
    for (let i = 0; i < runs; i += 1) {
      subject.push(await runChild('subject', kubeconfig, bytes));
      baseline.push(await runChild('baseline', kubeconfig, bytes));
    }
    // Runs alternate subject, baseline after the two warm-up pods: each pod got what its run sent.
    const sent = subject.flatMap((run, i) => [run.sent, baseline[i].sent]);
    const receivedAll = fake.created.slice(first + 2).every((pod, i) => pod.stdin.bytes === sent[i]);
    const sm = median(subject.map((r) => r.seconds));
    const bm = median(baseline.map((r) => r.seconds));
    const mib = (values) => Number((median(values) / 1024 ** 2).toFixed(1));
    const mb = (values) => Number((median(values) / 1e6).toFixed(1));
    const subjectMax = Math.max(...subject.map((r) => r.maxRssBytes));
    console.log(
      JSON.stringify({
        bench: 'kaniko-context-memory',
        subject: 'builder-kaniko build(): attach with backpressure',
        dist: process.env.BENCH_KANIKO_DIST ? dist : undefined,
        baseline: 'client-node Attach.attach (no backpressure)',
        subject_median_s: Number(sm.toFixed(3)),
        baseline_median_s: Number(bm.toFixed(3)),
        ratio: Number((sm / bm).toFixed(3)),
        runs,
        link,
        context_bytes: subject[0].sent,
        subject_peak_rss_mib: mib(subject.map((r) => r.maxRssBytes)),
        baseline_peak_rss_mib: mib(baseline.map((r) => r.maxRssBytes)),
        subject_peak_rss_mib_max: Number((subjectMax / 1024 ** 2).toFixed(1)),
        subject_peak_rss_mb: mb(subject.map((r) => r.maxRssBytes)),
        baseline_peak_rss_mb: mb(baseline.map((r) => r.maxRssBytes)),
        subject_peak_rss_mb_max: Number((subjectMax / 1e6).toFixed(1)),
        limit_mb: LIMIT_MB,
        met: subjectMax < LIMIT_MB * 1e6,
        stand_in_received_all: receivedAll,
      }),
    );
  }
}

if (process.argv[2] === '--child') await child(process.argv[3], process.argv[4]);
else await parent();
