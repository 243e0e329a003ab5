import { describe, expect, it } from 'vitest';
import { runBin, useTempProjects } from './run-bin.js';
import { recordingBuilder } from './test-builders.js';

const project = useTempProjects();

const SPEC = 'name: hello\nbaseImage: busybox:1.36\ncommands:\n  - echo hi > /hi\nenv:\n  A: "1"\n';
const CONFIG = "export default { builders: ['./recorder.mjs'] };\n";

/** Bad input: exit 2, a message on stderr, never a stack trace. */
function expectBadInput(result: { code: number | null; stderr: string }) {
  expect(result.code).toBe(2);
  expect(result.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
}

describe('imagespec CLI: bad input', () => {
  it('unknown command: exit 2 with a suggestion', async () => {
    const r = await runBin(['biuld'], { cwd: await project({}) });
    expectBadInput(r);
    expect(r.stderr).toContain("unknown command 'biuld'");
    expect(r.stderr).toContain('build');
  });

  it('unknown flag: exit 2 with a suggestion', async () => {
    const r = await runBin(['build', '--forse'], { cwd: await project({}) });
    expectBadInput(r);
    expect(r.stderr).toContain("unknown option '--forse'");
    expect(r.stderr).toContain('--force');
  });

  it('missing spec file: exit 2 naming the path', async () => {
    const r = await runBin(['tag', 'nope.yaml'], { cwd: await project({}) });
    expectBadInput(r);
    expect(r.stderr).toContain('nope.yaml');
  });

  it('no spec file at all: exit 2 with a hint to init', async () => {
    const r = await runBin(['build'], { cwd: await project({}) });
    expectBadInput(r);
    expect(r.stderr).toContain('imagespec init');
  });

  it('YAML syntax error: exit 2 with file:line:column', async () => {
    const dir = await project({ 'bad.yaml': 'name: x\nbaseImage: [unclosed\n' });
    const r = await runBin(['tag', 'bad.yaml'], { cwd: dir });
    expectBadInput(r);
    expect(r.stderr).toMatch(/bad\.yaml:\d+:\d+/);
  });

  it('invalid field: exit 2 with the field path, the position and a did-you-mean', async () => {
    const dir = await project({ 'spec.yaml': 'name: x\nbaseImage: busybox:1\npackagez: [numpy]\n' });
    const r = await runBin(['tag', 'spec.yaml'], { cwd: dir });
    expectBadInput(r);
    expect(r.stderr).toContain('packagez');
    expect(r.stderr).toContain('packages');
    expect(r.stderr).toMatch(/spec\.yaml:3:\d+/);
  });

  it('a --config that does not exist: exit 2', async () => {
    const dir = await project({ 'imagespec.yaml': SPEC });
    const r = await runBin(['--config', 'missing.config.mjs', 'tag'], { cwd: dir });
    expectBadInput(r);
    expect(r.stderr).toContain('missing.config.mjs');
  });

  it('conflicting flags: exit 2', async () => {
    const dir = await project({
      'imagespec.yaml': SPEC,
      'imagespec.config.mjs': CONFIG,
      'recorder.mjs': recordingBuilder(),
    });
    expectBadInput(await runBin(['build', '--push', '--no-push'], { cwd: dir }));
    expectBadInput(await runBin(['build', '--json', '--progress', 'tty'], { cwd: dir }));
    expectBadInput(await runBin(['build', '--concurrency', '0'], { cwd: dir }));
    expectBadInput(await runBin(['build', '--platform', 'amd64'], { cwd: dir }));
  });

  it('--debug shows the stack of an error', async () => {
    const r = await runBin(['--debug', 'tag', 'nope.yaml'], { cwd: await project({}) });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\n\s+at .+/);
  });

  it('a builder plugin that is not installed: exit 2 with the npm command', async () => {
    const dir = await project({
      'imagespec.yaml': SPEC,
      'imagespec.config.json': '{"builders": ["imagespec-builder-nowhere"]}',
    });
    const r = await runBin(['build'], { cwd: dir });
    expectBadInput(r);
    expect(r.stderr).toContain('npm install');
    expect(r.stderr).toContain('imagespec-builder-nowhere');
  });
});

