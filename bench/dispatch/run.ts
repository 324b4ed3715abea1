import { median, percentile, startBenchServer } from '../dev-server'
import { emit, int, ms, ratio, type Row } from '../report'
import { measureClaims } from './claims'
import { measurePush } from './push'

/**
 * Dispatch, both ways, against `wrangler dev` with push and pull on (docs/dispatch.md).
 *
 * Pull: CLAIM_ANALYSES (10,000) queued analyses, created by the user, for a model only a pipeline
 * without a webhook serves; CLAIM_WORKERS (20) workers, each its own key of that pipeline, claim
 * `{limit: 10, kinds: ["analysis"]}` until their claim comes back empty. Every id must come out
 * exactly once. Baseline: the same workers and keys sending as many `GET /api/pipelines/me` (an
 * authenticated read through the same key lookup and rate limiter, with nothing behind it), once
 * before the claims and once after.
 *
 * Push: PUSH_ANALYSES (200) creates, one at a time, for a model whose pipeline's `webhook_url` is a
 * loopback receiver in this process; latency is the create's response → the receiver has the
 * delivery (then verified with `standardwebhooks`). Then as many again in bursts of PUSH_BURST (10).
 * Baseline: a POST of the same signed body from this process to the same receiver.
 *
 * Requests go straight to the workerd runtime (VIA=proxy: through wrangler's dev proxy), as in
 * bench/fanout; the queue consumer is in the same runtime either way. wrangler dev rebuilds and
 * restarts the runtime when a source file changes, which drops the runtime's port and any queued
 * delivery: run it on a tree nobody is editing (docs/PERFORMANCE.md#dispatch says how).
 */
const CLAIM_ANALYSES = Number(process.env.CLAIM_ANALYSES ?? 10_000)
const CLAIM_WORKERS = Number(process.env.CLAIM_WORKERS ?? 20)
const SEED_CONCURRENCY = Number(process.env.SEED_CONCURRENCY ?? 8)
const PUSH_ANALYSES = Number(process.env.PUSH_ANALYSES ?? 200)
const PUSH_BURST = Number(process.env.PUSH_BURST ?? 10)
const WARMUP = 5
const VIA = process.env.VIA === 'proxy' ? 'proxy' : 'runtime'

const server = await startBenchServer(Number(process.env.PORT ?? 8826), {
  vars: {
    ML_PIPELINE_PUSH_WEBHOOKS_ENABLED: 'true',
    ML_WEBHOOK_ALLOW_LOOPBACK: 'true',
    // 10,000 queued analyses of one user are the point here, not a mistake to refuse.
    ML_MAX_PENDING_PER_USER: '0',
    // No lease may run out during the race: a second claim of an expired lease is by design, and
    // would read as a double claim.
    ML_CLAIM_LEASE_SECONDS: '86400',
    // The limiter still runs on every request (claims and the baseline alike); it must not refuse.
    ML_RATE_LIMIT_PIPELINE_KEY_PER_MINUTE: '1000000',
  },
})
const p50p99 = (xs: number[]) => `${ms(median(xs))} · ${ms(percentile(xs, 99))}`
const both = (xs: number[], base: number[]) => [ratio(median(xs), median(base)), ratio(percentile(xs, 99), percentile(base, 99))]
const seconds = (x: number) => `${(x / 1000).toFixed(1)} s`
const rate = (x: number) => (x < 100 ? x.toFixed(1) : int(x))

