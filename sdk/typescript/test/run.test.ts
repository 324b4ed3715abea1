import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AnalysisCanceled, DEFAULT_STAGE_RANGES, LoupeError, SEED_STAGE_RANGES, type AnnotationInput } from '../src'
import { ANALYSIS_ID, BASE, envelope, FakeClock, makeClient, StubServer } from './stub-server'

let server: StubServer
let clock: FakeClock
beforeEach(async () => {
  server = await StubServer.start()
  clock = new FakeClock()
})
afterEach(() => server.close())

const box = (i: number): AnnotationInput => ({
  annotation_type: 'bounding_box',
  class_name: 'cat',
  confidence: 0.9,
  data: { x_min: i % 100, y_min: 0, x_max: (i % 100) + 10, y_max: 10 },
  ordering: i,
})

const progressBodies = () => server.matching('POST', '/progress').map((r) => r.json)

describe('annotate', () => {
  it('sends 12,000 annotations in chunks of 5000, in order, each signed', async () => {
    const { client } = makeClient(server, { now: clock.now })
    const summary = await client.analysis(ANALYSIS_ID).annotate(Array.from({ length: 12_000 }, (_, i) => box(i)))
    const reqs = server.matching('POST', 'annotations:bulk')
    expect(reqs.map((r) => r.json.annotations.length)).toEqual([5000, 5000, 2000])
    expect(reqs.map((r) => r.json.mode)).toEqual(['append', 'append', 'append'])
    expect(reqs.flatMap((r) => r.json.annotations.map((a: { ordering: number }) => a.ordering))).toEqual(Array.from({ length: 12_000 }, (_, i) => i))
    for (const r of reqs) {
      expect(r.path).toBe(`${BASE}/annotations:bulk`) // the colon is literal, not %3A
      expect(r.signatureValid()).toBe(true)
    }
    expect(summary).toEqual({ created: 12_000, updated: 0, duplicates: 0, total: 2000, requests: 3 })
  })

  it('follows maxBulk, takes any iterable, and reports progress per chunk', async () => {
    const { client } = makeClient(server, { maxBulk: 4 })
    const seen: [number, number][] = []
    function* boxes() {
      for (let i = 0; i < 10; i++) yield box(i)
    }
    await client.analysis(ANALYSIS_ID).annotate(boxes(), 'append', { onProgress: (done, total) => seen.push([done, total]) })
    expect(server.matching('POST', 'annotations:bulk').map((r) => r.json.annotations.length)).toEqual([4, 4, 2])
    expect(seen).toEqual([
      [4, 10],
      [8, 10],
      [10, 10],
    ])
  })

  it('replaces with the first chunk and appends the rest', async () => {
    const { client } = makeClient(server, { maxBulk: 2 })
    await client.analysis(ANALYSIS_ID).annotate([0, 1, 2, 3, 4].map(box), 'replace')
    expect(server.matching('POST', 'annotations:bulk').map((r) => r.json.mode)).toEqual(['replace', 'append', 'append'])
  })

  it('sends nothing for an empty append, and one request to clear with replace', async () => {
    const { client } = makeClient(server)
    const run = client.analysis(ANALYSIS_ID)
    expect((await run.annotate([])).requests).toBe(0)
    expect(server.requests).toEqual([])
    await run.annotate([], 'replace')
    expect(server.requests[0]!.json).toEqual({ annotations: [], mode: 'replace' })
  })

  it('shrinks the chunk to a lower limit the server reports, and keeps it', async () => {
    const { client } = makeClient(server)
    server.queue('POST', 'annotations:bulk', {
      status: 400,
      body: envelope('validation_error', 'At most 1000 annotations per request', { max: 1000, received: 5000 }),
    })
    await client.analysis(ANALYSIS_ID).annotate(Array.from({ length: 2500 }, (_, i) => box(i)))
    expect(server.matching('POST', 'annotations:bulk').map((r) => r.json.annotations.length)).toEqual([2500, 1000, 1000, 500])
    expect(client.maxBulk).toBe(1000)
  })

  it('halves a chunk the server finds too large', async () => {
    const { client } = makeClient(server)
    server.queue('POST', 'annotations:bulk', { status: 413, body: envelope('payload_too_large', 'too big', { max_bytes: 1 }) })
    await client.analysis(ANALYSIS_ID).annotate(Array.from({ length: 10 }, (_, i) => box(i)))
    expect(server.matching('POST', 'annotations:bulk').map((r) => r.json.annotations.length)).toEqual([10, 5, 5])
  })

  it('resends a retried chunk byte for byte, with a new nonce', async () => {
    const { client } = makeClient(server)
    server.queue('POST', 'annotations:bulk', { status: 503, body: envelope('internal_error') })
    await client.analysis(ANALYSIS_ID).annotate([0, 1, 2].map(box))
    const [first, second] = server.matching('POST', 'annotations:bulk')
    expect(first!.body.equals(second!.body)).toBe(true)
    expect(first!.header('x-ml-nonce')).not.toBe(second!.header('x-ml-nonce'))
  })

  it('passes validation errors through, unretried', async () => {
    const { client } = makeClient(server)
    server.queue('POST', 'annotations:bulk', { status: 400, body: envelope('validation_error', 'bad box') })
    await expect(client.analysis(ANALYSIS_ID).annotate([box(0)])).rejects.toMatchObject({ status: 400, code: 'validation_error' })
    expect(server.requests).toHaveLength(1)
  })
})

