import { eq } from 'drizzle-orm'
import { verifyWithJwks } from 'hono/utils/jwt/jwt'
import type { Config } from '../config'
import type { Database } from '../db/client'
import { users } from '../db/schema'
import type { CurrentUser } from '../app-env'

export const ACCESS_HEADER = 'Cf-Access-Jwt-Assertion'

/**
 * Verifies a Cloudflare Access assertion against the team's published keys and maps its email
 * to a Loupe user, creating the user on first sight: Access has already decided they may enter.
 */
export async function userFromAccessJwt(db: Database, config: Config, jwt: string): Promise<CurrentUser | null> {
  const team = config.ACCESS_TEAM_DOMAIN!.replace(/^https?:\/\//, '').replace(/\/$/, '')
  let payload: Record<string, unknown>
  try {
    payload = await verifyWithJwks(
      jwt,
      {
        jwks_uri: `https://${team}/cdn-cgi/access/certs`,
        allowedAlgorithms: ['RS256'],
        verification: { aud: config.ACCESS_AUD!, iss: `https://${team}` },
      },
      // Access rotates keys every few weeks; an hour of edge caching keeps the fetch off the hot path.
      { cf: { cacheTtl: 3600, cacheEverything: true } } as RequestInit,
    )
  } catch {
    return null
  }
  const email = typeof payload.email === 'string' ? payload.email.toLowerCase() : null
  if (!email) return null
  const existing = await db.select().from(users).where(eq(users.email, email)).get()
  if (existing) return { id: existing.id, email: existing.email, name: existing.name, via: 'access' }
  const id = crypto.randomUUID()
  await db.insert(users).values({ id, email, name: null }).onConflictDoNothing()
  const row = await db.select().from(users).where(eq(users.email, email)).get()
  return row ? { id: row.id, email: row.email, name: row.name, via: 'access' } : null
}
