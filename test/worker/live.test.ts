import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import type { AnalysisObject } from '../../durable-objects/analysis-object'
import type { RunState } from '../../durable-objects/run-state'
import { api, createUser, scenario, signed } from './helpers'
import { subscribe } from './live-client'

const stubFor = (id: string) => env.ANALYSIS.get(env.ANALYSIS.idFromName(id))

describe('live stream', () => {
  it('sends connected, then a snapshot, then 1,000 events in seq order', async () => {
    const { owner, analysis } = await scenario()
    await signed('PATCH', `/api/analyses/${analysis.id}/status`, { status: 'processing' })
    const sub = await subscribe(analysis.id, owner.token)
    await sub.next(2)
    expect(sub.messages[0]!.type).toBe('connected')
    expect(sub.messages[1]!.type).toBe('snapshot')
    expect(sub.messages[1]!.analysis.status).toBe('processing')
    const startSeq = sub.messages[1]!.seq
    for (let i = 1; i <= 1000; i += 25) {
      const batch = Array.from({ length: 25 }, (_, k) => signed('POST', `/api/analyses/${analysis.id}/progress`, { progress: (i + k) / 1000, stage: 'inference' }))
      for (const res of await Promise.all(batch)) expect(res.status).toBe(200)
    }
    const all = await sub.next(1002, 20_000)
    const events = all.slice(2)
    expect(events).toHaveLength(1000)
    events.forEach((e, i) => {
      expect(e.type).toBe('progress')
      expect(e.seq).toBe(startSeq + i + 1)
    })
    // Progress never goes backwards, whatever order concurrent callbacks land in.
    const progress = events.map((e) => e.progress)
    expect(progress).toEqual([...progress].sort((a, b) => a - b))
    expect(progress.at(-1)).toBe(1)
    sub.close()
  }, 60_000)

  it('fans out to several subscribers', async () => {
    const { owner, analysis } = await scenario()
    const subs = await Promise.all([1, 2, 3, 4, 5].map(() => subscribe(analysis.id, owner.token)))
    await Promise.all(subs.map((s) => s.next(2)))
    await signed('PATCH', `/api/analyses/${analysis.id}/status`, { status: 'processing' })
    for (const s of subs) {
      const m = await s.next(3)
      expect(m[2]!.type).toBe('status')
      expect(m[2]!.analysis.status).toBe('processing')
      s.close()
    }
  })

  it('resumes with ?since= with no gaps and no duplicates', async () => {
    const { owner, analysis } = await scenario()
    await signed('PATCH', `/api/analyses/${analysis.id}/status`, { status: 'processing' })
    const first = await subscribe(analysis.id, owner.token)
    await first.next(2)
    await signed('POST', `/api/analyses/${analysis.id}/progress`, { progress: 0.1 })
    const seen = await first.next(3)
    const lastSeen = seen[2]!.seq
    first.close()
    for (const p of [0.2, 0.3, 0.4]) await signed('POST', `/api/analyses/${analysis.id}/progress`, { progress: p })
    const resumed = await subscribe(analysis.id, owner.token, lastSeen)
    const m = await resumed.next(4)
    expect(m[0]!.type).toBe('connected')
    expect(m.slice(1).map((e) => e.seq)).toEqual([lastSeen + 1, lastSeen + 2, lastSeen + 3])
    expect(m.slice(1).map((e) => e.progress)).toEqual([0.2, 0.3, 0.4])
    resumed.close()
  })

  it('answers a resume older than the retained history with a snapshot marked reset', async () => {
    const { owner, analysis } = await scenario()
    await signed('PATCH', `/api/analyses/${analysis.id}/status`, { status: 'processing' })
    for (const p of [0.1, 0.2, 0.3]) await signed('POST', `/api/analyses/${analysis.id}/progress`, { progress: p })
    // Simulate pruning: the oldest events fall out of the history.
    await runInDurableObject(stubFor(analysis.id), (_o: AnalysisObject, state) => {
      state.storage.sql.exec('DELETE FROM events WHERE seq <= 2')
    })
    const sub = await subscribe(analysis.id, owner.token, 1)
    const m = await sub.next(2)
    expect(m[1]!.type).toBe('snapshot')
    expect(m[1]!.reset).toBe(true)
    sub.close()
  })

  it('still broadcasts after the object is evicted with its sockets hibernated', async () => {
    const { owner, analysis } = await scenario()
    const sub = await subscribe(analysis.id, owner.token)
    await sub.next(2)
    await evictDurableObject(stubFor(analysis.id), { webSockets: 'hibernate' })
    const res = await signed('PATCH', `/api/analyses/${analysis.id}/status`, { status: 'processing' })
    expect(res.status).toBe(200)
    const m = await sub.next(3)
    expect(m[2]!.type).toBe('status')
    expect(m[2]!.seq).toBeGreaterThan(m[1]!.seq)
    sub.close()
  })

  it('refuses the upgrade to anonymous callers and non-members', async () => {
    const { analysis } = await scenario()
    const stranger = await createUser('stranger')
    expect((await subscribe(analysis.id, undefined)).res.status).toBe(401)
    expect((await subscribe(analysis.id, stranger.token)).res.status).toBe(404)
  })
})

