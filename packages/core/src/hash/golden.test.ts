import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageSpecInput } from '../contract/spec.js';
import { normalizeSpec } from '../spec/normalize.js';
import { canonicalJson } from './canonical-json.js';
import { hashOf } from './hash.js';
import { computeHashInput, type HashFacts } from './hash-input.js';
import { computeImageIdentity } from './identity.js';

/*
 * GOLDEN VECTORS. These literals pin the content hash, and so every tag ever pushed.
 * Changing one is a breaking change: it re-tags (and rebuilds) every user's images.
 * Do it only together with a new hash input version (`v: 'imagespec/2'`), never to make
 * a test pass. A failure here means the hash input or its encoding changed.
 */

const sha = (char: string) => char.repeat(64);

/** Facts with fixed stand-in digests, so these vectors pin the hash input and its encoding alone. */
function fixedFacts(input: ImageSpecInput, overrides: Partial<HashFacts> = {}): { hash: string; json: string } {
  const spec = normalizeSpec(input, { dir: '/golden' });
  const facts: HashFacts = {
    baseImage: typeof spec.baseImage === 'string' ? spec.baseImage : 'localhost:5000/base:stand-in',
    ...(spec.requirements && { requirementsSha256: sha('a') }),
    copy: spec.copy.map((_, index) => ({ digest: sha(String(index)) })),
    ...(spec.sourceRoot && spec.sourceCopyMode === 'all' && { source: { digest: sha('c') } }),
    ...overrides,
  };
  const hashInput = computeHashInput(spec, facts);
  return { hash: hashOf(hashInput), json: canonicalJson(hashInput) };
}

const everything: ImageSpecInput = {
  name: 'everything',
  registry: 'localhost:5000/team',
  tagFormat: 'v1-{hash}',
  baseImage: 'debian:12-slim',
  platform: ['linux/arm64', 'linux/amd64'],
  pythonVersion: '3.11',
  packages: ['torch==2.3.0', 'numpy>=1.26,<2', 'requests[socks]; python_version >= "3.8"'],
  requirements: 'requirements.txt',
  condaPackages: ['conda-forge::samtools=1.19'],
  condaChannels: ['conda-forge', 'bioconda'],
  aptPackages: ['curl', 'git'],
  commands: ['echo one', 'echo two'],
  env: { PYTHONUNBUFFERED: 1, MODE: 'prod' },
  copy: ['conf', { src: 'model.bin', dest: '/models/model.bin' }],
  sourceRoot: 'src',
  entrypoint: ['python', '-m', 'app'],
  cmd: ['--port', '8080'],
  workdir: '/app',
  user: '1000:1000',
  labels: { 'org.opencontainers.image.source': 'https://127.0.0.1/repo' },
  pipIndex: 'http://127.0.0.1:8080/simple/',
  pipExtraIndexUrl: ['http://127.0.0.1:8081/simple/'],
  pipExtraArgs: '--pre',
  pipSecretMounts: [{ src: 'netrc', target: '/root/.netrc' }],
  cuda: '12.4',
  cudnn: '9',
  verify: ['python -c "import torch"'],
  builder: 'docker',
  builderOptions: { network: 'host' },
};

