import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { isImagespecError } from '../errors.js';
import { computeImageIdentity } from '../hash/identity.js';
import { imageSpecJsonSchema } from './json-schema.js';
import { parseSpecText } from './load.js';
import { type Env, substituteVariables } from './substitute.js';

const parse = (text: string, env: Env, format: 'yaml' | 'json' = 'yaml') =>
  parseSpecText(text, { file: `/virtual/spec.${format}`, format, env });

function refusal(run: () => unknown): { code: string; message: string } {
  try {
    run();
  } catch (error) {
    if (isImagespecError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected an error');
}

describe('substituteVariables', () => {
  it('reads ${VAR}, ${VAR:-default} and $$ as compose does', () => {
    const env = { REG: 'localhost:5000', EMPTY: '' };
    expect(substituteVariables('${REG}/ml', env)).toEqual({ ok: true, value: 'localhost:5000/ml' });
    expect(substituteVariables('${EMPTY}x', env)).toEqual({ ok: true, value: 'x' });
    expect(substituteVariables('${EMPTY:-d}|${UNSET:-3.12}|${REG:-no}', env)).toEqual({
      ok: true,
      value: 'd|3.12|localhost:5000',
    });
    expect(substituteVariables('$${REG} costs $$5 and $HOME stays', env)).toEqual({
      ok: true,
      value: '${REG} costs $5 and $HOME stays',
    });
  });

  it('names an unset variable and a malformed reference', () => {
    expect(substituteVariables('a ${NOPE} b', {})).toEqual({
      ok: false,
      message: 'variable `NOPE` is not set: set it in the environment, or give a default with `${NOPE:-...}`',
    });
    const malformed = substituteVariables('${1X}', {});
    expect(malformed.ok).toBe(false);
    expect(!malformed.ok && malformed.message).toMatch(/^`\$\{1X\}` is not a variable reference/);
  });

  it('does not read inherited properties as variables', () => {
    expect(substituteVariables('${constructor}', {}).ok).toBe(false);
  });
});

describe('variables in spec files', () => {
  it('substitutes values in YAML, nested maps and lists, and flytekit names; keys stay', () => {
    const { specs } = parse(
      [
        'name: ${NAME:-app}',
        'registry: ${REG}',
        'python_version: ${PY:-3.11}',
        'packages: ["numpy==${NUMPY}"]',
        'env:',
        '  MODE: ${VALUE}',
      ].join('\n'),
      { REG: 'localhost:5000', NUMPY: '2.1.0', KEY: 'ignored', VALUE: 'v' },
    );
    const spec = specs[0]!;
    expect(spec).toMatchObject({ name: 'app', registry: 'localhost:5000', pythonVersion: '3.11' });
    expect(spec.packages).toEqual(['numpy==2.1.0']);
    expect(spec.env).toEqual({ MODE: 'v' });
    const key = refusal(() => parse('name: app\nenv:\n  ${KEY}: v\n', { KEY: 'K' }));
    expect(key.message).toContain('environment variable name `${KEY}` is not a POSIX name');
  });

  it('leaves commands, verify, entrypoint and cmd to the shell', () => {
    const { specs } = parse(
      [
        'name: app',
        'baseImage: busybox:1.36',
        'commands: ["echo ${HOME} $$ $USER"]',
        'verify: ["test -n \\"${PATH}\\""]',
        'entrypoint: ["sh", "-c", "exec ${APP}"]',
        'cmd: "${ARG}"',
      ].join('\n'),
      {},
    );
    expect(specs[0]).toMatchObject({
      commands: ['echo ${HOME} $$ $USER'],
      verify: ['test -n "${PATH}"'],
      entrypoint: ['sh', '-c', 'exec ${APP}'],
      cmd: ['/bin/sh', '-c', '${ARG}'],
    });
  });

  it('substitutes in JSON files and in an inline base spec', () => {
    const { specs } = parse(
      JSON.stringify({ name: 'app', baseImage: { name: 'base', baseImage: 'python:${PY}-slim' } }),
      { PY: '3.12' },
      'json',
    );
    const base = specs[0]!.baseImage;
    expect(typeof base === 'object' && base.baseImage).toBe('python:3.12-slim');
  });

  it('refuses an unset variable with its name, field and file:line:col (every one at once)', () => {
    const { code, message } = refusal(() =>
      parse(['name: app', 'registry: ${REGISTRY}', 'images_unused: 1', 'labels:', '  team: ${TEAM}'].join('\n'), {}),
    );
    expect(code).toBe('SPEC_INVALID');
    expect(message).toContain('/virtual/spec.yaml:2:1 registry: variable `REGISTRY` is not set');
    expect(message).toContain('${REGISTRY:-...}');
    expect(message).toContain('/virtual/spec.yaml:5:3 labels.team: variable `TEAM` is not set');
  });

  it('hashes the substituted value: two environments, two tags', async () => {
    const text = 'name: app\nbaseImage: busybox:1.36\nenv:\n  MODE: ${MODE:-dev}\n';
    const tag = async (env: Env) => (await computeImageIdentity(parse(text, env).specs[0]!)).tag;
    const [dev, prod, defaulted] = await Promise.all([tag({ MODE: 'dev' }), tag({ MODE: 'prod' }), tag({})]);
    expect(dev).not.toBe(prod);
    expect(defaulted).toBe(dev);
  });
});

describe('the JSON Schema and variables', () => {
  it('lets `${VAR}` through in fields with a pattern, and still refuses what no variable is in', () => {
    const validate = new Ajv({ strictRequired: false, allowUnionTypes: true }).compile(imageSpecJsonSchema());
    const spec = {
      name: '${NAME}',
      pythonVersion: '${PY:-3.12}',
      platform: '${PLATFORM}',
      requirements: '${REQS}',
      user: 'app:${GROUP}',
      workdir: '${WORKDIR}',
    };
    expect(validate(spec), JSON.stringify(validate.errors)).toBe(true);
    expect(
      parse(
        JSON.stringify(spec),
        { NAME: 'app', PLATFORM: 'linux/amd64', REQS: 'requirements.txt', GROUP: 'app', WORKDIR: '/app' },
        'json',
      ).specs[0],
    ).toMatchObject({ name: 'app', pythonVersion: '3.12', platforms: ['linux/amd64'], workdir: '/app' });
    expect(validate({ name: 'Not Valid', pythonVersion: 'three' })).toBe(false);
  });
});
