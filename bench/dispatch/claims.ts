import type { BenchServer } from '../dev-server'
import { analysisFactory, pool, registerPipeline } from './world'

const MODEL = 'bench-pull'
const CLAIM_BODY = JSON.stringify({ limit: 10, kinds: ['analysis'] })

export interface ClaimRun {
  seeded: number
  seedMs: number
  workers: number
  /** Claim phase: first request sent → the last worker's empty answer. */
  claimMs: number
  claimRequests: number
  claimLatencies: number[]
  /** How often each id was handed out. */
  counts: Map<string, number>
  /** Seeded ids nobody got, not even the final sweep. */
  missing: number
  /** Ids handed out that were not seeded (another project's, another model's). */
  foreign: number
  /** Claims a final single worker still got after the race: what an early empty answer left behind. */
  leftBehind: number
  /** Claimed runs whose body was not a well-formed analysis hand-out (kind, lease, data for the id). */
  malformed: number
  /** Baselines, before and after the claims: the same workers, keys and request count on GET /api/pipelines/me. */
  read: { ms: number; requests: number }[]
  readLatencies: number[]
}

interface Claimed {
  kind: string
  id: string
  lease?: { token?: string }
  data?: { analysis?: { id?: string }; callback?: { secret?: string } }
}

async function claim(base: string, key: string): Promise<{ claimed: Claimed[]; ms: number }> {
  const start = performance.now()
  const res = await fetch(`${base}/api/pipelines/claim`, { method: 'POST', headers: { 'X-API-Key': key, 'Content-Type': 'application/json' }, body: CLAIM_BODY })
  const text = await res.text()
  const ms = performance.now() - start
  if (!res.ok) throw new Error(`claim: ${res.status} ${text.slice(0, 300)}`)
  return { claimed: (JSON.parse(text) as { claimed: Claimed[] }).claimed, ms }
}

async function read(base: string, key: string): Promise<number> {
  const start = performance.now()
  const res = await fetch(`${base}/api/pipelines/me`, { headers: { 'X-API-Key': key } })
  const text = await res.text()
  const ms = performance.now() - start
  if (!res.ok) throw new Error(`GET /api/pipelines/me: ${res.status} ${text.slice(0, 300)}`)
  return ms
}

/** Every worker sends `perWorker` reads one after another, all at once; wall time of the lot. */
async function readPhase(base: string, keys: string[], perWorker: number, latencies: number[]) {
  const start = performance.now()
  await Promise.all(
    keys.map(async (key) => {
      for (let i = 0; i < perWorker; i++) latencies.push(await read(base, key))
    }),
  )
  return { ms: performance.now() - start, requests: perWorker * keys.length }
}

/**
 * Pull dispatch under contention: `count` queued analyses, created by the user one request each
 * (there is no bulk create), for a model only a pipeline without a `webhook_url` serves, so nothing
 * is pushed; then `workers` workers, each with its own key of that pipeline, claim 10 at a time
 * until their claim comes back empty. Every id must come out exactly once.
 */
export async function measureClaims(s: BenchServer, base: string, { count, workers, seedConcurrency }: { count: number; workers: number; seedConcurrency: number }): Promise<ClaimRun> {
  const factory = await analysisFactory(s, base, MODEL)
  const pipeline = await registerPipeline(s, base, factory.projectId, MODEL, { keys: workers })
  const seedStart = performance.now()
  await factory.reserve(count)
  const seeded = new Set((await pool(count, seedConcurrency, () => factory.create())).map((c) => c.id))
  const seedMs = performance.now() - seedStart
  if (seeded.size !== count) throw new Error(`seeded ${seeded.size} distinct analyses, not ${count}`)

  // Warm every key and isolate path once, so neither phase pays a first request's cost.
  await Promise.all(pipeline.keys.map((key) => read(base, key)))

  const counts = new Map<string, number>()
  const claimLatencies: number[] = []
  let malformed = 0
  const take = (claimed: Claimed[]) => {
    for (const c of claimed) {
      counts.set(c.id, (counts.get(c.id) ?? 0) + 1)
      if (c.kind !== 'analysis' || !c.lease?.token || c.data?.analysis?.id !== c.id || !c.data.callback?.secret) malformed++
    }
  }
  // The claim phase is sized in requests only once it has run; the first baseline reads the same
  // number a full drain needs when every claim is full (count / 10 + one empty claim per worker).
  const expectedRequests = Math.ceil(count / 10) + workers
  const readLatencies: number[] = []
  const readBefore = await readPhase(base, pipeline.keys, Math.ceil(expectedRequests / workers), readLatencies)

  const claimStart = performance.now()
  await Promise.all(
    pipeline.keys.map(async (key) => {
      for (;;) {
        const { claimed, ms } = await claim(base, key)
        claimLatencies.push(ms)
        if (!claimed.length) return
        take(claimed)
      }
    }),
  )
  const claimMs = performance.now() - claimStart
  const claimRequests = claimLatencies.length

  let leftBehind = 0
  for (;;) {
    const { claimed } = await claim(base, pipeline.keys[0]!)
    if (!claimed.length) break
    leftBehind += claimed.length
    take(claimed)
  }
  const missing = [...seeded].filter((id) => !counts.has(id)).length
  const readAfter = await readPhase(base, pipeline.keys, Math.ceil(claimRequests / workers), readLatencies)
  return {
    seeded: count,
    seedMs,
    workers,
    claimMs,
    claimRequests,
    claimLatencies,
    counts,
    missing,
    foreign: [...counts.keys()].filter((id) => !seeded.has(id)).length,
    leftBehind,
    malformed,
    read: [readBefore, readAfter],
    readLatencies,
  }
}
