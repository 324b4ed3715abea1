import { chromium, type Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBenchServer, type BenchServer } from '../../bench/dev-server'

/**
 * The viewer's own pages carry a Content-Security-Policy (web/public/_headers, applied by Workers
 * static assets), and the viewer runs under it: signing in and opening a project raises no
 * violation in real Chromium.
 */
let server: BenchServer
let browser: Browser

beforeAll(async () => {
  server = await startBenchServer(Number(process.env.E2E_CSP_PORT ?? 8797))
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--headless=new', '--no-sandbox', '--disable-gpu'] })
}, 420_000)

afterAll(async () => {
  await browser?.close()
  server?.stop()
})

describe("the viewer's Content-Security-Policy", () => {
  it('is sent with the page and with SPA routes: scripts from this origin only, no framing, no plugins', async () => {
    for (const path of ['/', '/projects/anything']) {
      const res = await fetch(server.baseUrl + path)
      const csp = res.headers.get('Content-Security-Policy') ?? '(none)'
      expect(csp, path).toMatch(/script-src 'self'(;|$)/)
      expect(csp).toMatch(/object-src 'none'/)
      expect(csp).toMatch(/frame-ancestors 'none'/)
      expect(res.headers.get('X-Content-Type-Options')).toBe('nosniff')
    }
  })

  it('lets the viewer sign in and list projects with no violation', async () => {
    const page = await (await browser.newContext()).newPage()
    const violations: string[] = []
    await page.exposeFunction('reportViolation', (v: string) => violations.push(v))
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => (window as unknown as { reportViolation(v: string): void }).reportViolation(`${e.violatedDirective} ${e.blockedURI}`))
    })
    await fetch(`${server.baseUrl}/api/projects`, { method: 'POST', headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' }, body: '{"name":"CSP"}' })
    await page.goto(server.baseUrl + '/')
    await page.getByTestId('token-input').fill(server.token)
    await page.getByTestId('sign-in-submit').click()
    await page.getByTestId('project-item').filter({ hasText: 'CSP' }).first().waitFor()
    expect(violations).toEqual([])
  })
})