describe('stages', () => {
  it('map progress into the default ranges by stage name and report start and end', async () => {
    expect(DEFAULT_STAGE_RANGES.inference).toEqual([0.15, 0.65])
    expect(SEED_STAGE_RANGES).toBe(DEFAULT_STAGE_RANGES)
    const { client } = makeClient(server, { now: clock.now })
    const run = client.analysis(ANALYSIS_ID)
    await run.stage('preprocess', () => undefined)
    await run.stage('inference', async (progress) => {
      await progress(0.5)
      await run.progress(0.75) // inside a stage, run.progress maps too
      await run.progress(2) // clamped
    })
    expect(progressBodies().map((b) => [b.progress, b.stage])).toEqual([
      [0.1, 'preprocess'],
      [0.15, 'preprocess'],
      [0.15, 'inference'],
      [0.4, 'inference'],
      [0.525, 'inference'],
      [0.65, 'inference'],
      [0.65, 'inference'],
    ])
    expect(progressBodies()[0].message).toBe('preprocess started')
    expect(progressBodies().at(-1).message).toBe('inference completed')
    expect(run.stages.map((s) => s.name)).toEqual(['preprocess', 'inference'])
    expect(run.stages[1]!.durationMs).toBe(0)
  })

  it('give a weighted stage the share after the previous one, and a span its own', async () => {
    const { client } = makeClient(server)
    const run = client.analysis(ANALYSIS_ID)
    await run.stage('inference', () => undefined)
    await run.stage(
      'upload',
      async (progress, stage) => {
        expect([stage.start, stage.end]).toEqual([0.65, expect.closeTo(0.85, 9)])
        await progress(0.5)
      },
      { weight: 0.2 },
    )
    await run.stage('annotate', (_, stage) => expect(stage.end).toBe(1), { weight: 0.5 }) // capped at 1
    await run.stage('custom', (progress) => progress(0.5), { span: [0.2, 0.3] })
    expect(progressBodies()[3].progress).toBe(0.75)
    expect(progressBodies().at(-2).progress).toBe(0.25)
  })

  it('hold progress for an unknown stage without weight or span', async () => {
    const { client } = makeClient(server)
    const run = client.analysis(ANALYSIS_ID)
    await run.progress(0.3)
    await run.stage('warmup', (progress) => progress(0.9))
    expect(progressBodies().map((b) => b.progress)).toEqual([0.3, 0.3, 0.3, 0.3])
  })

  it('log their start and duration, tagged with the stage, and return what the callback returns', async () => {
    const { client } = makeClient(server, { now: clock.now })
    const run = client.analysis(ANALYSIS_ID)
    const value = await run.stage('postprocess', () => {
      run.log('info', 'filtering')
      clock.advance(1234)
      return 42
    })
    expect(value).toBe(42)
    await run.flush()
    const lines = server.matching('POST', '/logs')[0]!.json.lines
    expect(lines.map((l: { message: string; stage: string }) => [l.message, l.stage])).toEqual([
      ['Stage started', 'postprocess'],
      ['filtering', 'postprocess'],
      ['Stage completed in 1.23s', 'postprocess'],
    ])
  })

  it('report a failure against the stage and rethrow, leaving finalize to the run', async () => {
    const { client } = makeClient(server)
    const run = client.analysis(ANALYSIS_ID)
    await expect(
      run.stage('inference', () => {
        throw new TypeError('bad frame')
      }),
    ).rejects.toThrow('bad frame')
    expect(run.stages[0]!.error).toBeInstanceOf(TypeError)
    expect(progressBodies().at(-1)).toEqual({ stage: 'inference', message: 'inference failed: bad frame' })
    const lines = server.matching('POST', '/logs').at(-1)!.json.lines
    expect(lines.at(-1).level).toBe('error')
    expect(lines.at(-1).message).toMatch(/^Stage failed after \d+\.\d\ds: TypeError: bad frame$/)
    expect(server.matching('POST', '/finalize')).toEqual([])
  })

  it('do not nest', async () => {
    const { client } = makeClient(server)
    const run = client.analysis(ANALYSIS_ID)
    await expect(run.stage('inference', () => run.stage('preprocess', () => undefined))).rejects.toThrow(/do not nest/)
  })
})

