import { runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import type { AnalysisObject } from '../../durable-objects/analysis-object'
import { BulkAnnotationsRequest, type AnalysisStatus } from '../../src/schemas/analyses'
import { analysisRow, analysisStub, api, objectState, scenario, signed } from './helpers'

interface Envelope {
  error: { code: string; details: Record<string, unknown> | null }
}

const CALLS = 50

async function processingAnalysis() {
  const s = await scenario()
  const res = await signed('PATCH', `/api/analyses/${s.analysis.id}/status`, { status: 'processing' })
  expect(res.status).toBe(200)
  return s
}

/** D1 and the Durable Object must agree once the dust settles. */
async function expectD1EqualsObject(id: string) {
  const [row, state] = await Promise.all([analysisRow(id), objectState(id)])
  const pick = (a: Record<string, unknown>) => ({
    status: a.status,
    version: a.version,
    started_at: a.started_at,
    completed_at: a.completed_at,
    updated_at: a.updated_at,
    error_message: a.error_message,
    annotation_count: a.annotation_count,
  })
  expect(pick(row!)).toEqual(pick(state as unknown as Record<string, unknown>))
}

async function transitionAudits(id: string) {
  const { results } = await env.DB.prepare(
    `SELECT action FROM audit_log WHERE target_id = ? AND action IN ('analysis.status', 'analysis.finalized', 'analysis.canceled')`,
  )
    .bind(id)
    .all<{ action: string }>()
  return results
}

describe('concurrent conflicting transitions', () => {
  it(`lets exactly one of ${CALLS} finalize calls (completed vs failed) win`, async () => {
    const { analysis } = await processingAnalysis()
    const wanted: AnalysisStatus[] = Array.from({ length: CALLS }, (_, i) => (i % 2 ? 'failed' : 'completed'))
    const responses = await Promise.all(
      wanted.map((status) => signed('POST', `/api/analyses/${analysis.id}/finalize`, status === 'failed' ? { status, error_message: 'lost' } : { status })),
    )

    const row = await analysisRow(analysis.id)
    const winner = row!.status as AnalysisStatus
    expect(['completed', 'failed']).toContain(winner)
    // Processing was version 1; exactly one move on top of it.
    expect(row!.version).toBe(2)

    for (const [i, res] of responses.entries()) {
      if (wanted[i] === winner) {
        // The winner, or an identical late call that is a no-op.
        expect(res.status).toBe(200)
        expect(await res.json()).toMatchObject({ status: winner, version: 2 })
      } else {
        expect(res.status).toBe(409)
        expect(await res.json<Envelope>()).toMatchObject({ error: { code: 'illegal_transition', details: { current_status: winner } } })
      }
    }
    expect((await transitionAudits(analysis.id)).filter((a) => a.action === 'analysis.finalized')).toHaveLength(1)
    await expectD1EqualsObject(analysis.id)
  })

  it(`lets exactly one of ${CALLS} mixed terminal moves (finalize, status, user cancel) win`, async () => {
    const { owner, analysis } = await processingAnalysis()
    const id = analysis.id
    const kinds = ['finalize-completed', 'finalize-failed', 'status-failed', 'status-canceled', 'user-cancel'] as const
    const calls = Array.from({ length: CALLS }, (_, i) => kinds[i % kinds.length]!)
    const responses = await Promise.all(
      calls.map((kind) => {
        switch (kind) {
          case 'finalize-completed':
            return signed('POST', `/api/analyses/${id}/finalize`, { status: 'completed' })
          case 'finalize-failed':
            return signed('POST', `/api/analyses/${id}/finalize`, { status: 'failed' })
          case 'status-failed':
            return signed('PATCH', `/api/analyses/${id}/status`, { status: 'failed' })
          case 'status-canceled':
            return signed('PATCH', `/api/analyses/${id}/status`, { status: 'canceled' })
          case 'user-cancel':
            return api(`/api/analyses/${id}/cancel`, { method: 'POST', token: owner.token })
        }
      }),
    )
    const row = await analysisRow(id)
    const winner = row!.status as AnalysisStatus
    expect(['completed', 'failed', 'canceled']).toContain(winner)
    expect(row!.version).toBe(2)
    const target = (kind: (typeof kinds)[number]) => (kind === 'user-cancel' ? 'canceled' : kind.split('-')[1])
    for (const [i, res] of responses.entries()) {
      if (target(calls[i]!) === winner) expect(res.status).toBe(200)
      else expect(res.status).toBe(409)
    }
    // One transition to processing, one terminal move: nothing else was recorded.
    expect(await transitionAudits(id)).toHaveLength(2)
    await expectD1EqualsObject(id)
  })

  it(`moves a queued analysis to processing once for ${CALLS} identical status calls`, async () => {
    const { analysis } = await scenario()
    const responses = await Promise.all(Array.from({ length: CALLS }, () => signed('PATCH', `/api/analyses/${analysis.id}/status`, { status: 'processing' })))
    expect(responses.map((r) => r.status)).toEqual(Array(CALLS).fill(200))
    const versions = await Promise.all(responses.map(async (r) => (await r.json<{ version: number }>()).version))
    expect(new Set(versions)).toEqual(new Set([1]))
    const row = await analysisRow(analysis.id)
    expect(row).toMatchObject({ status: 'processing', version: 1 })
    expect(await transitionAudits(analysis.id)).toHaveLength(1)
    await expectD1EqualsObject(analysis.id)
  })

  it.each([
    ['finalize', 'POST', 'finalize'],
    ['a terminal status update', 'PATCH', 'status'],
  ])('finishes a bulk write in flight before %s answers, or refuses it after', async (_what, method, path) => {
    const { analysis } = await processingAnalysis()
    const annotations = Array.from({ length: 2000 }, (_, i) => ({
      annotation_type: 'classification',
      class_name: `c${i}`,
      data: { score: (i % 100) / 100 },
    }))
    const bulk = signed('POST', `/api/analyses/${analysis.id}/annotations:bulk`, { annotations })
    const finalize = signed(method, `/api/analyses/${analysis.id}/${path}`, { status: 'completed' })
    const [bulkRes, finalRes] = await Promise.all([bulk, finalize])
    expect(finalRes.status).toBe(200)
    const final = await finalRes.json<{ annotation_count: number }>()
    if (bulkRes.status === 200) {
      // The bulk write started first: finalize waited for it, so the frozen set includes it.
      expect(final.annotation_count).toBe(2000)
    } else {
      expect(bulkRes.status).toBe(409)
      expect((await bulkRes.json<Envelope>()).error.code).toBe('analysis_finalized')
      expect(final.annotation_count).toBe(0)
    }
    const stored = await env.DB.prepare('SELECT count(*) AS n FROM annotations WHERE analysis_id = ?').bind(analysis.id).first<{ n: number }>()
    expect(stored!.n).toBe(final.annotation_count)
    await expectD1EqualsObject(analysis.id)
  })

  it('keeps every concurrent append of distinct annotations', async () => {
    const { analysis } = await processingAnalysis()
    const batches = Array.from({ length: 10 }, (_, b) =>
      Array.from({ length: 50 }, (_, i) => ({ annotation_type: 'classification', class_name: `b${b}-${i}`, data: { score: 0.5 } })),
    )
    const responses = await Promise.all(batches.map((annotations) => signed('POST', `/api/analyses/${analysis.id}/annotations:bulk`, { annotations })))
    for (const res of responses) expect(await res.json()).toMatchObject({ created: 50, duplicates: 0 })
    const row = await analysisRow(analysis.id)
    expect(row!.annotation_count).toBe(500)
    await expectD1EqualsObject(analysis.id)
  })

  // Starts a bulk write, waits until it is past the gate and in flight, then makes the second call:
  // the interleaving a pipeline gets when it finalizes while its last bulk post is still running.
  const bulkThen = (id: string, second: (o: AnalysisObject) => Promise<unknown>) =>
    runInDurableObject(analysisStub(id), async (instance: AnalysisObject) => {
      // Parsed the way the route parses it before calling the object.
      const body = BulkAnnotationsRequest.parse({
        annotations: Array.from({ length: 10 }, (_, i) => ({ annotation_type: 'classification', class_name: `c${i}`, data: { score: 0.5 } })),
      })
      const bulk = instance.bulkAnnotations(body, { requestId: crypto.randomUUID() })
      const inflight = Reflect.get(instance, 'inflight') as Set<Promise<unknown>>
      for (let spins = 0; inflight.size === 0; spins++) {
        if (spins > 1000) throw new Error('the bulk write never started')
        await Promise.resolve()
      }
      return Promise.all([bulk, second(instance)])
    })

  it.each([
    ['finalize', 'completed', (id: string) => (o: AnalysisObject) => o.finalize({ status: 'completed' }, { requestId: crypto.randomUUID() })],
    ['a status update', 'failed', (id: string) => (o: AnalysisObject) => o.updateStatus({ status: 'failed' }, { requestId: crypto.randomUUID() })],
    ['a user cancel', 'canceled', (id: string) => (o: AnalysisObject) => o.cancel(crypto.randomUUID(), { requestId: crypto.randomUUID() })],
  ])('keeps D1 equal to the object when %s lands during a bulk write', async (_what, status, call) => {
    const { analysis } = await processingAnalysis()
    await bulkThen(analysis.id, call(analysis.id))
    expect(await analysisRow(analysis.id)).toMatchObject({ status, annotation_count: 10 })
    await expectD1EqualsObject(analysis.id)
  })

  it('refuses a bulk write that reaches the object just after finalize, even within the same tick', async () => {
    const { analysis } = await processingAnalysis()
    const id = analysis.id
    const body = BulkAnnotationsRequest.parse({ annotations: [{ annotation_type: 'classification', class_name: 'late', data: { score: 0.5 } }] })
    const [finalized, late] = await runInDurableObject(analysisStub(id), (instance: AnalysisObject) =>
      Promise.all([
        instance.finalize({ status: 'completed' }, { requestId: crypto.randomUUID() }),
        instance.bulkAnnotations(body, { requestId: crypto.randomUUID() }),
      ]),
    )
    expect(finalized).toMatchObject({ ok: true, value: { status: 'completed', annotation_count: 0 } })
    expect(late).toMatchObject({ ok: false, status: 409, error: { code: 'analysis_finalized' } })
    expect(await analysisRow(id)).toMatchObject({ status: 'completed', annotation_count: 0 })
    await expectD1EqualsObject(id)
  })
})
