import type { z } from 'zod'
import type { LogLine, LogsPage } from '../src/schemas/events'

/** Lines per R2 chunk; chunk k holds lines [k·CHUNK, (k+1)·CHUNK) as JSON Lines. */
export const LOG_CHUNK_LINES = 1000
export const SNAPSHOT_LOG_LINES = 200

/** Where a run's log chunks live in R2, under the run's own prefix. */
export const logChunkKey = (prefix: string, chunk: number) => `${prefix}logs/${String(chunk).padStart(6, '0')}.jsonl`

type Row = {
  n: number
  ts: string
  level: string
  message: string
  stage: string | null
}

const toLine = (r: Row): LogLine => ({ ts: r.ts, level: r.level as LogLine['level'], message: r.message, stage: r.stage })

/**
 * A run's log: recent lines in the object's SQLite, whole chunks moved to R2 so the object stays
 * small and the full log outlives the object. `flushed` is the number of leading lines safely in R2.
 */
export class LogStore {
  constructor(
    private readonly sql: SqlStorage,
    private readonly kv: SyncKvStorage,
    private readonly bucket: R2Bucket,
    /** The run's R2 prefix, e.g. `ml_outputs/{id}/`. */
    private readonly prefix: string,
  ) {
    sql.exec('CREATE TABLE IF NOT EXISTS logs (n INTEGER PRIMARY KEY, ts TEXT NOT NULL, level TEXT NOT NULL, message TEXT NOT NULL, stage TEXT)')
  }

  count(): number {
    return this.kv.get<number>('log_count') ?? 0
  }

  private flushed(): number {
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

  /** Lines [offset, offset + limit), from the object while it still holds them, else from R2. */
  async read(offset: number, limit: number): Promise<z.infer<typeof LogsPage>> {
    const total = this.count()
    const end = Math.min(total, offset + limit)
    const lines: LogLine[] = []
    for (let from = offset; from < end; ) {
      const chunk = Math.floor(from / LOG_CHUNK_LINES)
      const to = Math.min(end, (chunk + 1) * LOG_CHUNK_LINES)
      lines.push(...(this.local(from, to) ?? (await this.stored(chunk)).slice(from - chunk * LOG_CHUNK_LINES, to - chunk * LOG_CHUNK_LINES)))
      from = to
    }
    return { lines, total, offset, next_offset: end < total ? end : null }
  }

  /** Moves full chunks (every chunk, once the run is over) into R2. */
  async flush(all: boolean): Promise<void> {
    const count = this.count()
    for (let chunk = Math.floor(this.flushed() / LOG_CHUNK_LINES); chunk * LOG_CHUNK_LINES < count; chunk++) {
      const end = (chunk + 1) * LOG_CHUNK_LINES
      if (end > count && !all) break
      const lines = this.local(chunk * LOG_CHUNK_LINES, end) ?? []
      if (!lines.length) continue
      await this.bucket.put(logChunkKey(this.prefix, chunk), lines.map((l) => JSON.stringify(l)).join('\n') + '\n', {
        httpMetadata: { contentType: 'application/x-ndjson' },
      })
      this.markFlushed(chunk, lines.length)
    }
  }

  /** Lines [from, to) that are still in the object, or null when some were already moved to R2 and pruned. */
  private local(from: number, to: number): LogLine[] | null {
    const rows = this.sql.exec<Row>('SELECT * FROM logs WHERE n >= ? AND n < ? ORDER BY n', from, to).toArray()
    return rows.length === Math.max(0, Math.min(to, this.count()) - from) ? rows.map(toLine) : null
  }

  private async stored(chunk: number): Promise<LogLine[]> {
    const object = await this.bucket.get(logChunkKey(this.prefix, chunk))
    return object ? (await object.text()).split('\n').filter(Boolean).map((l) => JSON.parse(l) as LogLine) : []
  }

  /** After a chunk is in R2: keep only what snapshots need from it. */
  private markFlushed(chunk: number, lines: number): void {
    const upTo = chunk * LOG_CHUNK_LINES + lines
    if (lines === LOG_CHUNK_LINES) this.kv.put('log_flushed', Math.max(this.flushed(), upTo))
    this.sql.exec('DELETE FROM logs WHERE n < ?', Math.min(this.flushed(), this.count() - SNAPSHOT_LOG_LINES))
  }
}
