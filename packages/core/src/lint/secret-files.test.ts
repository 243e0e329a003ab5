import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ResolvedImageSpec } from '../contract/spec.js';
import { computeImageIdentity } from '../hash/identity.js';
import { EMPTY_LOCK } from '../lock/lock-file.js';
import { parseSpecText } from '../spec/load.js';
import { lintSpecs } from './lint.js';
import { secretFileKind } from './secret-files.js';

describe('secretFileKind', () => {
  const secret = [
    '.env',
    '.env.local',
    'app/.env.production',
    '.env-prod',
    '.envrc',
    'tls/server.pem',
    'server.key',
    'cert.p12',
    'id_rsa',
    'home/.ssh/id_ed25519',
    'id_ecdsa_sk',
    '.npmrc',
    '.pypirc',
    '.netrc',
    '.git-credentials',
    'credentials.json',
    'credentials-prod.json',
    'kubeconfig',
    'ci.kubeconfig',
    '.kube/config',
    'home/.docker/config.json',
  ];
  const harmless = [
    '.env.example',
    '.env.sample',
    '.env.template',
    '.envoy.yaml',
    'environment.yml',
    'id_rsa.pub',
    'keys.py',
    'config.json',
    'docker/config.json',
    'kube/config',
    'my-credentials.json',
    'README.md',
  ];
  it.each(secret)('flags %s', (path) => expect(secretFileKind(path)).toBeDefined());
  it.each(harmless)('leaves %s alone', (path) => expect(secretFileKind(path)).toBeUndefined());
});

// A build gives lint the identities it plans with (the hash's listing); `imagespec lint` walks.
describe.each(['walked', 'from the identity'] as const)('lintSpecs: rule secret-file, trees %s', (trees) => {
  let work: string;
  beforeEach(async () => {
    work = await mkdtemp(join(tmpdir(), 'imagespec-secret-files-'));
  });
  afterEach(async () => {
    await rm(work, { recursive: true, force: true });
  });

  async function put(files: Record<string, string>) {
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(join(work, path)), { recursive: true });
      await writeFile(join(work, path), content);
    }
  }

  async function lint(yaml: string[]) {
    const file = parseSpecText(yaml.join('\n'), { file: join(work, 'imagespec.yaml'), format: 'yaml' });
    const warnings = await lintSpecs(file.specs, {
      lock: EMPTY_LOCK,
      locate: () => file.locate,
      ...(trees === 'from the identity' && {
        identity: (spec: ResolvedImageSpec) => computeImageIdentity(spec, { statCache: false }),
      }),
    });
    return warnings.filter((warning) => warning.rule === 'secret-file');
  }

  const SPEC = [
    'name: app',
    `baseImage: python:3.12-slim@sha256:${'a'.repeat(64)}`,
    'sourceRoot: src',
    'copy:',
    '  - conf',
  ];

  it('names each secret-looking file sent, at the line of the field that sends it', async () => {
    await put({ 'src/main.py': '', 'src/.env': 'TOKEN=x', 'conf/app.yaml': '', 'conf/tls/server.key': '' });
    const warnings = await lint(SPEC);
    expect(warnings.map((w) => [w.line, w.message.split(' looks like')[0]])).toEqual([
      [5, join(work, 'conf/tls/server.key')],
      [3, join(work, 'src/.env')],
    ]);
    expect(warnings[0]?.file).toBe(join(work, 'imagespec.yaml'));
    expect(warnings.find((w) => w.line === 3)?.message).toContain('`!.env` line in');
  });

  it('is quiet for what the ignore rules leave out and for what a .dockerignore `!` line keeps', async () => {
    await put({
      'src/main.py': '',
      'src/.gitignore': '.env\n',
      'src/.env': 'TOKEN=x',
      'src/.venv/pyvenv.cfg': '',
      'src/.venv/id_rsa': '',
      'conf/.dockerignore': '!ca.pem\n',
      'conf/ca.pem': '',
    });
    expect(await lint(SPEC)).toEqual([]);
  });

  it('takes a file a copy entry names directly as meant to ship', async () => {
    await put({ 'src/main.py': '', 'conf/x': '', 'deploy.kubeconfig': '' });
    expect(await lint([...SPEC, '  - deploy.kubeconfig'])).toEqual([]);
  });
});
