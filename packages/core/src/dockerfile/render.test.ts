import { describe, expect, it } from 'vitest';
import { testSpec } from '../../test/test-spec.js';
import { isImagespecError } from '../errors.js';
import { renderDockerfile } from './render.js';

const HASH = 'abcdefghijklmnopqrstuvwxyz';
const BUSYBOX = '127.0.0.1:5000/imagespec-test/busybox:1';
const PYTHON = '127.0.0.1:5000/imagespec-test/python:3-bookworm';

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('renderDockerfile', () => {
  it('renders a minimal spec', () => {
    const spec = testSpec();
    const plain = renderDockerfile(spec, { dialect: 'plain', baseImage: BUSYBOX, hash: HASH });
    expect(plain).toMatchInlineSnapshot(`
      "FROM 127.0.0.1:5000/imagespec-test/busybox:1
      LABEL dev.imagespec.hash="abcdefghijklmnopqrstuvwxyz"
      "
    `);
    expect(renderDockerfile(spec, { dialect: 'buildkit', baseImage: BUSYBOX, hash: HASH })).toBe(plain);
  });

  const python = testSpec({
    pythonVersion: '3.11',
    packages: ['isp-beta==2.0.0', 'numpy>=1.26; python_version >= "3.9"'],
    requirements: { path: '/project/requirements.txt', kind: 'requirements.txt' },
    pipIndex: 'http://127.0.0.1:8080/simple/',
    pipExtraIndexUrl: ['http://127.0.0.1:8081/simple/'],
    pipExtraArgs: ['--prefer-binary'],
  });

  it('renders python packages, requirements and index options (buildkit)', () => {
    expect(renderDockerfile(python, { dialect: 'buildkit', baseImage: PYTHON, hash: HASH })).toMatchInlineSnapshot(`
      "FROM 127.0.0.1:5000/imagespec-test/python:3-bookworm
      RUN command -v python3 >/dev/null 2>&1 || { echo 'imagespec: the spec asks for Python 3.11 but the image has no python3' >&2; exit 1; } \\
          && python3 -c 'import sys; want = "3.11"; have = "%d.%d.%d" % sys.version_info[:3]; (have + ".").startswith(want + ".") or sys.exit("imagespec: the spec asks for Python " + want + " but the image has " + have + " (" + sys.executable + "); choose a base image with that Python")'
      COPY ["_imagespec/requirements/requirements.txt","/tmp/imagespec/requirements/requirements.txt"]
      RUN --mount=type=cache,target=/root/.cache/pip \\
          PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install --disable-pip-version-check --index-url 'http://127.0.0.1:8080/simple/' --extra-index-url 'http://127.0.0.1:8081/simple/' '--prefer-binary' \\
            -r '/tmp/imagespec/requirements/requirements.txt' 'isp-beta==2.0.0' 'numpy>=1.26; python_version >= "3.9"'
      LABEL dev.imagespec.hash="abcdefghijklmnopqrstuvwxyz"
      "
    `);
  });

  it('renders python packages, requirements and index options (plain)', () => {
    expect(renderDockerfile(python, { dialect: 'plain', baseImage: PYTHON, hash: HASH })).toMatchInlineSnapshot(`
      "FROM 127.0.0.1:5000/imagespec-test/python:3-bookworm
      RUN command -v python3 >/dev/null 2>&1 || { echo 'imagespec: the spec asks for Python 3.11 but the image has no python3' >&2; exit 1; } \\
          && python3 -c 'import sys; want = "3.11"; have = "%d.%d.%d" % sys.version_info[:3]; (have + ".").startswith(want + ".") or sys.exit("imagespec: the spec asks for Python " + want + " but the image has " + have + " (" + sys.executable + "); choose a base image with that Python")'
      COPY ["_imagespec/requirements/requirements.txt","/tmp/imagespec/requirements/requirements.txt"]
      RUN PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install --disable-pip-version-check --no-cache-dir --index-url 'http://127.0.0.1:8080/simple/' --extra-index-url 'http://127.0.0.1:8081/simple/' '--prefer-binary' \\
            -r '/tmp/imagespec/requirements/requirements.txt' 'isp-beta==2.0.0' 'numpy>=1.26; python_version >= "3.9"'
      LABEL dev.imagespec.hash="abcdefghijklmnopqrstuvwxyz"
      "
    `);
  });

  const apt = testSpec({ aptPackages: ['curl', 'git=1:2.39.*'] });
  it('renders apt packages (buildkit)', () => {
    expect(renderDockerfile(apt, { dialect: 'buildkit', baseImage: PYTHON, hash: HASH })).toMatchInlineSnapshot(`
      "FROM 127.0.0.1:5000/imagespec-test/python:3-bookworm
      RUN --mount=type=cache,target=/var/cache/apt,sharing=locked --mount=type=cache,target=/var/lib/apt,sharing=locked \\
          rm -f /etc/apt/apt.conf.d/docker-clean \\
          && echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' > /etc/apt/apt.conf.d/keep-cache \\
          && apt-get update \\
          && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \\
            'curl' 'git=1:2.39.*'
      LABEL dev.imagespec.hash="abcdefghijklmnopqrstuvwxyz"
      "
    `);
  });
  it('renders apt packages (plain)', () => {
    expect(renderDockerfile(apt, { dialect: 'plain', baseImage: PYTHON, hash: HASH })).toMatchInlineSnapshot(`
      "FROM 127.0.0.1:5000/imagespec-test/python:3-bookworm
      RUN apt-get update \\
          && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \\
            'curl' 'git=1:2.39.*' \\
          && rm -rf /var/lib/apt/lists/*
      LABEL dev.imagespec.hash="abcdefghijklmnopqrstuvwxyz"
      "
    `);
  });

  it('renders copy, commands and source in that order', () => {
    const spec = testSpec({
      copy: [
        { src: '/project/config/app.toml', dest: '/etc/app/app.toml' },
        { src: '/project/data dir', dest: '/root/data dir' },
      ],
      commands: ['echo "hello $HOME" > /hello', "test -f /etc/app/app.toml && echo 'it'\\''s there'"],
      sourceRoot: '/project/src',
      workdir: '/app',
    });
    expect(renderDockerfile(spec, { dialect: 'plain', baseImage: BUSYBOX, hash: HASH })).toMatchInlineSnapshot(`
      "FROM 127.0.0.1:5000/imagespec-test/busybox:1
      WORKDIR /app
      COPY ["_imagespec/copy/0/app.toml","/etc/app/app.toml"]
      COPY ["_imagespec/copy/1/data dir","/root/data dir"]
      RUN echo "hello $HOME" > /hello
      RUN test -f /etc/app/app.toml && echo 'it'\\''s there'
      COPY ["_imagespec/source","/app"]
      LABEL dev.imagespec.hash="abcdefghijklmnopqrstuvwxyz"
      "
    `);
  });

  it('renders env, labels, workdir, user, entrypoint and cmd', () => {
    const spec = testSpec({
      env: { GREETING: 'hello "world" $HOME \\ #not-a-comment', PATH: '/opt/bin:/usr/bin', UNICODE: 'ünï 🐳' },
      labels: { 'org.opencontainers.image.source': 'https://example.invalid/repo', team: 'ml $(whoami)' },
      workdir: '/srv/app',
      user: '1000:1000',
      entrypoint: ['/bin/sh', '-c', 'echo "$1"\n', '--'],
      cmd: ['a b', "it's", '\\'],
    });
    expect(renderDockerfile(spec, { dialect: 'buildkit', baseImage: BUSYBOX, hash: HASH })).toMatchInlineSnapshot(`
      "FROM 127.0.0.1:5000/imagespec-test/busybox:1
      ENV GREETING="hello \\"world\\" \\$HOME \\\\ #not-a-comment" \\
          PATH="/opt/bin:/usr/bin" \\
          UNICODE="ünï 🐳"
      WORKDIR /srv/app
      LABEL dev.imagespec.hash="abcdefghijklmnopqrstuvwxyz" \\
          org.opencontainers.image.source="https://example.invalid/repo" \\
          team="ml \\$(whoami)"
      USER 1000:1000
      ENTRYPOINT ["/bin/sh","-c","echo \\"$1\\"\\n","--"]
      CMD ["a b","it's","\\\\"]
      "
    `);
  });

  it('renders pip secret mounts in the buildkit dialect only', () => {
    const spec = testSpec({
      packages: ['private-pkg'],
      pipSecretMounts: [
        { id: 'netrc', src: '/home/me/.netrc', target: '/root/.netrc' },
        { id: 'pipconf', env: 'PIP_CONF', target: '/etc/pip.conf' },
      ],
    });
    expect(renderDockerfile(spec, { dialect: 'buildkit', baseImage: PYTHON, hash: HASH })).toMatchInlineSnapshot(`
      "FROM 127.0.0.1:5000/imagespec-test/python:3-bookworm
      RUN --mount=type=cache,target=/root/.cache/pip --mount=type=secret,id=netrc,target=/root/.netrc --mount=type=secret,id=pipconf,target=/etc/pip.conf \\
          PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install --disable-pip-version-check \\
            'private-pkg'
      LABEL dev.imagespec.hash="abcdefghijklmnopqrstuvwxyz"
      "
    `);
    const error = catchError(() => renderDockerfile(spec, { dialect: 'plain', baseImage: PYTHON, hash: HASH }));
    expect(isImagespecError(error) && error.code).toBe('BUILDER_UNSUPPORTED');
    expect(isImagespecError(error) && error.hint).toMatch(/BuildKit builder/);
  });

  it('renders conda packages with micromamba and the python version', () => {
    const spec = testSpec({
      pythonVersion: '3.12',
      condaPackages: ['numpy=1.26', 'pandas'],
      condaChannels: ['conda-forge', 'nvidia'],
      cuda: '12.1',
      cudnn: '8.9',
    });
    expect(renderDockerfile(spec, { dialect: 'plain', baseImage: PYTHON, hash: HASH })).toMatchInlineSnapshot(`
      "FROM 127.0.0.1:5000/imagespec-test/python:3-bookworm
      RUN command -v micromamba >/dev/null 2>&1 || { echo 'imagespec: condaPackages, cuda and cudnn are installed with micromamba, which is not on PATH in the base image; use a base image that has micromamba' >&2; exit 1; } \\
          && micromamba install --yes --name base -c 'conda-forge' -c 'nvidia' 'numpy=1.26' 'pandas' 'cuda-toolkit=12.1' 'cudnn=8.9' 'python=3.12' \\
          && micromamba clean --all --yes
      RUN command -v python3 >/dev/null 2>&1 || { echo 'imagespec: the spec asks for Python 3.12 but the image has no python3' >&2; exit 1; } \\
          && python3 -c 'import sys; want = "3.12"; have = "%d.%d.%d" % sys.version_info[:3]; (have + ".").startswith(want + ".") or sys.exit("imagespec: the spec asks for Python " + want + " but the image has " + have + " (" + sys.executable + "); choose a base image with that Python")'
      LABEL dev.imagespec.hash="abcdefghijklmnopqrstuvwxyz"
      "
    `);
  });

  it('renders a uv.lock install through the exporter script', () => {
    const spec = testSpec({ requirements: { path: '/project/uv.lock', kind: 'uv.lock' }, packages: ['isp-gamma'] });
    const dockerfile = renderDockerfile(spec, { dialect: 'plain', baseImage: PYTHON, hash: HASH });
    const withoutScript = dockerfile.replace(/(printf '%s\\n' \\\n)(?: {6}'.*' \\\n)+/, '$1      <script lines> \\\n');
    expect(withoutScript).toMatchInlineSnapshot(`
      "FROM 127.0.0.1:5000/imagespec-test/python:3-bookworm
      COPY ["_imagespec/requirements/uv.lock","/tmp/imagespec/requirements/uv.lock"]
      RUN mkdir -p /tmp/imagespec && printf '%s\\n' \\
            <script lines> \\
            > /tmp/imagespec/export-lock.py \\
          && python3 /tmp/imagespec/export-lock.py uv.lock '/tmp/imagespec/requirements/uv.lock' /tmp/imagespec/lock-requirements.txt /tmp/imagespec/lock-unhashed.txt \\
          && PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install --disable-pip-version-check --no-cache-dir \\
            --require-hashes --no-deps -r /tmp/imagespec/lock-requirements.txt \\
          && if [ -s /tmp/imagespec/lock-unhashed.txt ]; then PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install --disable-pip-version-check --no-cache-dir \\
            --no-deps -r /tmp/imagespec/lock-unhashed.txt; fi
      RUN PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install --disable-pip-version-check --no-cache-dir \\
            'isp-gamma'
      LABEL dev.imagespec.hash="abcdefghijklmnopqrstuvwxyz"
      "
    `);
  });
});
