import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { gzipSync } from 'node:zlib'
import { build } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

/**
 * The viewer's production build: what the first page downloads before anything else (the entry
 * and the chunks index.html preloads), against the 60 KB gzip budget in docs/PERFORMANCE.md, with
 * the heavier pages loaded only when they are opened.
 */
let outDir: string
let html: string
let initial: string[]
let all: string[]

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'loupe-web-'))
  await build({ root: resolve('web'), configFile: resolve('web/vite.config.ts'), logLevel: 'silent', build: { outDir, emptyOutDir: true } })
  html = readFileSync(join(outDir, 'index.html'), 'utf8')
  initial = [...new Set([...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]!))]
  all = readdirSync(join(outDir, 'assets')).filter((f) => f.endsWith('.js')).map((f) => `assets/${f}`)
}, 120_000)

afterAll(() => {
  if (outDir) rmSync(outDir, { recursive: true, force: true })
})

const gzip = (files: string[]) => files.reduce((n, f) => n + gzipSync(readFileSync(join(outDir, f)), { level: 9 }).length, 0)

describe('viewer bundle', () => {
  it('keeps the initial JS within 60 KB gzip', () => {
    expect(initial.length).toBeGreaterThan(0)
    expect(gzip(initial)).toBeLessThanOrEqual(60 * 1024)
  })

  it('splits the image, compare and dataset pages out of the initial JS', () => {
    const later = all.filter((f) => !initial.includes(f))
    for (const page of ['image', 'compare', 'dataset']) expect(later.some((f) => f.startsWith(`assets/${page}-`)), page).toBe(true)
    for (const f of initial) expect(f).not.toMatch(/assets\/(image|compare|dataset)-/)
  })

  it('bundles no zod: the viewer takes only types and zod-free constants from the schemas', () => {
    for (const f of all) expect(readFileSync(join(outDir, f), 'utf8'), f).not.toContain('ZodError')
  })
})
