import { execFileSync, spawn } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decode } from 'fast-png'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { main } from '../src/cli'
import { resolveConnection } from '../src/cli/config'
import { fakeHeatmapPng } from '../src/cli/heatmap'
import { progressBar } from '../src/cli/progress-bar'
import { ANALYSIS_ID, BASE, claimedRun, eventually, SECRET, StubServer, TOKEN } from './stub-server'

function capture(env: Record<string, string | undefined> = {}, tty = false) {
  const out: string[] = []
  const err: string[] = []
  const io = {
    stdout: { write: (s: string) => out.push(s) },
    stderr: { write: (s: string) => err.push(s), isTTY: tty, columns: 80 },
    env,
  }
  return { io, out: () => out.join(''), err: () => err.join('') }
}

const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
})()

describe('loupe sign', () => {
  const body = '{"status":"completed"}'
  const expected = createHmac('sha256', SECRET).update(`1700000000.${body}`).digest('hex')

  it('prints the three headers for the pinned vector', async () => {
    const c = capture()
    expect(await main(['sign', '--secret', SECRET, '--body', body, '--timestamp', '1700000000'], c.io)).toBe(0)
    const lines = c.out().trim().split('\n')
    expect(lines[0]).toBe(`X-ML-Signature: sha256=${expected}`)
    expect(lines[1]).toBe('X-ML-Timestamp: 1700000000')
    expect(lines[2]).toMatch(/^X-ML-Nonce: [0-9a-f-]{36}$/)
    expect(lines).toHaveLength(3)
  })

  it.skipIf(!hasOpenssl)('matches the guide openssl recipe', async () => {
    const recipe = execFileSync('sh', ['-c', 'echo -n "$T.$BODY" | openssl dgst -sha256 -hmac "$S" | cut -d" " -f2'], {
      env: { ...process.env, T: '1700000000', BODY: body, S: SECRET },
    })
      .toString()
      .trim()
    const c = capture({ ML_CALLBACK_HMAC_SECRET: `${SECRET},rotated_secret_456` }) // signs with the first secret
    await main(['sign', '--body', body, '--timestamp', '1700000000', '--json'], c.io)
    expect(JSON.parse(c.out())['X-ML-Signature']).toBe(`sha256=${recipe}`)
  })

  it('signs a body file byte for byte, trailing newline included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-sign-'))
    const file = join(dir, 'body.json')
    writeFileSync(file, `${body}\n`)
    const c = capture()
    try {
      await main(['sign', '--secret', SECRET, '--body-file', file, '--timestamp', '1700000000', '--no-nonce'], c.io)
    } finally {
      rmSync(dir, { recursive: true })
    }
    const hex = createHmac('sha256', SECRET).update(`1700000000.${body}\n`).digest('hex')
    expect(c.out()).toBe(`X-ML-Signature: sha256=${hex}\nX-ML-Timestamp: 1700000000\n`)
  })

  it('exits 2 with usage on a missing secret or body, or an unknown flag', async () => {
    for (const argv of [['sign', '--body', body], ['sign', '--secret', SECRET], ['sign', '--secret', SECRET, '--body', body, '--bogus']]) {
      const c = capture()
      expect(await main(argv, c.io)).toBe(2)
      expect(c.err()).toContain('loupe sign --body')
    }
  })
})