describe('progress', () => {
  it('skips plain updates closer than progressIntervalMs, but never a message or a forced one', async () => {
    const { client } = makeClient(server, { now: clock.now, progressIntervalMs: 1000 })
    const run = client.analysis(ANALYSIS_ID)
    expect(await run.progress(0.1)).toBeDefined()
    expect(await run.progress(0.2)).toBeUndefined()
    expect(await run.progress(0.25, undefined, 'batch 2')).toBeDefined()
    expect(await run.progress(0.3, undefined, undefined, { force: true })).toBeDefined()
    clock.advance(1500)
    expect(await run.progress(0.4)).toBeDefined()
    expect(progressBodies().map((b) => b.progress)).toEqual([0.1, 0.25, 0.3, 0.4])
  })

  it('refuses NaN', async () => {
    const { client } = makeClient(server)
    await expect(client.analysis(ANALYSIS_ID).progress(Number.NaN)).rejects.toThrow(RangeError)
  })
})

describe('logs', () => {
  it('go out when a batch is full, signed, with normalized levels and ISO timestamps', async () => {
    const { client } = makeClient(server, { now: clock.now, logBatchSize: 3 })
    const run = client.analysis(ANALYSIS_ID)
    run.log('info', 'one')
    run.log('warn', 'two')
    expect(server.requests).toEqual([])
    run.log('ERROR', 'three', 'inference')
    await run.flush() // waits for the background send
    const [req] = server.requests
    expect(server.requests).toHaveLength(1)
    expect(req!.path).toBe(`${BASE}/logs`)
    expect(req!.signatureValid()).toBe(true)
    const lines = req!.json.lines
    expect(lines.map((l: { level: string; message: string }) => [l.level, l.message])).toEqual([
      ['info', 'one'],
      ['warning', 'two'],
      ['error', 'three'],
    ])
    expect(lines[0]).not.toHaveProperty('stage')
    expect(lines[2].stage).toBe('inference')
    for (const line of lines) expect(line.ts).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
  })

  it('go out at the first call after logFlushIntervalMs, before that call', async () => {
    const { client } = makeClient(server, { now: clock.now })
    const run = client.analysis(ANALYSIS_ID)
    run.log('info', 'a')
    clock.advance(1000)
    run.log('info', 'b')
    await run.progress(0.1)
    expect(server.kinds()).toEqual(['progress'])
    clock.advance(1500)
    run.log('info', 'c')
    await run.progress(0.2)
    expect(server.kinds()).toEqual(['progress', 'logs', 'progress'])
    expect(server.matching('POST', '/logs')[0]!.json.lines.map((l: { message: string }) => l.message)).toEqual(['a', 'b', 'c'])
  })

  it('are flushed by complete(), fail() and close()', async () => {
    const { client } = makeClient(server, { now: clock.now })
    const run = client.analysis(ANALYSIS_ID)
    run.info('before complete')
    await run.complete()
    expect(server.kinds()).toEqual(['logs', 'finalize'])
    server.requests.length = 0
    const run2 = client.analysis(ANALYSIS_ID)
    run2.error('boom')
    await run2.fail(new Error('it broke'))
    expect(server.kinds()).toEqual(['logs', 'finalize'])
    expect(server.requests[1]!.json).toEqual({ status: 'failed', error_message: 'it broke' })
    server.requests.length = 0
    const run3 = client.analysis(ANALYSIS_ID)
    run3.debug('x')
    await run3.close()
    expect(server.kinds()).toEqual(['logs'])
  })

  it('send at most 1000 lines per request', async () => {
    const { client } = makeClient(server, { now: clock.now, logBatchSize: 1000 })
    const run = client.analysis(ANALYSIS_ID)
    for (let i = 0; i < 2500; i++) run.log('debug', `line ${i}`)
    await run.flush()
    expect(server.matching('POST', '/logs').map((r) => r.json.lines.length)).toEqual([1000, 1000, 500])
    expect(() => makeClient(server, { logBatchSize: 1001 })).toThrow(RangeError)
  })

  it('split large lines by bytes and clip each to 8000 characters', async () => {
    const { client } = makeClient(server, { now: clock.now, logBatchSize: 1000 })
    const run = client.analysis(ANALYSIS_ID)
    for (let i = 0; i < 300; i++) run.log('info', 'x'.repeat(9000))
    await run.flush()
    const reqs = server.matching('POST', '/logs')
    expect(reqs.length).toBeGreaterThan(1)
    for (const r of reqs) expect(r.body.length).toBeLessThan(1024 * 1024)
    expect(reqs.reduce((n, r) => n + r.json.lines.length, 0)).toBe(300)
    expect(reqs[0]!.json.lines[0].message).toHaveLength(8000)
  })

  it('refuse an unknown level', () => {
    const { client } = makeClient(server)
    expect(() => client.analysis(ANALYSIS_ID).log('verbose' as 'info', 'x')).toThrow(RangeError)
  })

  it('are best effort when flushed implicitly, but an explicit flush rejects', async () => {
    const { client, warnings } = makeClient(server, { now: clock.now, logBatchSize: 1 })
    server.queue('POST', '/logs', { status: 404, body: envelope('not_found', 'no logs here') }, { status: 404, body: envelope('not_found', 'no logs here') })
    const run = client.analysis(ANALYSIS_ID)
    run.log('info', 'dropped') // sent in the background; the failure is a warning
    await run.progress(0.5)
    expect(warnings.join()).toMatch(/dropped log lines.*no logs here/)
    const run2 = makeClient(server, { now: clock.now }).client.analysis(ANALYSIS_ID)
    run2.log('info', 'kept')
    await expect(run2.flush()).rejects.toBeInstanceOf(LoupeError)
  })
})

