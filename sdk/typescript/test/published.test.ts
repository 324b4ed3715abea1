import { spawnSync, type SpawnSyncOptions } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'

/**
 * The package as a consumer gets it: `npm pack` (which builds it), installed from the tarball into
 * a fresh project that has no zod, type-checked strictly with Node's module resolution, and
 * imported at run time.
 */
const SDK = join(import.meta.dirname, '..')
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc')
const consumer = mkdtempSync(join(tmpdir(), 'loupe-sdk-consumer-'))
afterAll(() => rmSync(consumer, { recursive: true, force: true }))

function run(command: string, args: string[], options: SpawnSyncOptions = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 150_000, ...options })
  const output = `${command} ${args.join(' ')}\n${result.stdout}\n${result.stderr}`
  expect(result.status, output).toBe(0)
  return String(result.stdout)
}

const CONSUMER_TS = `
import { LoupeClient, runWorker, TERMINAL_STATUSES, webhookHandler, type Analysis, type AnnotationInput, type LiveMessage, type RunOutcome } from '@loupe/sdk'

export const client = new LoupeClient({ baseUrl: 'http://127.0.0.1:8787', secret: 's', token: 't' })
export const status: Analysis['status'] = 'canceled'
// @ts-expect-error not a status: the types are real, not any
export const misspelled: Analysis['status'] = 'cancelled'
export const box: AnnotationInput = { annotation_type: 'bounding_box', data: { x_min: 0, y_min: 0, x_max: 1, y_max: 1 } }
// @ts-expect-error a bounding box needs coordinates
export const bad: AnnotationInput = { annotation_type: 'bounding_box', data: { width: 1 } }
export const done: readonly Analysis['status'][] = TERMINAL_STATUSES

export const outcomes: RunOutcome[] = []
export const work = (signal: AbortSignal) =>
  runWorker(client, {
    analysis: async (run, claimed, stop) => {
      stop.throwIfAborted()
      await run.start(String(claimed.data.image))
    },
    waitSeconds: 20,
    signal,
    handleSignals: true,
    onRun: (_claimed, outcome) => void outcomes.push(outcome),
  })
export const receive: (request: Request) => Promise<Response> = webhookHandler(client, {
  secret: 'whsec_c2VjcmV0',
  job: (run, event, signal) => (signal.aborted ? undefined : run.start(event.type)),
})

export function progressOf(message: LiveMessage): number | null {
  return message.type === 'progress' ? message.progress : null
}

export async function report(imageId: string) {
  const analysis = await client.createAnalysis(imageId, { model_name: 'm', model_version: '1' })
  await client.withAnalysis(analysis.id, async (run) => {
    await run.start()
    const heatmap = await run.uploadHeatmap([[0, 0.5], [1, 0.25]])
    await run.annotate([box, heatmap])
  })
}
`

it('installs from its tarball into a project without zod, and type-checks and imports there', () => {
  run('npm', ['pack', '--silent', '--pack-destination', consumer], { cwd: SDK })
  const tarball = readdirSync(consumer).find((f) => f.endsWith('.tgz'))
  expect(tarball).toBeDefined()
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }))
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', `./${tarball}`], { cwd: consumer })
  expect(existsSync(join(consumer, 'node_modules', '@loupe', 'sdk', 'dist', 'types', 'index.d.ts'))).toBe(true)
  expect(existsSync(join(consumer, 'node_modules', 'zod'))).toBe(false)

  writeFileSync(join(consumer, 'consumer.ts'), CONSUMER_TS)
  const tsconfig = {
    compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', lib: ['es2022', 'dom'], types: [] },
    files: ['consumer.ts'],
  }
  writeFileSync(join(consumer, 'tsconfig.json'), JSON.stringify(tsconfig))
  run(process.execPath, [TSC, '-p', consumer])

  const exported = run(process.execPath, ['--input-type=module', '-e', "const sdk = await import('@loupe/sdk'); console.log(Object.keys(sdk).sort().join(' '))"], {
    cwd: consumer,
  })
  expect(exported.split(' ')).toEqual(expect.arrayContaining(['LoupeClient', 'AnalysisRun', 'TERMINAL_STATUSES', 'heatmapPng', 'maskPng', 'runWorker', 'webhookHandler', 'verifyWebhook', 'nodeListener']))
}, 240_000)
