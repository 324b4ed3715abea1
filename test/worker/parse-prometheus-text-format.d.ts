declare module 'parse-prometheus-text-format' {
  interface ParsedMetric {
    value?: string
    labels?: Record<string, string>
    buckets?: Record<string, string>
    count?: string
    sum?: string
  }
  interface ParsedFamily {
    name: string
    help: string
    type: 'GAUGE' | 'COUNTER' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED'
    metrics: ParsedMetric[]
  }
  export default function parsePrometheusTextFormat(text: string): ParsedFamily[]
}