const VECTORS: Record<string, () => { hash: string; json: string }> = {
  minimal: () => fixedFacts({ name: 'app' }),
  'baseImage busybox': () => fixedFacts({ name: 'app', baseImage: 'busybox:1.36' }),
  'baseImage locked to a digest': () =>
    fixedFacts({ name: 'app', baseImage: 'busybox:1.36' }, { baseImage: `busybox:1.36@sha256:${sha('d')}` }),
  pythonVersion: () => fixedFacts({ name: 'app', pythonVersion: '3.11' }),
  'one platform': () => fixedFacts({ name: 'app', platform: 'linux/amd64' }),
  'two platforms': () => fixedFacts({ name: 'app', platform: ['linux/arm64', 'linux/amd64'] }),
  'one package': () => fixedFacts({ name: 'app', packages: ['numpy==2.1.0'] }),
  'three packages': () => fixedFacts({ name: 'app', packages: ['pandas', 'numpy==2.1.0', 'requests[socks]>=2'] }),
  'requirements.txt': () => fixedFacts({ name: 'app', requirements: 'requirements.txt' }),
  'uv.lock (same bytes)': () => fixedFacts({ name: 'app', requirements: 'uv.lock' }),
  condaPackages: () => fixedFacts({ name: 'app', condaPackages: ['numpy=1.26'] }),
  condaChannels: () => fixedFacts({ name: 'app', condaChannels: ['conda-forge'] }),
  aptPackages: () => fixedFacts({ name: 'app', aptPackages: ['curl'] }),
  commands: () => fixedFacts({ name: 'app', commands: ['echo hello'] }),
  env: () => fixedFacts({ name: 'app', env: { A: '1' } }),
  labels: () => fixedFacts({ name: 'app', labels: { team: 'ml' } }),
  entrypoint: () => fixedFacts({ name: 'app', entrypoint: ['python'] }),
  'cmd (shell form)': () => fixedFacts({ name: 'app', cmd: 'serve' }),
  workdir: () => fixedFacts({ name: 'app', workdir: '/app' }),
  user: () => fixedFacts({ name: 'app', user: 'nobody' }),
  verify: () => fixedFacts({ name: 'app', verify: ['true'] }),
  pipIndex: () => fixedFacts({ name: 'app', pipIndex: 'http://127.0.0.1:8080/simple/' }),
  pipExtraIndexUrl: () => fixedFacts({ name: 'app', pipExtraIndexUrl: 'http://127.0.0.1:8081/simple/' }),
  pipExtraArgs: () => fixedFacts({ name: 'app', pipExtraArgs: ['--pre'] }),
  pipSecretMounts: () => fixedFacts({ name: 'app', pipSecretMounts: [{ env: 'NETRC', target: '/root/.netrc' }] }),
  'cuda and cudnn': () => fixedFacts({ name: 'app', cuda: '12.4', cudnn: '9' }),
  'copy (stand-in digest)': () => fixedFacts({ name: 'app', copy: ['data'] }),
  'source (stand-in digest)': () => fixedFacts({ name: 'app', sourceRoot: '.' }),
  'source under a workdir': () => fixedFacts({ name: 'app', sourceRoot: '.', workdir: '/srv' }),
  everything: () => fixedFacts(everything),
};

const GOLDEN: Record<string, string> = {
  minimal: 'fszhzuximvojxykwgfqhq4fvgp',
  'baseImage busybox': 'q34qawrjnmm3blxav4hgxnwld6',
  'baseImage locked to a digest': '3idhrogszlnhnn563qw4plnhed',
  pythonVersion: 'vsva6irjch6nf37sfwj7zlorpd',
  'one platform': 'ypwbeuzpj6sqshfsajvlgqdke3',
  'two platforms': '7tl5wsh2vfjf57q6ps5tzu7dw6',
  'one package': 'fowscxupzofa2ensa5br6ypzlq',
  'three packages': '2zfo2weq4tg77hn4xj662o7khq',
  'requirements.txt': 'oquzbh5anxx6oqwzwv73rvvk6h',
  'uv.lock (same bytes)': '2hvumefr4rg5loqe3njazbprw3',
  condaPackages: 'uupyyhcy6sjlflqzzmijpxqsxw',
  condaChannels: 'fsvevjmz525utcqvdwmhnwnb4a',
  aptPackages: 'mhaka7xqhllnknubaa3nqja2hj',
  commands: 'zxg3ekqyg6yla7zvhndqea3sob',
  env: '6hjyl2pbbvxpmithmgxaz47sxw',
  labels: 'sup4cetrnu6eqpq2acqd47oi3d',
  entrypoint: 'lmx4djpagqvsnp7iei55ap5jva',
  'cmd (shell form)': 'f4r6wt6pid2bdqeuv4hhtkmw43',
  workdir: 'o3f5qc6uvhqkvw53j74arpcclo',
  user: 'ayyk4ioyutt7dov273mptues7z',
  verify: 'vsbbzs7tny4iniyrkglhk5j2ae',
  pipIndex: 've4zjzccfyymrhp2zcawb6fomu',
  pipExtraIndexUrl: 'kpfhgcjapdwt24qxsoa75we5hd',
  pipExtraArgs: 'lri7o5xxvxo2o5hlolnlin4yh4',
  pipSecretMounts: 'dessywpt6hwyac2gxzabonua6d',
  'cuda and cudnn': 'xmooxrlu4adnitft65irqjujws',
  'copy (stand-in digest)': 'z2qutjaum45ph4iiovmw7va4tp',
  'source (stand-in digest)': 'lhujjixngaqvijuunhu26jyrhz',
  'source under a workdir': 'qkvg44fg7a4azwbtpskqd2qv2p',
  everything: 'hv4jmi4luposlee27fifd2y6s6',
};

