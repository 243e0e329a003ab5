/**
 * uv.lock and poetry.lock support. Their own export commands (`uv export`, `poetry export`)
 * need the project's pyproject.toml and the tool itself inside the image, and the build
 * context holds only the lock file; installing a tool needs the network. So the image's
 * own Python turns the lock into pinned requirements with this script, which imports
 * nothing to install: TOML is read with `tomllib` (Python 3.11+), else `tomli`, else the
 * copy pip carries since 21.2 (so Python 3.7+ with a recent pip works), and markers with
 * the `packaging` copy inside pip. pip installs the result with `--no-deps`: the lock
 * already is the full resolution.
 *
 * - uv.lock: walks the dependency graph from the project's own packages (source
 *   editable/virtual), main dependencies and the extras they request, evaluating markers
 *   for the image's Python and platform. The project itself is not installed: copy or
 *   source brings it. Dev groups are left out.
 * - poetry.lock: every package of the "main" group (or category), filtered by its
 *   `markers` when the lock has them (Poetry 2); older locks carry no per-package markers.
 * - Packages from git, URL or path sources fail the build with their name: a container
 *   build cannot reach those paths, and pinning by version would install something else.
 *
 * Hashes: every hash the lock lists for a package (uv.lock: its sdist and wheels;
 * poetry.lock: its `files`, or `[metadata.files]` in locks before lock-version 2) goes on
 * its line as `--hash=<algorithm>:<digest>`, and that file is installed with
 * `--require-hashes`, so an artifact that does not match the lock fails the build. pip's
 * hash checking covers a whole install or nothing, so packages the lock has no hash for
 * (poetry writes `files = []` when a source gave none) go to a second file, installed by
 * version in a second pip run; the build log and `imagespec lint` (rule lock-hashes) name
 * them. A hash pip cannot check (not sha256, sha384 or sha512) fails the build rather than
 * being dropped.
 *
 * Names, versions and hashes are checked before they are written: a requirements file
 * line can carry pip options, so a lock's strings must not add any.
 *
 * Usage: `python3 export-lock.py <kind> <lock> <hashed.txt> <unhashed.txt>`. Each failure
 * exits with a message starting `imagespec:` naming the lock file.
 */
