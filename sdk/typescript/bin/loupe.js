#!/usr/bin/env node
// In a checkout, run the TypeScript source through tsx (no build step); from a package, the build.
import { existsSync } from 'node:fs'

const source = new URL('../src/cli.ts', import.meta.url)
const built = new URL('../dist/cli.js', import.meta.url)
let tsx
if (existsSync(source)) {
  try {
    tsx = await import('tsx/esm/api')
  } catch {
    // No tsx here: fall back to the build.
  }
}
if (tsx) {
  tsx.register()
  const { main } = await import(source.href)
  process.exitCode = await main(process.argv.slice(2))
} else if (existsSync(built)) {
  const { main } = await import(built.href)
  process.exitCode = await main(process.argv.slice(2))
} else {
  console.error('loupe: dist/cli.js is missing; run `npm run build` in sdk/typescript')
  process.exitCode = 1
}