describe('upload', () => {
  it('presigns, then PUTs the bytes with the returned headers and no credentials', async () => {
    const { client } = makeClient(server)
    const data = new Uint8Array([0x89, 0x50, 0x4e, 0x47, ...Array.from({ length: 1024 }, (_, i) => i % 256)])
    const seen: number[][] = []
    const path = await client.analysis(ANALYSIS_ID).upload('heatmap', 'heatmap.png', data, undefined, { onProgress: (d, t) => seen.push([d, t]) })
    expect(path).toBe(`ml_outputs/${ANALYSIS_ID}/heatmap.png`)
    const [presign, put] = server.requests
    expect([presign!.method, presign!.path]).toEqual(['POST', `${BASE}/artifacts/presign`])
    expect(presign!.json).toEqual({ artifact_type: 'heatmap', filename: 'heatmap.png', content_length: data.length })
    expect(presign!.signatureValid()).toBe(true)
    expect([put!.method, put!.path]).toEqual(['PUT', '/upload/heatmap.png?sig=abc'])
    expect(new Uint8Array(put!.body)).toEqual(data)
    expect(put!.header('content-type')).toBe('image/png')
    expect(put!.header('x-ml-signature')).toBeUndefined()
    expect(put!.header('authorization')).toBeUndefined()
    expect(seen).toEqual([
      [0, data.length],
      [data.length, data.length],
    ])
  })

  it('passes a content type through and retries the PUT', async () => {
    const { client } = makeClient(server)
    server.queue('PUT', '/upload/', { status: 503 })
    await client.analysis(ANALYSIS_ID).upload('metadata', 'meta.json', '{}', 'application/json')
    expect(server.requests[0]!.json.content_type).toBe('application/json')
    const puts = server.matching('PUT', '/upload/')
    expect(puts).toHaveLength(2)
    expect(puts[1]!.header('content-type')).toBe('application/json')
    expect(puts[1]!.body.toString()).toBe('{}')
  })
})

