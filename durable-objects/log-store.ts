import type { LogLine } from '../src/schemas/events'

/** Lines per R2 chunk; chunk k holds lines [k·CHUNK, (k+1)·CHUNK) as JSON Lines. */
export const LOG_CHUNK_LINES = 1000
export const SNAPSHOT_LOG_LINES = 200

export const logChunkKey = (analysisId: string, chunk: number) => `ml_outputs/${analysisId}/logs/${String(chunk).padStart(6, '0')}.jsonl`

type Row = {
  n: number
  ts: string
  level: string
  message: string
  stage: string | null
}

const toLine = (r: Row): LogLine => ({ ts: r.ts, level: r.level as LogLine['level'], message: r.message, stage: r.stage })

/**
 * Recent log lines in the object's SQLite; whole chunks move to R2 so the object stays small and
 * the full log survives the object. `flushed` is the number of leading lines safely in R2.
 */
export class LogStore {
  constructor(
    private readonly sql: SqlStorage,
    private readonly kv: SyncKvStorage,
  ) {
    sql.exec('CREATE TABLE IF NOT EXISTS logs (n INTEGER PRIMARY KEY, ts TEXT NOT NULL, level TEXT NOT NULL, message TEXT NOT NULL, stage TEXT)')
  }

  count(): number {
    return this.kv.get<number>('log_count') ?? 0
  }

  flushed(): number {
    return this.kv.get<number>('log_flushed') ?? 0
  }

  append(lines: LogLine[]): void {
    let n = this.count()
    for (const l of lines) this.sql.exec('INSERT INTO logs (n, ts, level, message, stage) VALUES (?, ?, ?, ?, ?)', n++, l.ts, l.level, l.message, l.stage ?? null)
    this.kv.put('log_count', n)
  }

  recent(limit = SNAPSHOT_LOG_LINES): LogLine[] {
    return this.sql.exec<Row>('SELECT * FROM logs ORDER BY n DESC LIMIT ?', limit).toArray().reverse().map(toLine)
  }

  /** Lines [from, to) that are still in the object, or null when some were already moved to R2 and pruned. */
  local(from: number, to: number): LogLine[] | null {
    const rows = this.sql.exec<Row>('SELECT * FROM logs WHERE n >= ? AND n < ? ORDER BY n', from, to).toArray()
    return rows.length === Math.max(0, Math.min(to, this.count()) - from) ? rows.map(toLine) : null
  }

  /** Chunks that are full (or all of them, when `all`) and not yet in R2. */
  pendingChunks(all: boolean): { chunk: number; lines: LogLine[] }[] {
    const count = this.count()
    const out: { chunk: number; lines: LogLine[] }[] = []
    for (let chunk = Math.floor(this.flushed() / LOG_CHUNK_LINES); chunk * LOG_CHUNK_LINES < count; chunk++) {
      const end = (chunk + 1) * LOG_CHUNK_LINES
      if (end > count && !all) break
      out.push({ chunk, lines: this.local(chunk * LOG_CHUNK_LINES, end) ?? [] })
    }
    return out
  }

  /** After a chunk is in R2: keep only what snapshots need from it. */
  markFlushed(chunk: number, lines: number): void {
    const upTo = chunk * LOG_CHUNK_LINES + lines
    if (lines === LOG_CHUNK_LINES) this.kv.put('log_flushed', Math.max(this.flushed(), upTo))
    this.sql.exec('DELETE FROM logs WHERE n < ?', Math.min(this.flushed(), this.count() - SNAPSHOT_LOG_LINES))
  }
}

export function formatLogText(lines: LogLine[]): string {
  return lines.map((l) => `${l.ts} ${l.level.toUpperCase().padEnd(7)} ${l.stage ? `[${l.stage}] ` : ''}${l.message}\n`).join('')
}
