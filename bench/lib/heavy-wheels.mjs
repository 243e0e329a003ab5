// The docker-rebuild bench's packages and its naive Dockerfile, shared by the benches that install them.

/**
 * A dependency set that stands for a real one (a scientific stack installs tens of MB in
 * thousands of files): four pure-Python wheels of 600 modules each, ~2.5 MB installed per
 * package, deterministic text. The test wheels (a few hundred bytes) would make the naive
 * reinstall look free.
 */
export function heavyWheels() {
  const words = 'import def class return self value data model train config path name list dict'.split(' ');
  return [1, 2, 3, 4].map((n) => {
    const files = {};
    for (let m = 0; m < 600; m++) {
      const body = Array.from(
        { length: 120 },
        (_, line) => `# ${words[(n * 7 + m * 3 + line) % words.length]} ${n}.${m}.${line}`,
      ).join('\n');
      files[`isp_heavy${n}/mod${m}.py`] = `${body}\nVALUE_${m} = ${m}\n`;
    }
    files[`isp_heavy${n}/__init__.py`] = `NAME = 'heavy${n}'\n`;
    return { name: `isp-heavy${n}`, version: '1.0.0', files };
  });
}

/** The naive Dockerfile, as often hand-written: the source first, then the pip install, so every source edit reinstalls. */
export function naivePipDockerfile(baseImage, indexUrl, packages) {
  return [
    `FROM ${baseImage}`,
    'WORKDIR /app',
    'COPY . /app',
    `RUN PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install --disable-pip-version-check --no-cache-dir --index-url '${indexUrl}' ${packages.join(' ')}`,
    '',
  ].join('\n');
}
