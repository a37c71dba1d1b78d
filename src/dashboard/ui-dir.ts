/**
 * Where the dashboard's production web UI lives: `dist/dashboard-ui` under the package root, the
 * same place in a checkout (built by `npm ci`'s prepare) and in an installed package. One
 * constant, so the build, the server and the tests cannot disagree; nothing is built into `src/`.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The nearest directory above this module with a package.json: the checkout or the installed package. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error('the dashboard cannot find the package root (no package.json above it)');
    dir = parent;
  }
  return dir;
}

export const PACKAGE_ROOT = packageRoot();
export const DASHBOARD_UI_DIR = join(PACKAGE_ROOT, 'dist', 'dashboard-ui');
/** The web UI's sources and Vite config, present in a checkout (not needed to serve a built UI). */
export const DASHBOARD_WEB_SOURCES = join(PACKAGE_ROOT, 'src', 'dashboard', 'web');
