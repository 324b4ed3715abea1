import { and, eq, gt, isNull, or, sql } from 'drizzle-orm'
import type { Database } from '../db/client'
import { apiTokens, users } from '../db/schema'
import type { CurrentUser } from '../app-env'
import { sha256Hex } from '../digest'
import { API_TOKEN_PREFIX, SESSION_TOKEN_PREFIX, generateToken, tokenPrefix } from './tokens'

export const SESSION_COOKIE = 'loupe_session'

// Writing last_used_at on every request would turn each read into a D1 write.
const LAST_USED_GRANULARITY_MS = 60_000

export interface ResolvedToken {
  user: CurrentUser
  tokenId: string
  lastUsedAt: string | null
}

export async function resolveToken(db: Database, token: string): Promise<ResolvedToken | null> {
  const kind = token.startsWith(SESSION_TOKEN_PREFIX) ? 'session' : token.startsWith(API_TOKEN_PREFIX) ? 'api' : null
  if (!kind) return null
  const hash = await sha256Hex(token)
  const now = new Date().toISOString()
  const row = await db
    .select({ tokenId: apiTokens.id, lastUsedAt: apiTokens.lastUsedAt, id: users.id, email: users.email, name: users.name })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(
      and(
        eq(apiTokens.tokenHash, hash),
        eq(apiTokens.kind, kind),
        isNull(apiTokens.revokedAt),
        or(isNull(apiTokens.expiresAt), gt(apiTokens.expiresAt, now)),
      ),
    )
    .get()
  if (!row) return null
  return {
    user: { id: row.id, email: row.email, name: row.name, via: kind === 'session' ? 'session' : 'token' },
    tokenId: row.tokenId,
    lastUsedAt: row.lastUsedAt,
  }
}

export async function touchToken(db: Database, resolved: ResolvedToken): Promise<void> {
  const last = resolved.lastUsedAt ? Date.parse(resolved.lastUsedAt) : 0
  if (Date.now() - last < LAST_USED_GRANULARITY_MS) return
  await db.update(apiTokens).set({ lastUsedAt: new Date().toISOString() }).where(eq(apiTokens.id, resolved.tokenId))
}

export async function createSession(db: Database, userId: string, ttlSeconds: number): Promise<{ token: string; expiresAt: string }> {
  const token = generateToken(SESSION_TOKEN_PREFIX)
  const expiresAt = new Date(Date.now() + ttlSeconds * 1000).toISOString()
  await db.insert(apiTokens).values({
    id: crypto.randomUUID(),
    userId,
    kind: 'session',
    name: 'viewer session',
    tokenHash: await sha256Hex(token),
    tokenPrefix: tokenPrefix(token),
    expiresAt,
  })
  return { token, expiresAt }
}

export async function revokeSession(db: Database, token: string): Promise<void> {
  await db
    .update(apiTokens)
    .set({ revokedAt: sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))` })
    .where(and(eq(apiTokens.tokenHash, await sha256Hex(token)), eq(apiTokens.kind, 'session')))
}
