/**
 * The Prometheus text exposition format, version 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/): one `# HELP` and `# TYPE` per
 * family, then its samples.
 */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

export type Labels = Record<string, string>

export interface Sample {
  labels: Labels
  value: number
}

export interface Family {
  name: string
  help: string
  type: 'gauge' | 'counter' | 'histogram'
  samples: (Sample & { suffix?: '_bucket' | '_sum' | '_count' | '_total' })[]
}

const escapeLabel = (v: string) => v.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n')
const escapeHelp = (v: string) => v.replaceAll('\\', '\\\\').replaceAll('\n', '\\n')

const formatValue = (v: number) => (Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : String(v))

function formatLabels(labels: Labels): string {
  const entries = Object.entries(labels)
  if (!entries.length) return ''
  return `{${entries.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`
}

export function formatFamilies(families: Family[]): string {
  const out: string[] = []
  for (const f of families) {
    out.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`)
    for (const s of f.samples) out.push(`${f.name}${s.suffix ?? ''}${formatLabels(s.labels)} ${formatValue(s.value)}`)
  }
  return `${out.join('\n')}\n`
}

/** Seconds: from a second to a day, the spread between a quick classifier and a long batch. */
export const DURATION_BUCKETS = [1, 5, 15, 30, 60, 300, 900, 1800, 3600, 21600, 86400] as const

/** Seconds: a webhook receiver's answer, from a quick acknowledgement to a slow one near the delivery timeout. */
export const DELIVERY_LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const

/** One histogram's samples from cumulative bucket counts (one per bound), sum and count. */
export function histogramSamples(labels: Labels, buckets: number[], sum: number, count: number, bounds: readonly number[] = DURATION_BUCKETS): Family['samples'] {
  return [
    ...bounds.map((le, i) => ({ suffix: '_bucket' as const, labels: { ...labels, le: String(le) }, value: buckets[i] ?? 0 })),
    { suffix: '_bucket' as const, labels: { ...labels, le: '+Inf' }, value: count },
    { suffix: '_sum' as const, labels, value: sum },
    { suffix: '_count' as const, labels, value: count },
  ]
}
