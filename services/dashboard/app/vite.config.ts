import { defineConfig } from 'vite';

// Run as `vite build app` from services/dashboard: the root is this folder, the output goes to ../dist.
export default defineConfig({
  base: '/',
  build: {
    outDir: '../dist',
    emptyOutDir: true,
    target: 'es2022',
    // Everything is one small chunk; the polyfill only matters for split chunks.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    reportCompressedSize: true,
  },
});
