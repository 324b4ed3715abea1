import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { emit, int, ms, ratio } from '../report'

/**
 * COCO bbox evaluation of 10,000 images with about 20 ground-truth and 30 predicted boxes each
 * (seeded, bench/evaluation/synthetic.ts), by src/domain/evaluation and by a plain Node
 * implementation of the same matching (bench/evaluation/baseline.ts), each in its own process so
 * that its memory is its own: `npx tsx bench/evaluation/run.ts`. Both must give the same 12 stats.
 * IMAGES, GT, DT, RUNS and SEED override the defaults.
 */
const child = fileURLToPath(new URL('./child.ts', import.meta.url))

function run(mode: 'engine' | 'baseline' | 'idle') {
  const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', child, mode], {
    env: process.env,
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  return JSON.parse(out.toString()) as Record<string, any>
}

const round = (n: number, digits = 0) => Math.round(n * 10 ** digits) / 10 ** digits
const mb = (x: number) => `${x < 100 ? x.toFixed(1) : Math.round(x).toLocaleString('en-US')} MB`
// A Worker's memory limit: the engine's inputs and working memory together must fit in it.
const WORKER_MB = 128

const idle = run('idle')
const engine = run('engine')
const baseline = run('baseline')

const statsDiff = Math.max(...(engine.stats as number[]).map((s, i) => Math.abs(s - baseline.stats[i])))
if (!(statsDiff < 1e-9)) throw new Error(`the two implementations disagree by ${statsDiff}: ${engine.stats} vs ${baseline.stats}`)

const summary = (r: Record<string, any>) => ({
  median_ms: round(r.median_ms),
  times_ms: r.times_ms.map((t: number) => round(t)),
  // What the inputs hold: heap and array buffers after a full GC, less an idle process's.
  input_mb: round(r.input_memory.heap_used_mb + r.input_memory.array_buffers_mb - idle.memory.heap_used_mb - idle.memory.array_buffers_mb, 1),
  rss_before_mb: round(r.input_memory.rss_mb, 1),
  peak_rss_mb: round(r.peak_rss_mb, 1),
  peak_rss_over_input_mb: round(r.peak_rss_over_input_mb, 1),
  peak_rss_over_idle_node_mb: round(r.peak_rss_mb - idle.memory.rss_mb, 1),
})

console.log(
  JSON.stringify(
    {
      images: engine.images,
      ground_truth: engine.ground_truth,
      detections: engine.detections,
      idle_node_rss_mb: round(idle.memory.rss_mb, 1),
      engine: summary(engine),
      baseline: summary(baseline),
      ratio: {
        time_baseline_over_engine: round(baseline.median_ms / engine.median_ms, 1),
        peak_rss_over_idle_baseline_over_engine: round((baseline.peak_rss_mb - idle.memory.rss_mb) / (engine.peak_rss_mb - idle.memory.rss_mb), 1),
        evaluation_memory_baseline_over_engine: round(baseline.peak_rss_over_input_mb / engine.peak_rss_over_input_mb, 1),
      },
      same_stats: { max_abs_difference: statsDiff, stats: (engine.stats as number[]).map((s) => round(s, 6)) },
      live_threshold: { index_build_ms: round(engine.threshold.build_ms, 1), per_step_us: round(engine.threshold.step_us, 1) },
    },
    null,
    2,
  ),
)

// What a Worker would hold: the inputs plus the memory the evaluation adds on top of them.
const engineInputMb = engine.input_memory.heap_used_mb + engine.input_memory.array_buffers_mb - idle.memory.heap_used_mb - idle.memory.array_buffers_mb
const baselineInputMb = baseline.input_memory.heap_used_mb + baseline.input_memory.array_buffers_mb - idle.memory.heap_used_mb - idle.memory.array_buffers_mb
const engineHeldMb = engineInputMb + engine.peak_rss_over_input_mb
const baselineHeldMb = baselineInputMb + baseline.peak_rss_over_input_mb
const scale = `${int(engine.images)} images, ${int(engine.ground_truth)} GT, ${int(engine.detections)} boxes`
emit([
  {
    benchmark: 'evaluation',
    measure: `COCO bbox evaluation, ${scale}, median of ${engine.times_ms.length} (same 12 stats)`,
    value: ms(engine.median_ms),
    baseline: `${ms(baseline.median_ms)} (plain Node)`,
    ratio: ratio(engine.median_ms, baseline.median_ms),
  },
  {
    benchmark: 'evaluation',
    measure: 'resident memory added by the evaluation (peak over before)',
    value: mb(engine.peak_rss_over_input_mb),
    baseline: mb(baseline.peak_rss_over_input_mb),
    ratio: ratio(engine.peak_rss_over_input_mb, baseline.peak_rss_over_input_mb),
  },
  {
    benchmark: 'evaluation',
    measure: 'inputs + evaluation memory',
    value: mb(engineHeldMb),
    baseline: mb(baselineHeldMb),
    ratio: ratio(engineHeldMb, baselineHeldMb),
    goal: `engine < ${WORKER_MB} MB (a Worker)`,
    met: engineHeldMb < WORKER_MB,
  },
  {
    benchmark: 'evaluation',
    measure: 'peak resident memory over an idle Node process',
    value: mb(engine.peak_rss_mb - idle.memory.rss_mb),
    baseline: mb(baseline.peak_rss_mb - idle.memory.rss_mb),
    ratio: ratio(engine.peak_rss_mb - idle.memory.rss_mb, baseline.peak_rss_mb - idle.memory.rss_mb),
  },
  { benchmark: 'evaluation', measure: `live threshold: index over ${int(engine.detections)} detections, once`, value: ms(engine.threshold.build_ms) },
  { benchmark: 'evaluation', measure: 'live threshold: one step, every class', value: `${round(engine.threshold.step_us, 1)} µs` },
])
