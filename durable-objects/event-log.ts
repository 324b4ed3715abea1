/**
 * The per-analysis event history in the object's SQLite storage. Every broadcast gets the next
 * `seq`, so a client that reconnects with `?since=` can be replayed exactly what it missed.
 */
export const RETAINED_EVENTS = 5000

export interface StoredEvent {
  seq: number
  /** The event as sent: serialised once, for the history and for every socket. */
  json: string
}

export class EventLog {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, type TEXT NOT NULL, body TEXT NOT NULL)`)
  }

  // The object is the only writer of its history, so the latest seq can live in memory once read.
  private latest: number | undefined

  lastSeq(): number {
    return (this.latest ??= this.sql.exec<{ s: number | null }>('SELECT max(seq) AS s FROM events').one().s ?? 0)
  }

  oldestSeq(): number | null {
    return this.sql.exec<{ s: number | null }>('SELECT min(seq) AS s FROM events').one().s
  }

  append(type: string, body: Record<string, unknown>): StoredEvent {
    const seq = this.lastSeq() + 1
    const json = JSON.stringify({ type, seq, ...body })
    this.sql.exec('INSERT INTO events (seq, type, body) VALUES (?, ?, ?)', seq, type, json)
    this.latest = seq
    if (seq % 100 === 0) this.sql.exec('DELETE FROM events WHERE seq <= ?', seq - RETAINED_EVENTS)
    return { seq, json }
  }

  /** Events after `since`, or null when some of them have already been pruned. */
  since(since: number): string[] | null {
    const oldest = this.oldestSeq()
    const last = this.lastSeq()
    if (since >= last) return []
    if (oldest === null || since < oldest - 1) return null
    return this.sql.exec<{ body: string }>('SELECT body FROM events WHERE seq > ? ORDER BY seq', since).toArray().map((r) => r.body)
  }
}