describe('golden hash vectors (stand-in file digests)', () => {
  it('pins the canonical JSON of the minimal hash input', () => {
    expect(VECTORS.minimal!().json).toBe(
      '{"aptPackages":[],"baseImage":"python:3.12-slim","commands":[],"condaChannels":[],"condaPackages":[],"copy":[],"env":{},"labels":{},"packages":[],"pipExtraArgs":[],"pipExtraIndexUrl":[],"pipSecretMounts":[],"platforms":[],"v":"imagespec/1","verify":[]}',
    );
  });

  it.each(Object.keys(VECTORS))('%s', (name) => {
    expect(VECTORS[name]!().hash).toBe(GOLDEN[name]);
  });

  it('gives every vector its own hash', () => {
    const hashes = Object.values(VECTORS).map((vector) => vector().hash);
    expect(new Set(hashes).size).toBe(hashes.length);
  });
});

/* Real trees: the hash over digestTree's records, built with fixed contents and modes. */

type TreeEntry = string | { exec: string } | { link: string } | { dir: true };

async function makeTree(root: string, entries: Record<string, TreeEntry>): Promise<void> {
  for (const [path, entry] of Object.entries(entries)) {
    const full = join(root, path);
    await mkdir(typeof entry === 'object' && 'dir' in entry ? full : dirname(full), { recursive: true });
    if (typeof entry === 'string') {
      await writeFile(full, entry);
      await chmod(full, 0o644);
    } else if ('exec' in entry) {
      await writeFile(full, entry.exec);
      await chmod(full, 0o755);
    } else if ('link' in entry) {
      await symlink(entry.link, full);
    }
  }
}

let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'imagespec-golden-'));
  await makeTree(join(work, 'single'), { 'model.bin': 'weights v1\n' });
  await makeTree(join(work, 'nested'), { 'a.txt': 'alpha\n', 'sub/b.txt': 'beta\n', 'sub/deeper/c.txt': 'gamma\n' });
  await makeTree(join(work, 'exec'), { 'run.sh': { exec: '#!/bin/sh\necho run\n' }, 'lib.sh': 'echo lib\n' });
  await makeTree(join(work, 'link'), { 'target.txt': 'target\n', 'alias.txt': { link: 'target.txt' } });
  await makeTree(join(work, 'source'), {
    'app/__init__.py': '',
    'app/main.py': 'print("main")\n',
    'bin/start': { exec: '#!/bin/sh\nexec python -m app\n' },
    empty: { dir: true },
    '.dockerignore': 'ignored.log\n',
    'ignored.log': 'noise\n',
  });
  await writeFile(join(work, 'requirements.txt'), 'numpy==2.1.0\n');
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function treeHash(input: Omit<ImageSpecInput, 'name'>): Promise<string> {
  const identity = await computeImageIdentity(normalizeSpec({ name: 'tree', ...input }, { dir: work }));
  return identity.hash;
}

const TREE_VECTORS: Record<string, () => Promise<string>> = {
  'requirements file bytes': () => treeHash({ requirements: 'requirements.txt' }),
  'copy one file': () => treeHash({ copy: ['single/model.bin'] }),
  'copy a nested folder': () => treeHash({ copy: ['nested'] }),
  'copy with an exec bit': () => treeHash({ copy: ['exec'] }),
  'copy with a symlink': () => treeHash({ copy: ['link'] }),
  'source tree with .dockerignore and an empty dir': () => treeHash({ sourceRoot: 'source' }),
  'base spec': () => treeHash({ baseImage: { name: 'base', registry: 'localhost:5000', copy: ['nested'] } }),
};

const TREE_GOLDEN: Record<string, string> = {
  'requirements file bytes': 'lm5h4pbpecccly6dccxwpi57tc',
  'copy one file': 'wdcmpebkgxnswzidjr7wzl535c',
  'copy a nested folder': 'g22s3iqkbnwmu4f6mlrf4mjwsx',
  'copy with an exec bit': '3bbseywgwn6eqja4r43bgnc277',
  'copy with a symlink': '7jgisb45td5ukprlve3ihv52sp',
  'source tree with .dockerignore and an empty dir': '2qodqpsnif6d674y5guyo7s7be',
  'base spec': 'x6emdwpv22wkkorqtjioc3o5m6',
};

describe('golden hash vectors (real file trees)', () => {
  it.each(Object.keys(TREE_VECTORS))('%s', async (name) => {
    expect(await TREE_VECTORS[name]!()).toBe(TREE_GOLDEN[name]);
  });
});
