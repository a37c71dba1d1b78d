/** Builds the dashboard's production web UI into `dist/dashboard-ui` (ui-dir.ts), which the dashboard server serves. */
import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';
import { DASHBOARD_UI_DIR } from '../ui-dir.js';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [preact()],
  // The UI must work offline: nothing may point at another origin, and nothing is inlined as data.
  build: {
    outDir: DASHBOARD_UI_DIR,
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
});
