// Loads a bench peer package from the project's tools/node_modules (tools/package.json pins the
// versions), whatever the current directory. HIRESYNC_TOOLS overrides the tools directory.
//
// The package's ESM entry is imported by absolute file URL, taken from its package.json
// (exports["."].import, then "module", then "main"), so no NODE_PATH or cwd trick is needed.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const toolsDir =
  process.env.HIRESYNC_TOOLS || resolve(dirname(fileURLToPath(import.meta.url)), '../../tools');

// Returns { module, version } for package `name`; throws when it is not installed.
export async function loadPeer(name) {
  const pkgDir = join(toolsDir, 'node_modules', name);
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  const dot = pkg.exports && pkg.exports['.'];
  const entry = (dot && (typeof dot === 'string' ? dot : dot.import || dot.default)) ||
    pkg.module || pkg.main || 'index.js';
  const module = await import(pathToFileURL(join(pkgDir, entry)).href);
  return { module, version: pkg.version };
}
