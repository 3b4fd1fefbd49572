// Every regular file under `root`, recursively, in sorted order (the same order the Python peer
// and bench_floor's totals cover; order does not change the work done).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export function corpusFiles(root) {
  const out = [];
  const walk = (dir) => {
    const entries = readdirSync(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (e.isFile()) out.push(path);
    }
  };
  walk(root);
  return out;
}
