import { appendFileSync } from 'node:fs'

/**
 * One line of the results table: a figure, the baseline it is divided by (measured in the same
 * run), the ratio, and the goal it is held to. Every benchmark prints its rows as Markdown; under
 * `npm run bench` they are also appended to BENCH_ROWS_FILE so the runner can write one table.
 */
export interface Row {
  benchmark: string
  measure: string
  value: string
  baseline?: string
  /** value ÷ baseline (time ÷ time, lower is better); two ratios for a `p50 · p99` row. */
  ratio?: number | number[]
  goal?: string
  /** Whether the ratio meets the goal; absent when the figure has no goal. */
  met?: boolean
}

export const HEADER = '| benchmark | measure | value | baseline (same run) | ratio | goal |\n|---|---|---|---|---|---|'

export function markdownRow(r: Row): string {
  const one = (x: number) => `${x.toFixed(x < 10 ? 2 : 1)}×`
  const ratio = r.ratio === undefined ? '' : Array.isArray(r.ratio) ? r.ratio.map(one).join(' · ') : one(r.ratio)
  const goal = r.goal ? `${r.goal}${r.met === undefined ? '' : r.met ? ' ✅' : ' ❌'}` : ''
  return `| ${r.benchmark} | ${r.measure} | ${r.value} | ${r.baseline ?? ''} | ${ratio} | ${goal} |`
}

export function emit(rows: Row[]) {
  console.log(`\n${HEADER}\n${rows.map(markdownRow).join('\n')}\n`)
  const file = process.env.BENCH_ROWS_FILE
  if (file) appendFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n')
}

export const ms = (x: number) => `${x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : Math.round(x).toLocaleString('en-US')} ms`
export const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100
export const int = (x: number) => Math.round(x).toLocaleString('en-US')