describe('heartbeats and timeouts', () => {
  async function backdate(id: string, patch: Partial<RunState>) {
    await runInDurableObject(stubFor(id), (_o: AnalysisObject, state) => {
      const current = state.storage.kv.get<RunState>('state')!
      state.storage.kv.put('state', { ...current, ...patch })
    })
    // The object keeps state in memory too; evict so it reloads what we wrote.
    await evictDurableObject(stubFor(id))
  }

  it('fails a processing analysis that stopped calling back, and a second alarm is a no-op', async () => {
    const { owner, analysis } = await scenario()
    await signed('PATCH', `/api/analyses/${analysis.id}/status`, { status: 'processing' })
    const sub = await subscribe(analysis.id, owner.token)
    await sub.next(2)
    await backdate(analysis.id, { last_callback_at: new Date(Date.now() - 601_000).toISOString() })
    expect(await runDurableObjectAlarm(stubFor(analysis.id))).toBe(true)
    const row = await env.DB.prepare('SELECT status, error_message, version FROM analyses WHERE id = ?').bind(analysis.id).first<{
      status: string
      error_message: string
      version: number
    }>()
    expect(row).toMatchObject({ status: 'failed', error_message: 'heartbeat timeout' })
    const m = await sub.next(3)
    expect(m.slice(2).some((e) => e.type === 'status')).toBe(true)
    await runDurableObjectAlarm(stubFor(analysis.id))
    const again = await env.DB.prepare('SELECT version FROM analyses WHERE id = ?').bind(analysis.id).first<{ version: number }>()
    expect(again!.version).toBe(row!.version)
    sub.close()
  })

  it('cancels a queued analysis older than the queue timeout', async () => {
    const { analysis } = await scenario()
    await runInDurableObject(stubFor(analysis.id), (o: AnalysisObject) => o.readLogs(0, 1))
    await backdate(analysis.id, { created_at: new Date(Date.now() - 86_401_000).toISOString() })
    await runDurableObjectAlarm(stubFor(analysis.id))
    const row = await env.DB.prepare('SELECT status FROM analyses WHERE id = ?').bind(analysis.id).first<{ status: string }>()
    expect(row!.status).toBe('canceled')
  })

  it('keeps a processing analysis alive while callbacks keep coming', async () => {
    const { analysis } = await scenario()
    await signed('PATCH', `/api/analyses/${analysis.id}/status`, { status: 'processing' })
    await runDurableObjectAlarm(stubFor(analysis.id))
    const row = await env.DB.prepare('SELECT status FROM analyses WHERE id = ?').bind(analysis.id).first<{ status: string }>()
    expect(row!.status).toBe('processing')
  })
})

describe('progress, stages and cancel', () => {
  it('records stages with timings and never moves progress backwards within a stage', async () => {
    const { owner, analysis } = await scenario()
    await signed('PATCH', `/api/analyses/${analysis.id}/status`, { status: 'processing', stage: 'preprocess', progress: 0.1 })
    await signed('POST', `/api/analyses/${analysis.id}/progress`, { progress: 0.3, stage: 'preprocess' })
    const back = await signed('POST', `/api/analyses/${analysis.id}/progress`, { progress: 0.2, stage: 'preprocess' })
    expect(((await back.json()) as { progress: number }).progress).toBe(0.3)
    await signed('POST', `/api/analyses/${analysis.id}/progress`, { progress: 0.25, stage: 'inference' })
    const sub = await subscribe(analysis.id, owner.token)
    const [, snap] = await sub.next(2)
    const stages: { name: string; ended_at: string | null; duration_ms: number | null }[] = snap!.stages
    expect(stages.map((s) => s.name)).toEqual(['preprocess', 'inference'])
    expect(stages[0]!.ended_at).not.toBeNull()
    expect(stages[0]!.duration_ms).toBeGreaterThanOrEqual(0)
    expect(stages[1]!.ended_at).toBeNull()
    expect(snap!.analysis.progress).toBe(0.25)
    sub.close()
  })

  it('lets an editor cancel, and the pipeline then hears 409 analysis_canceled on every callback', async () => {
    const { owner, analysis } = await scenario()
    await signed('PATCH', `/api/analyses/${analysis.id}/status`, { status: 'processing' })
    const res = await api(`/api/analyses/${analysis.id}/cancel`, { method: 'POST', token: owner.token })
    expect(res.status).toBe(200)
    expect(((await res.json()) as { status: string }).status).toBe('canceled')
    const calls = [
      signed('PATCH', `/api/analyses/${analysis.id}/status`, { status: 'completed' }),
      signed('POST', `/api/analyses/${analysis.id}/progress`, { progress: 0.5 }),
      signed('POST', `/api/analyses/${analysis.id}/logs`, { lines: [{ ts: new Date().toISOString(), level: 'info', message: 'x' }] }),
      signed('POST', `/api/analyses/${analysis.id}/annotations:bulk`, {
        annotations: [{ annotation_type: 'classification', data: { score: 0.5 } }],
      }),
      signed('POST', `/api/analyses/${analysis.id}/finalize`, { status: 'completed' }),
    ]
    for (const r of await Promise.all(calls)) {
      expect(r.status).toBe(409)
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe('analysis_canceled')
    }
  })
})

