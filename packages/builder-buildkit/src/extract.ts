import { createWriteStream } from 'node:fs';
import { link, mkdir, symlink } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ImagespecError } from '@imagespec/core/builder';

/**
 * Unpacks core's context tar into a folder: buildctl hands the daemon folders (--local),
 * not tar streams. Regular files keep their mode; symlinks stay symlinks (never followed
 * here); entries that would land outside `dest` are refused.
 */
export async function extractTar(source: NodeJS.ReadableStream, dest: string, signal?: AbortSignal): Promise<void> {
  const { extract } = await import('tar-stream');
  const root = resolve(dest);
  const extractor = extract();
  // The folder starts empty, so the only symlinks in it are the ones made here: never write through them.
  const symlinks = new Set<string>();
  extractor.on('entry', (header, entry, next) => {
    // tar-stream 3 destroys the entry with the error passed to next(); the extractor reports it.
    entry.on('error', () => {});
    writeEntry(root, header, entry as unknown as NodeJS.ReadableStream, symlinks).then(
      () => next(),
      (error: unknown) => {
        entry.resume();
        next(error as Error);
      },
    );
  });
  await mkdir(root, { recursive: true });
  // tar-stream 3 is a streamx stream: Node's pipeline drives it, but its types are not Node's.
  await pipeline(source, extractor as unknown as NodeJS.WritableStream, ...(signal ? [{ signal }] : []));
}

interface EntryHeader {
  name: string;
  type?: string | null;
  mode?: number;
  linkname?: string | null;
}

async function writeEntry(
  root: string,
  header: EntryHeader,
  entry: NodeJS.ReadableStream,
  symlinks: Set<string>,
): Promise<void> {
  const target = inside(root, header.name);
  for (let dir = dirname(target); dir.length > root.length; dir = dirname(dir)) {
    if (symlinks.has(dir)) {
      throw new ImagespecError('INTERNAL', `The build context has an entry below a symlink: ${header.name}`);
    }
  }
  switch (header.type ?? 'file') {
    case 'directory':
      await mkdir(target, { recursive: true });
      entry.resume();
      return;
    case 'file':
    case 'contiguous-file':
      await mkdir(dirname(target), { recursive: true });
      await pipeline(entry, createWriteStream(target, { mode: (header.mode ?? 0o644) & 0o777 }));
      return;
    case 'symlink':
      await mkdir(dirname(target), { recursive: true });
      await symlink(header.linkname ?? '', target);
      symlinks.add(target);
      entry.resume();
      return;
    case 'link':
      await mkdir(dirname(target), { recursive: true });
      await link(inside(root, header.linkname ?? ''), target);
      entry.resume();
      return;
    default:
      throw new ImagespecError(
        'INTERNAL',
        `The build context has an entry of unsupported type ${header.type}: ${header.name}`,
      );
  }
}

function inside(root: string, name: string): string {
  const target = resolve(root, name);
  const rel = relative(root, target);
  if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    throw new ImagespecError('INTERNAL', `The build context has an entry outside its root: ${name}`);
  }
  return target;
}