describe('withAnalysis', () => {
  it('completes after the callback, with logs flushed first', async () => {
    const { client } = makeClient(server)
    let status: string | undefined
    await client.withAnalysis(ANALYSIS_ID, async (run) => {
      status = (await run.start()).status
      run.info('hello')
    })
    expect(status).toBe('processing')
    expect(server.kinds()).toEqual(['status', 'logs', 'finalize'])
    expect(server.requests[0]!.body.toString()).toBe('{"status":"processing"}')
    expect(server.requests[2]!.body.toString()).toBe('{"status":"completed"}')
  })

  it('fails the analysis with the error, and rethrows it', async () => {
    const { client } = makeClient(server)
    await expect(
      client.withAnalysis(ANALYSIS_ID, async (run) => {
        await run.start()
        await run.stage('inference', () => {
          throw new Error('CUDA out of memory')
        })
      }),
    ).rejects.toThrow('CUDA out of memory')
    expect(server.matching('POST', '/finalize').map((r) => r.json)).toEqual([{ status: 'failed', error_message: 'CUDA out of memory' }])
  })

  it('does not finalize twice', async () => {
    const { client } = makeClient(server)
    await client.withAnalysis(ANALYSIS_ID, (run) => run.fail('gave up'))
    expect(server.matching('POST', '/finalize')).toHaveLength(1)
  })

  it('keeps the original error when fail() itself fails', async () => {
    const { client, warnings } = makeClient(server)
    server.queue('POST', '/finalize', { status: 401, body: envelope('signature_invalid') })
    await expect(
      client.withAnalysis(ANALYSIS_ID, () => {
        throw new RangeError('k')
      }),
    ).rejects.toBeInstanceOf(RangeError)
    expect(warnings.join()).toMatch(/could not mark analysis .* failed/)
  })

  it('runs a whole pipeline with every callback signed', async () => {
    const { client } = makeClient(server)
    await client.withAnalysis(ANALYSIS_ID, async (run) => {
      await run.start()
      await run.stage('preprocess', () => run.log('info', 'loaded image 1024x768'))
      await run.stage('inference', async (progress) => {
        for (let i = 0; i < 4; i++) await progress((i + 1) / 4, `batch ${i + 1} of 4`)
      })
      await run.stage('postprocess', async () => {
        const heatmap = await run.upload('heatmap', 'heatmap.png', new Uint8Array([1, 2, 3]))
        await run.annotate([box(1), { annotation_type: 'heatmap', data: { width: 2, height: 2 }, storage_path: heatmap }])
      })
    })
    const kinds = server.kinds()
    expect(kinds[0]).toBe('status')
    expect(kinds.slice(-2)).toEqual(['logs', 'finalize'])
    expect(kinds).toContain('annotations:bulk')
    for (const r of server.requests) if (r.method !== 'PUT') expect(r.signatureValid()).toBe(true)
    expect(Math.max(...progressBodies().map((b) => b.progress ?? 0))).toBe(0.75)
  })

  it('lets AnalysisCanceled through without failing', async () => {
    const { client } = makeClient(server)
    server.queue('PATCH', '/status', { status: 409, body: envelope('analysis_canceled') })
    await expect(client.withAnalysis(ANALYSIS_ID, (run) => run.start())).rejects.toBeInstanceOf(AnalysisCanceled)
    expect(server.matching('POST', '/finalize')).toEqual([])
  })
})
