/** Serves the built web UI, or a page that says how to build it when it is missing. */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { SECURITY_HEADERS } from './http.js';
import { DASHBOARD_UI_DIR, DASHBOARD_WEB_SOURCES, PACKAGE_ROOT } from './ui-dir.js';

export const DEFAULT_UI_DIR = DASHBOARD_UI_DIR;
export const VITE_CONFIG = join(DASHBOARD_WEB_SOURCES, 'vite.config.ts');

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

export const MISSING_UI_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Serin dashboard: web UI not built</title></head>
<body><h1>The dashboard's web UI is not built</h1>
<p>Build it with <code>npm run build:dashboard</code> and reload this page.
The JSON API under <a href="/api/canaries">/api/canaries</a> works without it.</p></body></html>
`;

export function uiIsBuilt(dir: string): boolean {
  return existsSync(join(dir, 'index.html'));
}

/**
 * Builds the production UI with Vite into `outDir`, exactly as `npm run build:dashboard` does.
 * Vite takes production mode from `NODE_ENV`, which a test runner sets to `test` (a development
 * bundle with absolute source paths), so the build runs in a process of its own with
 * `NODE_ENV=production`. Vite is a development dependency: this fails without it.
 */
export async function buildUi(outDir: string = DEFAULT_UI_DIR): Promise<void> {
  // Vite's package exports its package.json but not its bin script, so the bin is found beside it.
  const vite = join(dirname(createRequire(import.meta.url).resolve('vite/package.json')), 'bin', 'vite.js');
  await promisify(execFile)(
    process.execPath,
    [
      vite,
      'build',
      '--config',
      VITE_CONFIG,
      '--outDir',
      resolve(outDir),
      '--emptyOutDir',
      '--logLevel',
      'warn',
    ],
    { cwd: PACKAGE_ROOT, env: { ...process.env, NODE_ENV: 'production' }, maxBuffer: 16 * 1024 * 1024 },
  );
}

function send(res: ServerResponse, status: number, type: string, body: Buffer | string, cache: string): void {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': type,
    'Cache-Control': cache,
    'Content-Length': String(Buffer.byteLength(body)),
  });
  res.end(body);
}

/** Answers a GET for a UI path: a file under `dir`, or the app's index page for app routes. */
export async function serveStatic(dir: string, pathname: string, res: ServerResponse): Promise<void> {
  if (!uiIsBuilt(dir)) {
    send(res, 503, 'text/html; charset=utf-8', MISSING_UI_PAGE, 'no-store');
    return;
  }
  const root = resolve(dir);
  const wanted = resolve(root, `.${decodeURIComponent(pathname)}`);
  const inside = wanted === root || wanted.startsWith(root + sep);
  const file = inside && (await isFile(wanted)) ? wanted : undefined;
  if (!file) {
    // Paths that look like files and are absent are 404s; anything else is a page of the app.
    if (extname(pathname) !== '') {
      send(res, 404, 'text/plain; charset=utf-8', 'not found\n', 'no-store');
      return;
    }
    send(res, 200, CONTENT_TYPES['.html'] ?? '', await readFile(join(root, 'index.html')), 'no-cache');
    return;
  }
  const type = CONTENT_TYPES[extname(file)] ?? 'application/octet-stream';
  // Vite names assets by content hash, so they never change; the index page always revalidates.
  const cache = file.includes(`${sep}assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache';
  send(res, 200, type, await readFile(file), cache);
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
