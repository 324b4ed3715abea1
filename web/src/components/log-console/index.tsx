import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks'
import type { LogLevel, LogLine } from '../../lib/types'
import styles from './style.module.css'

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warning', 'error']
const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warning: 2, error: 3 }
/** The DOM holds at most this many lines; the state keeps more. */
const RENDERED = 500

const time = (iso: string) => {
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleTimeString(undefined, { hour12: false })
}

/** Follows the newest line while the reader is at the bottom; scrolling up pauses that. */
export function LogConsole({ lines }: { lines: readonly LogLine[] }) {
  const [min, setMin] = useState<LogLevel>('debug')
  const box = useRef<HTMLDivElement>(null)
  const [follow, setFollow] = useState(true)
  const { shown, offset } = useMemo(() => {
    const matching = lines.filter((l) => RANK[l.level] >= RANK[min])
    // Keys count from the first matching line, so appending a line leaves the others' keys alone.
    return { shown: matching.slice(-RENDERED), offset: Math.max(0, matching.length - RENDERED) }
  }, [lines, min])

  useLayoutEffect(() => {
    if (follow && box.current) box.current.scrollTop = box.current.scrollHeight
  }, [shown, follow])
  useEffect(() => setFollow(true), [min])

  return (
    <div class={styles.wrap}>
      <div class={styles.bar}>
        <label>
          <span class="muted">Level ≥ </span>
          <select value={min} onChange={(e) => setMin(e.currentTarget.value as LogLevel)} data-testid="log-level">
            {LEVELS.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <span class="muted">
          {shown.length} / {lines.length}
        </span>
        {!follow && (
          <button type="button" onClick={() => setFollow(true)} data-testid="log-follow">
            Jump to latest
          </button>
        )}
      </div>
      <div
        ref={box}
        class={styles.console}
        role="log"
        aria-label="Run log"
        aria-live="off"
        tabIndex={0}
        data-testid="log-console"
        onScroll={(e) => {
          const el = e.currentTarget
          const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 24
          if (atBottom !== follow) setFollow(atBottom)
        }}
      >
        {shown.length === 0 && <div class="muted">{lines.length === 0 ? 'No log lines yet.' : 'No lines at this level.'}</div>}
        {shown.map((l, i) => (
          <div key={offset + i} class={styles.line} data-level={l.level}>
            <span class={styles.time}>{time(l.ts)}</span>
            <span class={styles.level}>{l.level}</span>
            {l.stage && <span class={styles.stage}>[{l.stage}]</span>}
            <span class={styles.message}>{l.message}</span>
          </div>
        ))}
      </div>
    </div>
  )
}