describe('imagespec CLI: commands', () => {
  it('--version and --help', async () => {
    const dir = await project({});
    const version = await runBin(['--version'], { cwd: dir });
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const help = await runBin(['--help'], { cwd: dir });
    expect(help.code).toBe(0);
    for (const command of [
      'build',
      'tag',
      'dockerfile',
      'explain',
      'exists',
      'builders',
      'schema',
      'init',
      'lock',
      'lint',
    ]) {
      expect(help.stdout).toContain(command);
    }
  });

  it('tag prints the image with a 26-character hash tag, stable across runs', async () => {
    const dir = await project({ 'imagespec.yaml': `${SPEC}registry: localhost:5000\n` });
    const first = await runBin(['tag'], { cwd: dir });
    expect(first.code).toBe(0);
    expect(first.stdout.trim()).toMatch(/^localhost:5000\/hello:[a-z2-7]{26}$/);
    expect((await runBin(['tag', 'imagespec.yaml'], { cwd: dir })).stdout).toBe(first.stdout);
  });

  it('dockerfile prints the rendered Dockerfile with the hash label', async () => {
    const dir = await project({ 'imagespec.yaml': SPEC });
    const r = await runBin(['dockerfile', '--dialect', 'plain'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^FROM docker\.io\/library\/busybox:1\.36$/m);
    expect(r.stdout).toContain('dev.imagespec.hash=');
  });

  it('explain shows the hash input and the tag', async () => {
    const dir = await project({ 'imagespec.yaml': SPEC });
    const r = await runBin(['explain', '--json'], { cwd: dir });
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.input.v).toBe('imagespec/1');
    expect(json.image).toMatch(/^hello:[a-z2-7]{26}$/);
  });

  it('explain shows the split build of a pushed spec with packages and source: the base part and its hash', async () => {
    const split = `${SPEC}registry: 127.0.0.1:5000\npackages: [isp-beta==2.0.0]\nsourceRoot: src\nlabels:\n  team: ml\n`;
    const dir = await project({ 'imagespec.yaml': split, 'src/main.py': 'print(1)\n' });
    const json = JSON.parse((await runBin(['explain', '--json'], { cwd: dir })).stdout);
    const base = json.split.base;
    expect(base.image).toMatch(/^127\.0\.0\.1:5000\/hello:[a-z2-7]{26}$/);
    expect(base.image).not.toBe(json.image);
    expect(json.input.source).toBeDefined();
    expect([base.input.source, base.input.labels, base.input.commands]).toEqual([undefined, {}, ['echo hi > /hi']]);
    const text = (await runBin(['explain'], { cwd: dir })).stdout;
    expect(text).toContain(`  base part  ${base.image}\n`);
    expect(text).toContain(`  top        ${json.image}\n`);
    // Without a registry nothing is pushed, so there is no split.
    const local = await project({ 'imagespec.yaml': `${SPEC}sourceRoot: src\n`, 'src/main.py': 'print(1)\n' });
    expect(JSON.parse((await runBin(['explain', '--json'], { cwd: local })).stdout).split).toBeUndefined();
  });

  it('schema prints a JSON Schema that knows the spec fields', async () => {
    const r = await runBin(['schema'], { cwd: await project({}) });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('baseImage');
    expect(() => JSON.parse(r.stdout)).not.toThrow();
  });

  it('build --json: one event per line, a summary last; the plugin got the rendered Dockerfile', async () => {
    const dir = await project({
      'imagespec.yaml': SPEC,
      'imagespec.config.mjs': CONFIG,
      'recorder.mjs': recordingBuilder(),
    });
    const r = await runBin(['build', '--json'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const events = r.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    const types = events.map((e) => e.type);
    expect(types).toContain('building');
    expect(types).toContain('log');
    expect(types.at(-1)).toBe('summary');
    expect(events.at(-1)).toMatchObject({ ok: true, images: [{ name: 'hello', builder: 'recorder' }] });
  });

  it('a second run compiles from the code cache, and still loads builder plugins and TypeScript configs', async () => {
    // A TypeScript config loads jiti, and the plugin is imported natively: both through the bin's import().
    const dir = await project({
      'imagespec.yaml': SPEC,
      'imagespec.config.ts': `const builders: string[] = ['./recorder.mjs'];\nexport default { builders };\n`,
      'recorder.mjs': recordingBuilder(),
    });
    const cache = await project({});
    const env = { IMAGESPEC_CODE_CACHE_DIR: cache };
    const first = await runBin(['build', '--json', '--debug'], { cwd: dir, env });
    expect(first.code).toBe(0);
    expect(first.stderr).toContain(`debug: code cache miss (${cache}/imagespec.cjs-build-`);
    // Node 20 loses import() in a vm.Script compiled from a cache: the plugin load below is what would break.
    const second = await runBin(['build', '--json', '--debug'], { cwd: dir, env });
    expect(second.code).toBe(0);
    expect(second.stderr).toContain('debug: code cache hit');
    expect(JSON.parse(second.stdout.trim().split('\n').at(-1) ?? '')).toMatchObject({
      ok: true,
      images: [{ name: 'hello', builder: 'recorder' }],
    });
  });

  it('a failed build: exit 1, the builder error in the output', async () => {
    const dir = await project({
      'imagespec.yaml': SPEC,
      'imagespec.config.mjs': CONFIG,
      'recorder.mjs': recordingBuilder({ fail: true }),
    });
    const r = await runBin(['build', '--progress', 'plain'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toContain('RUN exploded');
  });

  it('builders lists each configured builder with priority and availability', async () => {
    const dir = await project({ 'imagespec.config.mjs': CONFIG, 'recorder.mjs': recordingBuilder() });
    const r = await runBin(['builders'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/recorder\s+\S+\s+10\s+available/);
  });

  it('piped output has image prefixes and no escape sequences', async () => {
    const dir = await project({
      'imagespec.yaml': SPEC,
      'imagespec.config.mjs': CONFIG,
      'recorder.mjs': recordingBuilder(),
    });
    const r = await runBin(['build'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^hello \| line 0 of hello$/m);
    expect(r.stdout).not.toContain('\u001b[');
    expect(r.stdout).toMatch(/IMAGE\s+TAG\s+BUILDER\s+RESULT\s+TIME/);
  });
});
