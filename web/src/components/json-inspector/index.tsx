import styles from './style.module.css'

/** A collapsible JSON tree built from <details>, so it works with the keyboard and screen readers. */
export function JsonInspector({ value, label = 'data', depth = 0 }: { value: unknown; label?: string; depth?: number }) {
  if (value === null || typeof value !== 'object') {
    return (
      <div class={styles.leaf}>
        <span class={styles.key}>{label}:</span> <Scalar value={value} />
      </div>
    )
  }
  const entries: [string, unknown][] = Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value)
  const summary = Array.isArray(value) ? `[${value.length}]` : `{${entries.length}}`
  return (
    <details class={styles.node} open={depth < 2 && entries.length <= 50} data-testid={depth === 0 ? 'json-inspector' : undefined}>
      <summary>
        <span class={styles.key}>{label}</span> <span class="muted">{summary}</span>
      </summary>
      <div class={styles.children}>
        {entries.slice(0, 500).map(([k, v]) => (
          <JsonInspector key={k} value={v} label={k} depth={depth + 1} />
        ))}
        {entries.length > 500 && <div class="muted">… {entries.length - 500} more</div>}
      </div>
    </details>
  )
}

function Scalar({ value }: { value: unknown }) {
  if (typeof value === 'string') return <span class={styles.string}>"{value}"</span>
  if (typeof value === 'number') return <span class={styles.number}>{value}</span>
  if (typeof value === 'boolean') return <span class={styles.boolean}>{String(value)}</span>
  return <span class="muted">null</span>
}
