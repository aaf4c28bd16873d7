import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

/**
 * The simulated kiosk's two pages (web/panel, web/fleet), built into dist/web and served by
 * tests/sim/web/server.ts. `vite` (dev) proxies the live parts to a running `npm start` on :8080.
 */
export default defineConfig({
  root: here('./web'),
  base: '/',
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: here('./dist/web'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // Everything is bundled: the pages load nothing from elsewhere.
    assetsInlineLimit: 0,
    rolldownOptions: {
      input: { panel: here('./web/panel/index.html'), fleet: here('./web/fleet/index.html') },
    },
  },
  server: {
    host: '127.0.0.1',
    proxy: {
      '/api': 'http://127.0.0.1:8080',
      '/ws': { target: 'ws://127.0.0.1:8080', ws: true },
      '/mqtt': { target: 'ws://127.0.0.1:8080', ws: true },
    },
  },
});
