// The least any Node program must do for a warm `imagespec tag` of a tree: start, list every
// directory and lstat every entry (Node 20 builds a Stats with four Dates for each), nothing
// else: no ignore rules, no cache, no hashing. bench/tag-warm times it against `git status`.
import { lstatSync, readdirSync } from 'node:fs';

let entries = 0;
const walk = (dir) => {
  for (const dirent of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${dirent.name}`;
    lstatSync(path);
    entries++;
    if (dirent.isDirectory()) walk(path);
  }
};
walk(process.argv[2]);
process.stdout.write(`${entries}\n`);
