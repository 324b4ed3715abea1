import { env } from 'cloudflare:workers'
import { evictDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { nextState, type TransitionVia } from '../../durable-objects/transitions'
import type { AnalysisStatus } from '../../src/schemas/analyses'
import { analysisRow, analysisStub, api, objectState, scenario, signed, type TestUser } from './helpers'

const STATUSES: AnalysisStatus[] = ['queued', 'processing', 'completed', 'failed', 'canceled']
const TERMINAL: AnalysisStatus[] = ['completed', 'failed', 'canceled']

// The state machine as docs/state-machine.md states it, written out independently of durable-objects/transitions.ts.
const LEGAL: Record<AnalysisStatus, AnalysisStatus[]> = {
  queued: ['processing', 'canceled'],
  processing: ['completed', 'failed', 'canceled'],
  completed: [],
  failed: [],
  canceled: [],
}
const FAST_PATH: Partial<Record<AnalysisStatus, AnalysisStatus[]>> = { queued: ['completed', 'failed'] }

type Outcome = 'move' | 'noop' | 'illegal'

function expectedOutcome(from: AnalysisStatus, to: AnalysisStatus, via: TransitionVia): Outcome {
  if (from === to) return 'noop'
  if (LEGAL[from].includes(to)) return 'move'
  if (via === 'finalize' && FAST_PATH[from]?.includes(to)) return 'move'
  return 'illegal'
}

const pairs = (vias: TransitionVia[]) =>
  vias.flatMap((via) => STATUSES.flatMap((from) => STATUSES.map((to) => ({ from, to, via, outcome: expectedOutcome(from, to, via) }))))

describe('nextState (pure table)', () => {
  it.each(pairs(['status', 'finalize']))('$from → $to via $via is $outcome', ({ from, to, via, outcome }) => {
    const result = nextState(from, to, via)
    expect(result.kind).toBe(outcome)
    if (outcome !== 'noop') expect(result).toEqual({ kind: outcome, from, to })
  })

  it.each(pairs(['cancel', 'heartbeat']))('$from → $to via $via is $outcome (no fast path)', ({ from, to, via, outcome }) => {
    expect(nextState(from, to, via).kind).toBe(outcome)
  })

  it('allows no way out of a terminal state', () => {
    for (const from of TERMINAL) for (const to of STATUSES) if (to !== from) expect(nextState(from, to, 'finalize').kind).toBe('illegal')
  })
})

interface Analysis {
  id: string
  status: AnalysisStatus
  version: number
  started_at: string | null
  completed_at: string | null
  updated_at: string | null
  error_message: string | null
  progress: number
}

interface Envelope {
  error: { code: string; message: string; details: Record<string, unknown> | null }
}

/** Brings a fresh analysis into `status` the way a pipeline and a user would: through the API. */
async function analysisIn(status: AnalysisStatus): Promise<{ owner: TestUser; analysis: Analysis }> {
  const { owner, analysis } = await scenario()
  const step = async (res: Promise<Response>) => {
    const r = await res
    expect(r.status, await r.clone().text()).toBe(200)
  }
  if (status === 'processing' || status === 'completed' || status === 'failed') {
    await step(signed('PATCH', `/api/analyses/${analysis.id}/status`, { status: 'processing' }))
  }
  if (status === 'completed') await step(signed('POST', `/api/analyses/${analysis.id}/finalize`, { status: 'completed' }))
  if (status === 'failed') await step(signed('PATCH', `/api/analyses/${analysis.id}/status`, { status: 'failed', error_message: 'boom' }))
  if (status === 'canceled') await step(api(`/api/analyses/${analysis.id}/cancel`, { method: 'POST', token: owner.token }))
  const current = await (await api(`/api/analyses/${analysis.id}`, { token: owner.token })).json<Analysis>()
  expect(current.status).toBe(status)
  return { owner, analysis: current }
}

/** D1 and the Durable Object must agree on every field the object owns. */
async function expectD1MatchesObject(id: string) {
  const [row, state] = await Promise.all([analysisRow(id), objectState(id)])
  expect(state).toBeDefined()
  expect({
    status: row!.status,
    version: row!.version,
    started_at: row!.started_at,
    completed_at: row!.completed_at,
    updated_at: row!.updated_at,
    error_message: row!.error_message,
    progress: row!.progress,
  }).toEqual({
    status: state!.status,
    version: state!.version,
    started_at: state!.started_at,
    completed_at: state!.completed_at,
    updated_at: state!.updated_at,
    error_message: state!.error_message,
    progress: state!.progress,
  })
}

type Endpoint = 'status' | 'finalize'
const httpCases = STATUSES.flatMap((from) => [
  ...STATUSES.map((to) => ({ from, to, endpoint: 'status' as Endpoint })),
  ...(['completed', 'failed'] as AnalysisStatus[]).map((to) => ({ from, to, endpoint: 'finalize' as Endpoint })),
]).map((c) => ({
  ...c,
  // A canceled analysis tells the pipeline to stop rather than arguing about the transition.
  outcome: (c.from === 'canceled' && c.to !== 'canceled' ? 'canceled' : expectedOutcome(c.from, c.to, c.endpoint)) as Outcome | 'canceled',
}))

function callback(endpoint: Endpoint, id: string, to: AnalysisStatus) {
  const body = to === 'failed' ? { status: to, error_message: 'model crashed' } : { status: to }
  return endpoint === 'status' ? signed('PATCH', `/api/analyses/${id}/status`, body) : signed('POST', `/api/analyses/${id}/finalize`, body)
}

describe('transitions over HTTP', () => {
  it.each(httpCases)('$from → $to via $endpoint: $outcome', async ({ from, to, endpoint, outcome }) => {
    const { analysis: before } = await analysisIn(from)
    const audits = async () =>
      (await env.DB.prepare(`SELECT count(*) AS n FROM audit_log WHERE target_id = ? AND action LIKE 'analysis.%'`).bind(before.id).first<{ n: number }>())!.n
    const auditsBefore = await audits()
    const res = await callback(endpoint, before.id, to)

    if (outcome === 'illegal') {
      expect(res.status).toBe(409)
      const { error } = await res.json<Envelope>()
      expect(error.code).toBe('illegal_transition')
      expect(error.details).toEqual({ current_status: from, requested_status: to })
    } else if (outcome === 'canceled') {
      expect(res.status).toBe(409)
      expect((await res.json<Envelope>()).error.code).toBe('analysis_canceled')
    } else {
      expect(res.status, await res.clone().text()).toBe(200)
      const after = await res.json<Analysis>()
      expect(after.status).toBe(to)
      if (outcome === 'noop') {
        expect(after).toMatchObject({ version: before.version, updated_at: before.updated_at, completed_at: before.completed_at })
      } else {
        expect(after.version).toBe(before.version + 1)
        expect(after.updated_at).not.toBe(before.updated_at)
        if (to === 'processing') expect(after.started_at).toBe(after.updated_at)
        else expect(after.started_at).toBe(before.started_at)
        if (TERMINAL.includes(to)) expect(after.completed_at).toBe(after.updated_at)
        else expect(after.completed_at).toBeNull()
        if (to === 'failed') expect(after.error_message).toBe('model crashed')
        if (to === 'completed') expect(after.progress).toBe(1)
      }
    }

    const row = await analysisRow(before.id)
    expect(row!.status).toBe(outcome === 'move' ? to : from)
    expect(row!.version).toBe(before.version + (outcome === 'move' ? 1 : 0))
    // Every move is audited; a refused or idle call leaves no transition behind.
    expect(await audits()).toBe(auditsBefore + (outcome === 'move' ? 1 : 0))
    await expectD1MatchesObject(before.id)
  })
})

describe('transition details', () => {
  it('creates an analysis at version 0 with no timestamps but created_at', async () => {
    const { analysis } = await analysisIn('queued')
    expect(analysis).toMatchObject({ status: 'queued', version: 0, started_at: null, completed_at: null })
  })

  it('keeps started_at from processing through to completion', async () => {
    const { analysis } = await analysisIn('processing')
    expect(analysis.started_at).not.toBeNull()
    const res = await signed('POST', `/api/analyses/${analysis.id}/finalize`, { status: 'completed' })
    const done = await res.json<Analysis>()
    expect(done.started_at).toBe(analysis.started_at)
    expect(Date.parse(done.completed_at!)).toBeGreaterThanOrEqual(Date.parse(analysis.started_at!))
    expect(done.version).toBe(2)
  })

  it('takes the fast path from queued to completed without a started_at', async () => {
    const { analysis } = await analysisIn('queued')
    const res = await signed('POST', `/api/analyses/${analysis.id}/finalize`, { status: 'completed' })
    expect(await res.json()).toMatchObject({ status: 'completed', started_at: null, version: 1 })
  })

  it('does not take the fast path through the status endpoint', async () => {
    const { analysis } = await analysisIn('queued')
    const res = await signed('PATCH', `/api/analyses/${analysis.id}/status`, { status: 'completed' })
    expect(res.status).toBe(409)
  })

  it('rejects a status the state machine does not know', async () => {
    const { analysis } = await analysisIn('queued')
    const res = await signed('PATCH', `/api/analyses/${analysis.id}/status`, { status: 'done' })
    expect(res.status).toBe(400)
    expect((await res.json<Envelope>()).error.message).toMatch(/^status: /)
  })

  it('rejects finalize to a status other than completed or failed', async () => {
    const { analysis } = await analysisIn('processing')
    const res = await signed('POST', `/api/analyses/${analysis.id}/finalize`, { status: 'canceled' })
    expect(res.status).toBe(400)
  })

  it('answers 404 for an analysis that does not exist', async () => {
    const res = await signed('PATCH', `/api/analyses/${crypto.randomUUID()}/status`, { status: 'processing' })
    expect(res.status).toBe(404)
  })

  it('keeps enforcing the table after the object is evicted and rebuilt from storage', async () => {
    const { analysis } = await analysisIn('completed')
    await evictDurableObject(analysisStub(analysis.id))
    const res = await signed('PATCH', `/api/analyses/${analysis.id}/status`, { status: 'processing' })
    expect(res.status).toBe(409)
    expect((await res.json<Envelope>()).error.details).toMatchObject({ current_status: 'completed' })
    await expectD1MatchesObject(analysis.id)
  })

  it('is the only writer: a status written straight into D1 does not move the object', async () => {
    const { analysis } = await analysisIn('processing')
    await env.DB.prepare(`UPDATE analyses SET status = 'queued' WHERE id = ?`).bind(analysis.id).run()
    const res = await signed('POST', `/api/analyses/${analysis.id}/finalize`, { status: 'completed' })
    expect(res.status).toBe(200)
    expect(await analysisRow(analysis.id)).toMatchObject({ status: 'completed', version: 2 })
  })
})