describe('loupe simulate', () => {
  let server: StubServer
  beforeEach(async () => {
    server = await StubServer.start()
    server.queue('GET', '/api/images/', { status: 200, body: { width: 64, height: 48 } })
  })
  afterEach(() => server.close())

  it('runs the guide simulation through signed callbacks', async () => {
    const c = capture({ LOUPE_URL: server.url, LOUPE_TOKEN: TOKEN, ML_CALLBACK_HMAC_SECRET: SECRET })
    const code = await main(['simulate', '--image-id', '550e8400-e29b-41d4-a716-446655440000', '--boxes', '12', '--step-delay', '0'], c.io)
    expect(c.err()).toContain('posting annotations: 14/14 (100%)') // plain lines off a TTY
    expect(code).toBe(0)
    const out = c.out()
    for (const step of ['1. created analysis', '2. status → processing', '3. presigned', '4. uploaded heatmap.png', '5. posted 14 annotations', '6. finalized: completed']) {
      expect(out).toContain(step)
    }
    expect(server.kinds()[0]).toBe('550e8400-e29b-41d4-a716-446655440000')
    expect(server.kinds().slice(-2)).toEqual(['logs', 'finalize'])
    const [bulk] = server.matching('POST', 'annotations:bulk')
    const types = bulk!.json.annotations.map((a: { annotation_type: string }) => a.annotation_type)
    expect(types.filter((t: string) => t === 'bounding_box')).toHaveLength(12)
    expect(types.slice(-2)).toEqual(['heatmap', 'classification'])
    for (const a of bulk!.json.annotations.slice(0, 12)) {
      expect(a.data.x_max).toBeGreaterThan(a.data.x_min)
      expect(a.data.x_max).toBeLessThanOrEqual(64)
      expect(a.data.y_max).toBeLessThanOrEqual(48)
    }
    const [put] = server.matching('PUT', '/upload/heatmap.png')
    const png = decode(put!.body)
    expect([png.width, png.height, png.channels]).toEqual([16, 16, 4])
    for (const r of server.requests) if (r.path.startsWith(`/api/analyses/${ANALYSIS_ID}`)) expect(r.signatureValid()).toBe(true)
  })

  it('needs a token', async () => {
    const c = capture({ LOUPE_URL: server.url, ML_CALLBACK_HMAC_SECRET: SECRET })
    expect(await main(['simulate', '--image-id', 'x'], c.io)).toBe(2)
    expect(c.err()).toContain('LOUPE_TOKEN')
  })
})