describe('logs', () => {
  const lines = (from: number, n: number) =>
    Array.from({ length: n }, (_, i) => ({ ts: new Date(1_700_000_000_000 + (from + i) * 1000).toISOString(), level: 'info', message: `line ${from + i}` }))

  it('persists the whole log to R2 in chunks and pages it back, during and after the run', async () => {
    const { owner, analysis } = await scenario()
    await signed('PATCH', `/api/analyses/${analysis.id}/status`, { status: 'processing' })
    for (let i = 0; i < 2500; i += 1000) {
      const r = await signed('POST', `/api/analyses/${analysis.id}/logs`, { lines: lines(i, Math.min(1000, 2500 - i)) })
      expect(r.status).toBe(200)
    }
    const listed = await env.BUCKET.list({ prefix: `ml_outputs/${analysis.id}/logs/` })
    expect(listed.objects.map((o) => o.key.split('/').pop())).toEqual(['000000.jsonl', '000001.jsonl'])

    const page = await api(`/api/analyses/${analysis.id}/logs?offset=900&limit=300`, { token: owner.token })
    const body = (await page.json()) as { lines: { message: string }[]; total: number; next_offset: number }
    expect(body.total).toBe(2500)
    expect(body.lines.map((l) => l.message)).toEqual(Array.from({ length: 300 }, (_, i) => `line ${900 + i}`))
    expect(body.next_offset).toBe(1200)

    await signed('POST', `/api/analyses/${analysis.id}/finalize`, { status: 'completed' })
    const after = await env.BUCKET.list({ prefix: `ml_outputs/${analysis.id}/logs/` })
    expect(after.objects).toHaveLength(3)
    const text = await (await api(`/api/analyses/${analysis.id}/logs?format=text`, { token: owner.token })).text()
    expect(text.trim().split('\n')).toHaveLength(2500)
    expect(text).toContain('line 2499')
  })

  it('rejects more than 1,000 lines in one request', async () => {
    const { analysis } = await scenario()
    const r = await signed('POST', `/api/analyses/${analysis.id}/logs`, { lines: lines(0, 1001) })
    expect(r.status).toBe(400)
  })

  it('batches a burst of log callbacks into few frames', async () => {
    const { owner, analysis } = await scenario()
    const sub = await subscribe(analysis.id, owner.token)
    await sub.next(2)
    await Promise.all(Array.from({ length: 20 }, (_, i) => signed('POST', `/api/analyses/${analysis.id}/logs`, { lines: lines(i, 1) })))
    await new Promise((r) => setTimeout(r, 300))
    const frames = sub.messages.filter((m) => m.type === 'log')
    const total = frames.reduce((n, f) => n + (f.lines as unknown[]).length, 0)
    expect(total).toBe(20)
    expect(frames.length).toBeLessThan(20)
    sub.close()
  })
})

describe('snapshot and log frames', () => {
  it('never delivers a log line twice to a socket that connects while a frame is pending', async () => {
    const { owner, analysis } = await scenario()
    await signed('POST', `/api/analyses/${analysis.id}/logs`, { lines: [{ ts: new Date().toISOString(), level: 'info', message: 'only once' }] })
    // Connect inside the ~75 ms frame window.
    const sub = await subscribe(analysis.id, owner.token)
    await sub.next(2)
    await new Promise((r) => setTimeout(r, 300))
    const seen = [
      ...((sub.messages[1]!.logs ?? []) as { message: string }[]),
      ...sub.messages.filter((m) => m.type === 'log').flatMap((m) => m.lines as { message: string }[]),
    ].filter((l) => l.message === 'only once')
    expect(seen).toHaveLength(1)
    sub.close()
  })
})
