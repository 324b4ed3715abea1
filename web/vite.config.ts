import preact from '@preact/preset-vite'
import { defineConfig } from 'vite'

// `npm run build` runs `vite build web`, so this file's directory is the root and dist lands in web/dist.
// In development, `vite web` proxies the API (and its WebSockets) to `wrangler dev`.
export default defineConfig({
  plugins: [preact()],
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
  server: { proxy: { '/api': { target: 'http://localhost:8787', ws: true }, '/s3': 'http://localhost:8787' } },
})