export const LOCK_EXPORT_SCRIPT: readonly string[] = [
  'import re, sys',
  'kind, path, hashed_out, unhashed_out = sys.argv[1:5]',
  'def fail(message):',
  '    sys.exit("imagespec: " + path + ": " + message)',
  'try:',
  '    import tomllib as toml',
  'except ImportError:',
  '    try:',
  '        import tomli as toml',
  '    except ImportError:',
  '        try:',
  '            from pip._vendor import tomli as toml',
  '        except ImportError:',
  '            fail("installing from " + kind + " needs Python 3.11 or newer (tomllib), or pip 21.2 or newer (which carries tomli), in the image; found Python " + sys.version.split()[0])',
  'def marker_ok(marker, extras=("",)):',
  '    if not marker:',
  '        return True',
  '    try:',
  '        from packaging.markers import Marker',
  '    except ImportError:',
  '        try:',
  '            from pip._vendor.packaging.markers import Marker',
  '        except ImportError:',
  '            fail("evaluating the marker " + repr(marker) + " needs the packaging module or pip in the image")',
  '    parsed = Marker(marker)',
  '    return any(parsed.evaluate({"extra": extra}) for extra in extras)',
  'def norm(name):',
  '    return "".join("-" if c in "_." else c for c in name.lower())',
  'with open(path, "rb") as f:',
  '    lock = toml.loads(f.read().decode("utf-8"))',
  'packages = lock.get("package", [])',
  'legacy_files = {norm(k): v for k, v in lock.get("metadata", {}).get("files", {}).items()}',
  'NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?")',
  'VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+!_-]*")',
  'HASH = re.compile(r"(sha256|sha384|sha512):[0-9a-fA-F]+")',
  'def hashes(package):',
  '    if kind == "uv.lock":',
  '        files = [package.get("sdist", {})] + package.get("wheels", [])',
  '    else:',
  '        files = package.get("files") or legacy_files.get(norm(package["name"]), [])',
  '    found = set()',
  '    for file in files:',
  '        value = file.get("hash")',
  '        if value is None:',
  '            continue',
  '        if not isinstance(value, str) or not HASH.fullmatch(value):',
  '            fail("package " + package["name"] + " has the hash " + repr(value) + ", which pip cannot check (it takes sha256, sha384 or sha512 as <algorithm>:<hex digest>)")',
  '        found.add(value)',
  '    return sorted(found)',
  'def pin(package):',
  '    source = package.get("source", {})',
  '    if kind == "uv.lock":',
  '        usable = "registry" in source',
  '    else:',
  '        usable = source.get("type") in (None, "legacy")',
  '    if not usable:',
  '        fail("package " + package["name"] + " comes from a " + ", ".join(sorted(source)) + " source, which imagespec cannot install from a lock file; use requirements.txt")',
  '    name, version = package["name"], package.get("version", "")',
  '    if not isinstance(name, str) or not NAME.fullmatch(name) or not isinstance(version, str) or not VERSION.fullmatch(version):',
  '        fail("package " + repr(name) + " version " + repr(version) + " is not a valid distribution name and version")',
  '    return name + "==" + version, hashes(package)',
  'chosen = []',
  'if kind == "uv.lock":',
  '    by_name = {}',
  '    for package in packages:',
  '        by_name.setdefault(norm(package["name"]), []).append(package)',
  '    roots = [p for p in packages if "editable" in p.get("source", {}) or "virtual" in p.get("source", {})]',
  '    if not roots:',
  '        fail("no project package (source editable or virtual) to start from")',
  '    def find(dep):',
  '        found = [p for p in by_name.get(norm(dep["name"]), []) if "version" not in dep or p.get("version") == dep["version"]]',
  '        if len(found) > 1:',
  '            found = [p for p in found if any(marker_ok(m) for m in p.get("resolution-markers", [""]))]',
  '        if not found:',
  '            fail("dependency " + dep["name"] + " is not in the lock file")',
  '        return found[0]',
  '    seen = set()',
  '    todo = [(root, ()) for root in roots]',
  '    while todo:',
  '        package, extras = todo.pop()',
  '        key = (norm(package["name"]), package.get("version"), extras)',
  '        if key in seen:',
  '            continue',
  '        seen.add(key)',
  '        deps = list(package.get("dependencies", []))',
  '        for extra in extras:',
  '            deps += package.get("optional-dependencies", {}).get(extra, [])',
  '        for dep in deps:',
  '            if marker_ok(dep.get("marker"), extras or ("",)):',
  '                todo.append((find(dep), tuple(sorted(dep.get("extra", [])))))',
  '    unique = {(norm(p["name"]), p.get("version")): p for p in (find({"name": n, "version": v}) for n, v, _ in seen)}',
  '    chosen = [p for p in unique.values() if p not in roots]',
  'elif kind == "poetry.lock":',
  '    for package in packages:',
  '        groups = package.get("groups") or [package.get("category", "main")]',
  '        markers = package.get("markers")',
  '        if isinstance(markers, dict):',
  '            markers = markers.get("main")',
  '        if "main" in groups and marker_ok(markers):',
  '            chosen.append(package)',
  'else:',
  '    fail("unknown lock file kind " + kind)',
  'pins = dict(pin(p) for p in chosen)',
  'hashed = sorted(line + "".join(" --hash=" + h for h in pins[line]) for line in pins if pins[line])',
  'unhashed = sorted(line for line in pins if not pins[line])',
  'for out, lines in ((hashed_out, hashed), (unhashed_out, unhashed)):',
  '    with open(out, "w") as f:',
  '        f.write("".join(line + "\\n" for line in lines))',
  'print("imagespec: " + str(len(pins)) + " pinned packages from " + kind + ", " + str(len(hashed)) + " checked against its hashes")',
  'if unhashed:',
  '    print("imagespec: warning: " + path + " has no hashes for " + ", ".join(unhashed) + "; pip installs them by version, without checking their contents")',
];