try {
  const base = (VIA === 'runtime' && server.runtimeUrl) || server.baseUrl
  const via = base === server.baseUrl ? 'via wrangler proxy' : 'runtime'
  const rows: Row[] = []

  const started = performance.now()
  const push = await measurePush(server, base, { count: PUSH_ANALYSES, burst: PUSH_BURST, warmup: WARMUP })
  const pushMs = performance.now() - started
  rows.push(
    {
      benchmark: 'dispatch',
      measure: `push: create response → verified delivery, one at a time (${int(push.alone.length)}, ${via}), p50 · p99`,
      value: p50p99(push.alone),
      baseline: `direct POST ${p50p99(push.direct)}`,
      ratio: both(push.alone, push.direct),
    },
    {
      benchmark: 'dispatch',
      measure: `push: create response → verified delivery, bursts of ${PUSH_BURST} (${int(push.burst.length)}), p50 · p99`,
      value: p50p99(push.burst),
      baseline: `direct POST ${p50p99(push.direct)}`,
      ratio: both(push.burst, push.direct),
    },
    {
      benchmark: 'dispatch',
      measure: `push: Loupe's POST to the receiver (delivery log latency_ms, ${int(push.loggedPost.length)}), p50 · p99`,
      value: p50p99(push.loggedPost),
      baseline: `direct POST ${p50p99(push.direct)}`,
      ratio: both(push.loggedPost, push.direct),
    },
    {
      benchmark: 'dispatch',
      measure: 'push: deliveries refused by standardwebhooks verify',
      value: int(push.rejected),
      goal: '0',
      met: push.rejected === 0,
    },
  )

  const pull = await measureClaims(server, base, { count: CLAIM_ANALYSES, workers: CLAIM_WORKERS, seedConcurrency: SEED_CONCURRENCY })
  const claimRps = (pull.claimRequests / pull.claimMs) * 1000
  const readRequests = pull.read.reduce((n, r) => n + r.requests, 0)
  const readRps = (readRequests / pull.read.reduce((t, r) => t + r.ms, 0)) * 1000
  const [before, after] = pull.read.map((r) => rate((r.requests / r.ms) * 1000))
  const doubles = [...pull.counts.values()].filter((n) => n > 1).length
  rows.push(
    {
      benchmark: 'dispatch',
      measure: `pull: seed ${int(pull.seeded)} analyses, one user POST each, ${SEED_CONCURRENCY} in flight`,
      value: `${seconds(pull.seedMs)}, ${rate((pull.seeded / pull.seedMs) * 1000)} creates/s`,
    },
    {
      benchmark: 'dispatch',
      measure: `pull: ${CLAIM_WORKERS} workers claim {limit: 10} until empty (${via}): claim requests/s (runs claimed/s)`,
      value: `${rate(claimRps)} req/s (${rate((pull.counts.size / pull.claimMs) * 1000)} claimed/s, ${(pull.counts.size / pull.claimRequests).toFixed(1)} a request; ${int(pull.claimRequests)} requests in ${seconds(pull.claimMs)})`,
      baseline: `GET /api/pipelines/me ${rate(readRps)} req/s (${before} before, ${after} after)`,
      ratio: ratio(claimRps, readRps),
    },
    {
      benchmark: 'dispatch',
      measure: `pull: one claim request under ${CLAIM_WORKERS}-way contention, p50 · p99`,
      value: p50p99(pull.claimLatencies),
      baseline: `GET /api/pipelines/me ${p50p99(pull.readLatencies)}`,
      ratio: both(pull.claimLatencies, pull.readLatencies),
    },
    {
      benchmark: 'dispatch',
      measure: `pull: double claims · never claimed · left behind by an early empty claim · not seeded · malformed (of ${int(pull.seeded)})`,
      value: [doubles, pull.missing, pull.leftBehind, pull.foreign, pull.malformed].map(int).join(' · '),
      goal: 'all 0',
      met: doubles + pull.missing + pull.leftBehind + pull.foreign + pull.malformed === 0,
    },
  )
  console.log(
    JSON.stringify(
      {
        via,
        push: { seconds: pushMs / 1000, alone_p50_ms: median(push.alone), alone_p99_ms: percentile(push.alone, 99), alone_from_send_p50_ms: median(push.aloneFromSend), burst_p50_ms: median(push.burst), burst_p99_ms: percentile(push.burst, 99), logged_post_p50_ms: median(push.loggedPost), direct_p50_ms: median(push.direct), direct_p99_ms: percentile(push.direct, 99), rejected: push.rejected },
        pull: { seeded: pull.seeded, seed_seconds: pull.seedMs / 1000, workers: pull.workers, claim_seconds: pull.claimMs / 1000, claim_requests: pull.claimRequests, claim_rps: claimRps, claimed_per_second: (pull.counts.size / pull.claimMs) * 1000, read_rps: readRps, read: pull.read, doubles, missing: pull.missing, left_behind: pull.leftBehind, foreign: pull.foreign, malformed: pull.malformed },
      },
      null,
      2,
    ),
  )
  emit(rows)
  if (doubles + pull.missing + pull.foreign + pull.malformed + push.rejected > 0) process.exitCode = 1
} finally {
  server.stop()
}
