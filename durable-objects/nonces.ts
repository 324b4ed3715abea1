/**
 * Nonces seen within the signature skew window. Kept in the analysis's own object, so the check
 * and the insert happen with no other request in between.
 */
export class NonceStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec('CREATE TABLE IF NOT EXISTS nonces (nonce TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)')
  }

  /** Records the nonce; returns false when it was already used and has not expired. */
  use(nonce: string, nowMs: number, ttlMs: number): boolean {
    this.sql.exec('DELETE FROM nonces WHERE expires_at < ?', nowMs)
    const seen = this.sql.exec('SELECT 1 FROM nonces WHERE nonce = ?', nonce).toArray().length > 0
    if (seen) return false
    this.sql.exec('INSERT INTO nonces (nonce, expires_at) VALUES (?, ?)', nonce, nowMs + ttlMs)
    return true
  }
}
