/**
 * The studio is served by the gateway at /studio (assets under /studio/assets/, content-hashed:
 * the gateway caches them as immutable). `vite` in this folder serves it for development with
 * /graphql proxied to a gateway on localhost:4000.
 */
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: '/studio/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Small enough to inline nothing: every file is a plain asset the gateway serves.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  server: {
    proxy: { '/graphql': { target: 'http://localhost:4000', ws: true }, '/images': 'http://localhost:4000' },
  },
});
