import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { d1Execute, lit, type D1Target } from './d1-cli'

export function newApiToken(): { token: string; hash: string; prefix: string } {
  const token = 'lp_' + randomBytes(32).toString('base64url')
  return { token, hash: createHash('sha256').update(token).digest('hex'), prefix: token.slice(0, 10) }
}

export function createUser(email: string, name: string | null, target: D1Target) {
  const normalized = email.trim().toLowerCase()
  const existing = d1Execute<{ id: string }>(`SELECT id FROM users WHERE email = ${lit(normalized)}`, target)[0]
  const userId = existing?.id ?? randomUUID()
  if (!existing) d1Execute(`INSERT INTO users (id, email, name) VALUES (${lit(userId)}, ${lit(normalized)}, ${lit(name)})`, target)
  const { token } = createToken(userId, 'admin cli', target)
  return { user_id: userId, email: normalized, token, created: !existing }
}

export function createToken(userId: string, name: string, target: D1Target) {
  const t = newApiToken()
  d1Execute(
    `INSERT INTO api_tokens (id, user_id, kind, name, token_hash, token_prefix) VALUES (${lit(randomUUID())}, ${lit(userId)}, 'api', ${lit(name)}, ${lit(t.hash)}, ${lit(t.prefix)})`,
    target,
  )
  return { token: t.token, prefix: t.prefix }
}

export function userIdByEmail(email: string, target: D1Target): string {
  const row = d1Execute<{ id: string }>(`SELECT id FROM users WHERE email = ${lit(email.trim().toLowerCase())}`, target)[0]
  if (!row) throw new Error(`no user with email ${email}`)
  return row.id
}
