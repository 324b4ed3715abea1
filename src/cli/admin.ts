import { createHash } from 'node:crypto'
import { parseArgs } from 'node:util'
import { d1Execute, lit } from './d1-cli'
import { createToken, createUser, userIdByEmail } from './users'

/**
 * `npm run admin -- create-user --email E [--name N] [--remote --env production]`
 * `npm run admin -- create-token --email E [--name N] [--remote --env production]`
 * `npm run admin -- revoke-token --prefix lp_XXXXXXX [--remote --env production]`
 * The last stdout line is JSON, so scripts can `tail -n1 | jq`.
 */

function main() {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      email: { type: 'string' },
      name: { type: 'string' },
      prefix: { type: 'string' },
      token: { type: 'string' },
      remote: { type: 'boolean', default: false },
      env: { type: 'string' },
    },
  })
  const target = { remote: values.remote ?? false, env: values.env }
  const command = positionals[0]
  let result: Record<string, unknown>
  switch (command) {
    case 'create-user': {
      if (!values.email) throw new Error('--email is required')
      result = createUser(values.email, values.name ?? null, target)
      break
    }
    case 'create-token': {
      if (!values.email) throw new Error('--email is required')
      const userId = userIdByEmail(values.email, target)
      result = { user_id: userId, ...createToken(userId, values.name ?? 'admin cli', target) }
      break
    }
    case 'revoke-token': {
      const prefix = values.prefix ?? values.token?.slice(0, 10)
      if (!prefix) throw new Error('--prefix (or --token) is required')
      const hash = values.token ? createHash('sha256').update(values.token).digest('hex') : null
      const where = hash ? `token_hash = ${lit(hash)}` : `token_prefix = ${lit(prefix)}`
      const rows = d1Execute<{ id: string }>(
        `UPDATE api_tokens SET revoked_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE ${where} AND revoked_at IS NULL RETURNING id`,
        target,
      )
      result = { revoked: rows.length }
      break
    }
    default:
      console.error('usage: npm run admin -- create-user|create-token|revoke-token [--email E] [--name N] [--prefix P] [--remote] [--env E]')
      process.exit(2)
  }
  console.log(JSON.stringify(result))
}

try {
  main()
} catch (err) {
  console.error(`admin: ${(err as Error).message}`)
  process.exit(1)
}
