import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks'
import { logsTextUrl } from '../../lib/api'
import { useFullLog } from '../../lib/use-full-log'
import type { LogLevel, LogLine } from '../../lib/types'
import styles from './style.module.css'

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warning', 'error']
const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warning: 2, error: 3 }
/** The DOM holds at most this many lines; the state keeps more, the download has them all. */
const RENDERED = 500

const time = (iso: string) => {
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleTimeString(undefined, { hour12: false })
}

/** The message with each match of `query` marked. */
function Highlighted({ text, query }: { text: string; query: string }) {
  if (!query) return <>{text}</>
  const parts: (string | preact.JSX.Element)[] = []
  const lower = text.toLowerCase()
  let at = 0
  for (let i = lower.indexOf(query); i !== -1; i = lower.indexOf(query, at)) {
    parts.push(text.slice(at, i), <mark key={i}>{text.slice(i, i + query.length)}</mark>)
    at = i + query.length
  }
  parts.push(text.slice(at))
  return <>{parts}</>
}

interface Props {
  lines: readonly LogLine[]
  analysisId: string
  /** Name of the downloaded file. */
  fileName: string
}

/**
 * The run's log: filtered by level and by text, following the newest line until the reader scrolls
 * up or pauses it, larger on demand, and downloadable whole from the server.
 */
export function LogConsole({ lines: live, analysisId, fileName }: Props) {
  const { lines, missing } = useFullLog(analysisId, live)
  const [min, setMin] = useState<LogLevel>('debug')
  const [query, setQuery] = useState('')
  const [follow, setFollow] = useState(true)
  const [large, setLarge] = useState(false)
  const box = useRef<HTMLDivElement>(null)
  const q = query.trim().toLowerCase()

  const { shown, offset, matching } = useMemo(() => {
    const matching = lines.filter((l) => RANK[l.level] >= RANK[min] && (!q || l.message.toLowerCase().includes(q) || (l.stage ?? '').toLowerCase().includes(q)))
    // Keys count from the first matching line, so appending a line leaves the others' keys alone.
    return { shown: matching.slice(-RENDERED), offset: Math.max(0, matching.length - RENDERED), matching: matching.length }
  }, [lines, min, q])

  useLayoutEffect(() => {
    if (follow && box.current) box.current.scrollTop = box.current.scrollHeight
  }, [shown, follow, large])
  useEffect(() => setFollow(true), [min, q])
  useEffect(() => {
    if (!large) return
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setLarge(false)
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [large])

  return (
    <div class={styles.wrap} data-large={large ? '' : undefined} data-testid="log-panel" role={large ? 'dialog' : undefined} aria-label={large ? 'Run log' : undefined}>
      <div class={styles.bar}>
        <label>
          <span class="visually-hidden">Level at least</span>
          <select value={min} onChange={(e) => setMin(e.currentTarget.value as LogLevel)} data-testid="log-level" title="Lowest level shown">
            {LEVELS.map((l) => (
              <option key={l} value={l}>
                ≥ {l}
              </option>
            ))}
          </select>
        </label>
        <input type="search" class={styles.search} placeholder="Search the log…" value={query} onInput={(e) => setQuery(e.currentTarget.value)} aria-label="Search the log" data-testid="log-search" />
        <span class="muted" data-testid="log-count">
          {matching.toLocaleString()} / {(lines.length + missing).toLocaleString()}
        </span>
      </div>
      <div class={styles.bar}>
        <button type="button" aria-pressed={follow} onClick={() => setFollow((f) => !f)} data-testid="log-follow" title="Follow the newest line, or hold the view where it is">
          {follow ? '⏸ Pause' : '▶ Follow'}
        </button>
        <button type="button" aria-pressed={large} onClick={() => setLarge((l) => !l)} data-testid="log-expand">
          {large ? 'Smaller' : 'Larger'}
        </button>
        <a class="button" href={logsTextUrl(analysisId)} download={fileName} data-testid="log-download" title="The whole log as text, from the server">
          ⤓ Download
        </a>
      </div>
      <div
        ref={box}
        class={styles.console}
        role="log"
        aria-label="Run log"
        aria-live="off"
        tabIndex={0}
        data-testid="log-console"
        data-following={follow ? '' : undefined}
        onScroll={(e) => {
          const el = e.currentTarget
          const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 24
          // Scrolling up pauses; scrolling back to the end follows again.
          if (atBottom !== follow) setFollow(atBottom)
        }}
      >
        {shown.length === 0 && <div class="muted">{lines.length === 0 ? 'No log lines yet.' : 'No line matches.'}</div>}
        {(offset > 0 || missing > 0) && (
          <div class="muted" data-testid="log-earlier">
            {offset > 0 && `${offset.toLocaleString()} earlier ${q || min !== 'debug' ? 'matching ' : ''}lines are not shown; narrow the search to see them. `}
            {missing > 0 && `The first ${missing.toLocaleString()} lines are only in the download.`}
          </div>
        )}
        {shown.map((l, i) => (
          <div key={offset + i} class={styles.line} data-level={l.level}>
            <span class={styles.time}>{time(l.ts)}</span>
            <span class={styles.level}>{l.level}</span>
            {l.stage && <span class={styles.stage}>[{l.stage}]</span>}
            <span class={styles.message}>
              <Highlighted text={l.message} query={q} />
            </span>
          </div>
        ))}
      </div>
    </div>
  )
}