describe('loupe worker', () => {
  const BIN = join(import.meta.dirname, '..', 'bin', 'loupe.js')
  let server: StubServer
  let dir: string
  beforeEach(async () => {
    server = await StubServer.start()
    dir = mkdtempSync(join(tmpdir(), 'loupe-worker-'))
  })
  afterEach(async () => {
    await server.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const handlerModule = (source: string) => {
    const file = join(dir, 'handler.mjs')
    writeFileSync(file, source)
    return file
  }

  it('runs the module’s handler on a claimed run, and on SIGTERM gives the run back and exits 0', async () => {
    // Starts the run, then works until its signal says stop.
    const handler = handlerModule(`export async function analysis(run, claimed, signal) {
      await run.start()
      await new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)))
    }`)
    server.queue('POST', '/api/pipelines/claim', { status: 200, body: { claimed: [claimedRun('analysis', ANALYSIS_ID, { token: 'lease_cli' })] } })
    const child = spawn(process.execPath, [BIN, 'worker', '--handler', handler, '--kinds', 'analysis', '--batch', '1'], {
      env: { ...process.env, LOUPE_URL: server.url, LOUPE_API_KEY: 'mlpip_cli_key' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c))
    child.stderr.on('data', (c: Buffer) => (stderr += c))
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    try {
      await eventually(() => server.matching('PATCH', `${BASE}/status`).length === 1, 20_000)
      child.kill('SIGTERM')
      expect(await exited, stderr).toBe(0)
    } finally {
      child.kill('SIGKILL')
    }
    const [claim] = server.requests.filter((r) => r.path === '/api/pipelines/claim')
    expect(claim!.header('x-api-key')).toBe('mlpip_cli_key')
    expect(claim!.json).toEqual({ limit: 1, kinds: ['analysis'], wait_seconds: 20 })
    expect(server.matching('POST', '/claim/release').map((r) => r.json)).toEqual([{ kind: 'analysis', id: ANALYSIS_ID, token: 'lease_cli' }])
    expect(server.requests.filter((r) => r.path.endsWith('/finalize'))).toHaveLength(0)
    expect(stdout).toBe(`${ANALYSIS_ID}  analysis  released\n`)
    expect(stderr).toContain('stopped after 1 run')
  }, 30_000)

  it('exits 2 without a handler, without a pipeline key, or when the module lacks a kind it was asked for', async () => {
    const handler = handlerModule('export function analysis() {}')
    const env = { LOUPE_URL: server.url, LOUPE_API_KEY: 'mlpip_cli_key' }
    for (const [argv, message, environment] of [
      [['worker'], '--handler', env],
      [['worker', '--handler', handler], 'LOUPE_API_KEY', { LOUPE_URL: server.url }],
      [['worker', '--handler', handler, '--kinds', 'job'], 'exports no job handler', env],
      [['worker', '--handler', handler, '--batch', '50'], '--batch', env],
    ] as const) {
      const c = capture(environment)
      expect(await main([...argv], c.io)).toBe(2)
      expect(c.err()).toContain(message)
    }
    expect(server.requests).toHaveLength(0)
  })
})

describe('CLI pieces', () => {
  it('reads the connection from flags, then LOUPE_URL / API_BASE_URL, LOUPE_TOKEN and the first secret', () => {
    expect(resolveConnection({}, { API_BASE_URL: 'http://a', LOUPE_TOKEN: 't', ML_CALLBACK_HMAC_SECRET: 'one, two' })).toEqual({
      baseUrl: 'http://a',
      token: 't',
      secret: 'one',
    })
    expect(resolveConnection({ url: 'http://flag' }, { LOUPE_URL: 'http://b', API_BASE_URL: 'http://a' }).baseUrl).toBe('http://flag')
    expect(resolveConnection({}, { LOUPE_URL: 'http://b', API_BASE_URL: 'http://a' }).baseUrl).toBe('http://b')
    expect(resolveConnection({}, {})).toEqual({ baseUrl: 'http://127.0.0.1:8787', token: undefined, secret: undefined, apiKey: undefined })
    expect(resolveConnection({}, { LOUPE_API_KEY: 'mlpip_env' }).apiKey).toBe('mlpip_env')
    expect(resolveConnection({ key: 'mlpip_flag' }, { LOUPE_API_KEY: 'mlpip_env' }).apiKey).toBe('mlpip_flag')
  })

  it('draws a bar in place on a TTY and plain lines per tenth elsewhere', () => {
    const tty = capture({}, true)
    const bar = progressBar('posting', tty.io.stderr)
    bar.update(5, 10)
    bar.update(10, 10)
    bar.finish()
    expect(tty.err()).toMatch(/^\rposting \[#+-+\]  50% 5\/10\x1b\[K\rposting \[#+\] 100% 10\/10\x1b\[K\n$/)
    const plain = capture()
    const lines = progressBar('posting', plain.io.stderr)
    for (let i = 0; i <= 100; i++) lines.update(i, 100)
    expect(plain.err().trim().split('\n')).toHaveLength(11)
  })

  it('makes a heatmap PNG that is opaque at its centre and clear at its corners', () => {
    const png = decode(fakeHeatmapPng(40, 30, 20, 15))
    expect([png.width, png.height, png.channels, png.depth]).toEqual([40, 30, 4, 8])
    const alpha = (x: number, y: number) => png.data[(y * 40 + x) * 4 + 3]!
    expect(alpha(20, 15)).toBe(255)
    expect(alpha(0, 0)).toBeLessThan(64)
  })

  it('prints help, and exits 2 for an unknown command', async () => {
    const c = capture()
    expect(await main(['--help'], c.io)).toBe(0)
    expect(c.out()).toContain('loupe tail <analysis-id>')
    const d = capture()
    expect(await main(['bogus'], d.io)).toBe(2)
  })
})
