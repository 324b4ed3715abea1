import { Worker } from 'node:worker_threads'
import { ColumnsBuilder, evaluate } from '../../src/domain/evaluation'
import { metricsAtThreshold, thresholdIndex, thresholdMatchesFromOutcomes } from '../../src/domain/evaluation/threshold'
import { type Box, baselineEvaluate } from './baseline'
import { CLASSES, generate } from './synthetic'

/**
 * One implementation in a process of its own (run.ts starts it with --expose-gc), so that memory
 * figures belong to it alone: the inputs are built, garbage collected and measured, then the
 * evaluation runs while a worker thread samples the process's resident memory every millisecond
 * (the evaluation is synchronous, so the main thread cannot sample itself).
 */
const mode = process.argv[2] as 'engine' | 'baseline' | 'idle'
const IMAGES = Number(process.env.IMAGES ?? 10_000)
const GT = Number(process.env.GT ?? 20)
const DT = Number(process.env.DT ?? 30)
const RUNS = Number(process.env.RUNS ?? 3)
const SEED = Number(process.env.SEED ?? 16)
const MB = 1024 * 1024

const gc = () => {
  for (let i = 0; i < 3; i++) (globalThis as { gc?: () => void }).gc?.()
}

const peak = new Float64Array(new SharedArrayBuffer(8))
const sampler = new Worker(
  `const { workerData } = require('node:worker_threads')
   const peak = new Float64Array(workerData)
   setInterval(() => { const r = process.memoryUsage.rss(); if (r > peak[0]) peak[0] = r }, 1)`,
  { eval: true, workerData: peak.buffer },
)
await new Promise((resolve) => sampler.once('online', resolve))
const settle = () => new Promise((resolve) => setTimeout(resolve, 20))

function memory() {
  const m = process.memoryUsage()
  return { rss_mb: m.rss / MB, heap_used_mb: m.heapUsed / MB, array_buffers_mb: m.arrayBuffers / MB }
}

async function measured<T>(run: () => T): Promise<{ value: T; ms: number; peak_rss_mb: number }> {
  await settle()
  peak[0] = 0
  await settle()
  const start = performance.now()
  const value = run()
  const ms = performance.now() - start
  await settle()
  return { value, ms, peak_rss_mb: Math.max(peak[0]!, process.memoryUsage.rss()) / MB }
}

/** The engine's columns; the builders (and their spare capacity) are garbage once this returns. */
function engineInput() {
  const gt = new ColumnsBuilder('bbox')
  const dt = new ColumnsBuilder('bbox')
  generate(SEED, IMAGES, GT, DT, {
    gt: (image, category, x, y, w, h, area, iscrowd) => gt.addGroundTruth({ image, category, bbox: [x, y, w, h], area, iscrowd }),
    dt: (image, category, x, y, w, h, score) => dt.addDetection({ image, category, bbox: [x, y, w, h], area: w * h, score }),
  })
  return {
    iouType: 'bbox' as const,
    imageCount: IMAGES,
    classNames: Array.from({ length: CLASSES }, (_, k) => `class_${k}`),
    groundTruth: gt.groundTruth(),
    detections: dt.detections(),
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

async function main() {
  if (mode === 'idle') {
    gc()
    await settle()
    return { mode, memory: memory() }
  }

  let evaluateOnce: () => number[]
  let counts = { ground_truth: 0, detections: 0 }
  let thresholdStep: (() => { build_ms: number; step_us: number }) | undefined
  if (mode === 'engine') {
    const input = engineInput()
    counts = { ground_truth: input.groundTruth.count, detections: input.detections.count }
    let last: ReturnType<typeof evaluate> | undefined
    evaluateOnce = () => {
      last = evaluate(input)
      return last.summary.stats
    }
    thresholdStep = () => {
      const start = performance.now()
      const index = thresholdIndex(thresholdMatchesFromOutcomes(input, last!.objects))
      const build_ms = performance.now() - start
      const steps = 1000
      const t0 = performance.now()
      for (let i = 0; i < steps; i++) metricsAtThreshold(index, i / steps)
      return { build_ms, step_us: ((performance.now() - t0) / steps) * 1000 }
    }
  } else {
    const gts: Box[] = []
    const dts: Box[] = []
    generate(SEED, IMAGES, GT, DT, {
      gt: (image, category, x, y, w, h, area, iscrowd) => gts.push({ id: gts.length + 1, image, category, bbox: [x, y, w, h], area, iscrowd, score: 0 }),
      dt: (image, category, x, y, w, h, score) => dts.push({ id: dts.length + 1, image, category, bbox: [x, y, w, h], area: w * h, iscrowd: false, score }),
    })
    counts = { ground_truth: gts.length, detections: dts.length }
    const imageIds = Array.from({ length: IMAGES }, (_, i) => i)
    const categoryIds = Array.from({ length: CLASSES }, (_, k) => k)
    evaluateOnce = () => baselineEvaluate(imageIds, categoryIds, gts, dts)
  }

  gc()
  await settle()
  const input = memory()
  // The first run, in a fresh heap, gives the memory figure; every run gives a time.
  const runs = []
  for (let r = 0; r < RUNS; r++) {
    runs.push(await measured(evaluateOnce))
    gc()
  }
  return {
    mode,
    images: IMAGES,
    ...counts,
    input_memory: input,
    peak_rss_mb: runs[0]!.peak_rss_mb,
    peak_rss_over_input_mb: runs[0]!.peak_rss_mb - input.rss_mb,
    max_rss_mb: process.resourceUsage().maxRSS / 1024,
    times_ms: runs.map((r) => r.ms),
    median_ms: median(runs.map((r) => r.ms)),
    stats: runs[runs.length - 1]!.value,
    ...(thresholdStep ? { threshold: thresholdStep() } : {}),
  }
}

const result = await main()
await sampler.terminate()
process.stdout.write(JSON.stringify(result))
