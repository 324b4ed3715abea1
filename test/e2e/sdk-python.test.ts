import { spawnSync } from 'node:child_process'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startBenchServer, type BenchServer } from '../../bench/dev-server'
import { TRANSITIONS } from '../../durable-objects/transitions'
import { DEFAULT_STAGE_RANGES } from '../../sdk/typescript/src'
import { ARTIFACT_CONTENT_TYPES } from '../../src/schemas/artifacts'

/** Each artifact type's default content type, where it is not application/octet-stream. */
const DEFAULT_CONTENT_TYPES = Object.fromEntries(
  Object.entries(ARTIFACT_CONTENT_TYPES).flatMap(([type, allowed]) => (allowed[0] === 'application/octet-stream' ? [] : [[type, allowed[0]]])),
)

/** The Python SDK against a real `wrangler dev`: its integration suite, and its constants checked against the server's. */
let server: BenchServer

beforeAll(async () => {
  server = await startBenchServer(Number(process.env.E2E_PY_PORT ?? 8795))
}, 180_000)

afterAll(() => server?.stop())

it('runs a full analysis, a failure, a cancel, a bad secret, a training job and a job cancel through the Python SDK', () => {
  const run = spawnSync('python3', ['-m', 'unittest', '-v', 'tests.test_integration'], {
    cwd: 'sdk/python',
    encoding: 'utf8',
    env: { ...process.env, LOUPE_E2E_BASE_URL: server.baseUrl, LOUPE_E2E_TOKEN: server.token, ML_CALLBACK_HMAC_SECRET: server.secret },
    timeout: 120_000,
  })
  const output = `${run.stdout}\n${run.stderr}`
  expect(output, output).toMatch(/\nOK\b/)
  expect(output).not.toMatch(/skipped/)
  expect(run.status, output).toBe(0)
}, 150_000)

type Schema = { enum?: string[]; maxLength?: number; maxItems?: number; properties?: Record<string, Schema>; discriminator?: { mapping: Record<string, string> } }

/** What `loupe.wire` holds, as the Python SDK exports it. */
function pythonConstants(): Record<string, unknown> {
  const names = [
    'ANALYSIS_STATUSES', 'TERMINAL_STATUSES', 'FINAL_STATUSES', 'ANNOTATION_TYPES', 'ARTIFACT_TYPES', 'ARTIFACT_CONTENT_TYPES',
    'LOG_LEVELS', 'BULK_MODES', 'MAX_LOG_LINES_PER_REQUEST', 'MAX_LOG_MESSAGE_CHARS', 'MAX_STAGE_CHARS',
    'MAX_PROGRESS_MESSAGE_CHARS', 'MAX_ERROR_MESSAGE_CHARS', 'DEFAULT_STAGE_RANGES',
  ]
  const script = `import json, loupe\nprint(json.dumps({n: getattr(loupe, n) for n in ${JSON.stringify(names)}}))`
  const python = spawnSync('python3', ['-c', script], { cwd: 'sdk/python/src', encoding: 'utf8' })
  expect(python.status, python.stderr).toBe(0)
  return JSON.parse(python.stdout)
}

it("holds the Python SDK's statuses, types, limits and stage ranges to the server's OpenAPI document", async () => {
  const doc = (await (await fetch(`${server.baseUrl}/api/openapi.json`)).json()) as { components: { schemas: Record<string, Schema> } }
  const schemas = doc.components.schemas
  const prop = (schema: string, name: string) => schemas[schema]!.properties![name]!
  const expected = {
    ANALYSIS_STATUSES: schemas.AnalysisStatus!.enum,
    // The statuses the server's transition table never leaves.
    TERMINAL_STATUSES: Object.entries(TRANSITIONS).filter(([, next]) => next.length === 0).map(([status]) => status),
    FINAL_STATUSES: prop('Finalize', 'status').enum,
    ANNOTATION_TYPES: Object.keys(schemas.AnnotationInput!.discriminator!.mapping),
    ARTIFACT_TYPES: schemas.ArtifactType!.enum,
    // Not in the document: the first content type the server allows for each artifact type.
    ARTIFACT_CONTENT_TYPES: DEFAULT_CONTENT_TYPES,
    LOG_LEVELS: prop('LogLine', 'level').enum,
    BULK_MODES: prop('BulkAnnotationsRequest', 'mode').enum,
    MAX_LOG_LINES_PER_REQUEST: prop('LogsRequest', 'lines').maxItems,
    MAX_LOG_MESSAGE_CHARS: prop('LogLine', 'message').maxLength,
    MAX_STAGE_CHARS: prop('ProgressUpdate', 'stage').maxLength,
    MAX_PROGRESS_MESSAGE_CHARS: prop('ProgressUpdate', 'message').maxLength,
    MAX_ERROR_MESSAGE_CHARS: prop('Finalize', 'error_message').maxLength,
    // Not in the document either: a client-side convention, the same in both SDKs.
    DEFAULT_STAGE_RANGES,
  }
  for (const [name, value] of Object.entries(expected)) expect(value, `${name} is missing from the OpenAPI document`).toBeDefined()
  expect(prop('LogLine', 'stage').maxLength).toBe(expected.MAX_STAGE_CHARS)
  expect(prop('StatusUpdate', 'error_message').maxLength).toBe(expected.MAX_ERROR_MESSAGE_CHARS)
  expect(pythonConstants()).toEqual(expected)
})
