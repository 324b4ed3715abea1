import { env, exports } from 'cloudflare:workers'
import { sign } from 'hono/utils/jwt/jwt'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { sha256Hex } from '../../src/digest'
import { api, createUser, fetchWithEnv, request } from './helpers'

interface Me {
  id: string
  email: string
  via: 'token' | 'session' | 'access'
}

const me = (init: RequestInit & { token?: string } = {}) => api('/api/me', init)

async function setToken(token: string, column: 'revoked_at' | 'expires_at', value: string) {
  await env.DB.prepare(`UPDATE api_tokens SET ${column} = ? WHERE token_hash = ?`).bind(value, await sha256Hex(token)).run()
}

function sessionCookie(res: Response): string {
  const header = res.headers.get('Set-Cookie') ?? ''
  const match = /loupe_session=([^;]+)/.exec(header)
  if (!match) throw new Error(`no session cookie in ${JSON.stringify(header)}`)
  return `loupe_session=${match[1]}`
}

const cookieAttributes = (res: Response) =>
  (res.headers.get('Set-Cookie') ?? '')
    .split(';')
    .slice(1)
    .map((s) => s.trim().toLowerCase())

describe('bearer tokens', () => {
  it('authenticates a valid token', async () => {
    const user = await createUser()
    const res = await me({ token: user.token })
    expect(res.status).toBe(200)
    expect(await res.json<Me>()).toMatchObject({ id: user.id, email: user.email, via: 'token' })
  })

  it('rejects an unknown token with 401', async () => {
    const res = await me({ token: 'lp_not-a-real-token' })
    expect(res.status).toBe(401)
    expect(await res.json()).toMatchObject({ error: { code: 'unauthorized' } })
  })

  it('rejects a token without the lp_ prefix', async () => {
    const user = await createUser()
    expect((await me({ token: user.token.slice(3) })).status).toBe(401)
  })

  it('rejects an Authorization header that is not a bearer token', async () => {
    const user = await createUser()
    expect((await me({ headers: { Authorization: `Basic ${user.token}` } })).status).toBe(401)
  })

  it('rejects a revoked token', async () => {
    const user = await createUser()
    await setToken(user.token, 'revoked_at', new Date().toISOString())
    expect((await me({ token: user.token })).status).toBe(401)
  })

  it('rejects an expired token', async () => {
    const user = await createUser()
    await setToken(user.token, 'expires_at', new Date(Date.now() - 1000).toISOString())
    expect((await me({ token: user.token })).status).toBe(401)
  })

  it('accepts a token that expires in the future', async () => {
    const user = await createUser()
    await setToken(user.token, 'expires_at', new Date(Date.now() + 3_600_000).toISOString())
    expect((await me({ token: user.token })).status).toBe(200)
  })

  it('answers 401 without credentials', async () => {
    expect((await me()).status).toBe(401)
  })

  it('records last_used_at when a token is used', async () => {
    const user = await createUser()
    const hash = await sha256Hex(user.token)
    const before = await env.DB.prepare('SELECT last_used_at FROM api_tokens WHERE token_hash = ?').bind(hash).first<{ last_used_at: string | null }>()
    expect(before!.last_used_at).toBeNull()
    const started = Date.now()
    const res = await fetchWithEnv(request('/api/me', { token: user.token }), {})
    expect(res.status).toBe(200)
    const after = await env.DB.prepare('SELECT last_used_at FROM api_tokens WHERE token_hash = ?').bind(hash).first<{ last_used_at: string }>()
    expect(Date.parse(after!.last_used_at)).toBeGreaterThanOrEqual(started - 1000)
  })
})

describe('viewer session cookie', () => {
  it('sets an HttpOnly, SameSite=Lax, Path=/ cookie for a valid token', async () => {
    const user = await createUser()
    const res = await api('/api/auth/session', { method: 'POST', json: { token: user.token } })
    expect(res.status).toBe(200)
    expect(await res.json<Me>()).toMatchObject({ id: user.id, via: 'session' })
    expect(sessionCookie(res)).toMatch(/^loupe_session=lps_/)
    const attributes = cookieAttributes(res)
    expect(attributes).toContain('httponly')
    expect(attributes).toContain('samesite=lax')
    expect(attributes).toContain('path=/')
    expect(attributes.some((a) => /^max-age=\d+$/.test(a))).toBe(true)
  })

  it('marks the cookie Secure over https', async () => {
    const user = await createUser()
    const res = await exports.default.fetch(
      new Request('https://loupe.test/api/auth/session', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ token: user.token }),
      }),
    )
    expect(res.status).toBe(200)
    expect(cookieAttributes(res)).toContain('secure')
  })

  it('authenticates /api/me with the cookie alone', async () => {
    const user = await createUser()
    const cookie = sessionCookie(await api('/api/auth/session', { method: 'POST', json: { token: user.token } }))
    const res = await me({ headers: { Cookie: cookie } })
    expect(res.status).toBe(200)
    expect(await res.json<Me>()).toMatchObject({ id: user.id, via: 'session' })
  })

  it('stores only a hash of the session token', async () => {
    const user = await createUser()
    const cookie = sessionCookie(await api('/api/auth/session', { method: 'POST', json: { token: user.token } }))
    const token = cookie.slice('loupe_session='.length)
    const raw = await env.DB.prepare('SELECT count(*) AS n FROM api_tokens WHERE token_hash = ? OR token_prefix = ?').bind(token, token).first<{ n: number }>()
    expect(raw!.n).toBe(0)
    const sessions = await env.DB.prepare(`SELECT count(*) AS n FROM api_tokens WHERE user_id = ? AND kind = 'session'`).bind(user.id).first<{ n: number }>()
    expect(sessions!.n).toBe(1)
  })

  it('refuses to start a session for an invalid token', async () => {
    const res = await api('/api/auth/session', { method: 'POST', json: { token: 'lp_wrong' } })
    expect(res.status).toBe(401)
    expect(res.headers.get('Set-Cookie')).toBeNull()
  })

  it('refuses to start a session from a session token', async () => {
    const user = await createUser()
    const cookie = sessionCookie(await api('/api/auth/session', { method: 'POST', json: { token: user.token } }))
    const res = await api('/api/auth/session', { method: 'POST', json: { token: cookie.slice('loupe_session='.length) } })
    expect(res.status).toBe(401)
  })

  it('signs out with DELETE: the cookie is cleared and no longer authenticates', async () => {
    const user = await createUser()
    const cookie = sessionCookie(await api('/api/auth/session', { method: 'POST', json: { token: user.token } }))
    const res = await api('/api/auth/session', { method: 'DELETE', headers: { Cookie: cookie } })
    expect(res.status).toBe(204)
    expect(res.headers.get('Set-Cookie')).toMatch(/loupe_session=;.*Max-Age=0/i)
    expect((await me({ headers: { Cookie: cookie } })).status).toBe(401)
    // The API token itself is untouched by signing out of the viewer.
    expect((await me({ token: user.token })).status).toBe(200)
  })

  it('ignores an unknown session cookie', async () => {
    expect((await me({ headers: { Cookie: 'loupe_session=lps_forged' } })).status).toBe(401)
  })
})

describe('sign-in link', () => {
  it('sets the session cookie and redirects into the viewer', async () => {
    const user = await createUser()
    const res = await api(`/api/auth/link?token=${encodeURIComponent(user.token)}&next=/projects/abc`, { redirect: 'manual' })
    expect(res.status).toBe(302)
    expect(res.headers.get('Location')).toBe('/projects/abc')
    expect(cookieAttributes(res)).toContain('httponly')
    const check = await me({ headers: { Cookie: sessionCookie(res) } })
    expect(check.status).toBe(200)
    expect(await check.json<Me>()).toMatchObject({ id: user.id, via: 'session' })
  })

  it('redirects to / without next', async () => {
    const user = await createUser()
    const res = await api(`/api/auth/link?token=${encodeURIComponent(user.token)}`, { redirect: 'manual' })
    expect(res.status).toBe(302)
    expect(res.headers.get('Location')).toBe('/')
  })

  it('refuses an off-site next', async () => {
    const user = await createUser()
    const res = await api(`/api/auth/link?token=${encodeURIComponent(user.token)}&next=//evil.example`, { redirect: 'manual' })
    expect(res.status).toBe(400)
    expect(res.headers.get('Set-Cookie')).toBeNull()
  })

  // Raw query strings: each is what an attacker would put in a link.
  it.each([
    ['a tab that browsers drop, leaving //evil.example/', '/%09/evil.example/'],
    ['a newline', '/%0A/evil'],
    ['a carriage return', '/%0D/evil'],
    ['CRLF and a header', '/x%0D%0ASet-Cookie:%20loupe_session=attacker'],
    ['a backslash that browsers read as a slash', '/%5Cevil.example'],
    ['a backslash later on', '/x/%5C%5Cevil.example'],
    ['a dot segment that normalises to //evil.example', '/.//evil.example'],
    ['an encoded double slash', '%2F%2Fevil.example'],
    ['an absolute URL', 'https://evil.example/'],
    ['a protocol-relative URL', '//evil.example'],
    ['a javascript: URL', 'javascript:alert(1)'],
    ['a relative path', 'projects/abc'],
    ['a NUL byte', '/%00'],
    ['DEL', '/%7F'],
  ])('refuses a next with %s: 400 with the envelope, no session', async (_what, next) => {
    const user = await createUser()
    const res = await api(`/api/auth/link?token=${encodeURIComponent(user.token)}&next=${next}`, { redirect: 'manual' })
    expect(res.status).toBe(400)
    expect((await res.json<{ error: { code: string; details: unknown } }>()).error.code).toBe('validation_error')
    expect(res.headers.get('Set-Cookie')).toBeNull()
    expect(res.headers.get('Location')).toBeNull()
  })

  // Decoded values, sent encoded: what the viewer itself would put in a link.
  it.each([
    ['/projects/abc?tab=images#top', '/projects/abc?tab=images#top'],
    ['/images/été', '/images/%C3%A9t%C3%A9'],
    ['/images/\u2028', '/images/%E2%80%A8'],
    ['/a b', '/a%20b'],
    ['/%2F/x', '/%2F/x'],
  ])('redirects to the same-origin path %j as %s', async (next, location) => {
    const user = await createUser()
    const res = await api(`/api/auth/link?token=${encodeURIComponent(user.token)}&next=${encodeURIComponent(next)}`, { redirect: 'manual' })
    expect(res.status).toBe(302)
    expect(res.headers.get('Location')).toBe(location)
    expect(new URL(res.headers.get('Location')!, 'https://loupe.example').origin).toBe('https://loupe.example')
  })

  it('answers 401 for an invalid token', async () => {
    const res = await api('/api/auth/link?token=lp_wrong', { redirect: 'manual' })
    expect(res.status).toBe(401)
  })

  it('does not exist when ALLOW_TOKEN_LINK_SIGNIN is off', async () => {
    const user = await createUser()
    const res = await fetchWithEnv(request(`/api/auth/link?token=${encodeURIComponent(user.token)}`, { redirect: 'manual' }), {
      ALLOW_TOKEN_LINK_SIGNIN: 'false',
    })
    expect(res.status).toBe(404)
    expect(res.headers.get('Set-Cookie')).toBeNull()
  })
})

describe('Cloudflare Access', () => {
  const TEAM = 'loupe-test.cloudflareaccess.com'
  const AUD = 'aud-0123456789abcdef'
  const ACCESS_ENV = { ACCESS_TEAM_DOMAIN: TEAM, ACCESS_AUD: AUD }
  const KID = 'test-key-1'
  let privateJwk: JsonWebKey
  let otherPrivateJwk: JsonWebKey
  let publicJwk: JsonWebKey

  async function rsaPair() {
    const pair = (await crypto.subtle.generateKey(
      { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
      true,
      ['sign', 'verify'],
    )) as CryptoKeyPair
    return {
      privateJwk: (await crypto.subtle.exportKey('jwk', pair.privateKey)) as JsonWebKey,
      publicJwk: (await crypto.subtle.exportKey('jwk', pair.publicKey)) as JsonWebKey,
    }
  }

  beforeAll(async () => {
    const keys = await rsaPair()
    privateJwk = keys.privateJwk
    publicJwk = keys.publicJwk
    otherPrivateJwk = (await rsaPair()).privateJwk
  })

  let jwksFetches = 0
  function serveJwks() {
    jwksFetches = 0
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input) => {
      const url = input instanceof Request ? input.url : String(input)
      if (url === `https://${TEAM}/cdn-cgi/access/certs`) {
        jwksFetches++
        return Response.json({ keys: [{ ...publicJwk, kid: KID, alg: 'RS256', use: 'sig' }] })
      }
      return new Response('unexpected outbound fetch', { status: 599 })
    })
  }

  afterEach(() => {
    vi.restoreAllMocks()
  })

  function assertion(claims: Record<string, unknown>, key: JsonWebKey = privateJwk) {
    const now = Math.floor(Date.now() / 1000)
    return sign({ aud: [AUD], iss: `https://${TEAM}`, iat: now, exp: now + 600, sub: crypto.randomUUID(), ...claims }, {
      ...key,
      alg: 'RS256',
      kid: KID,
    } as JsonWebKey)
  }

  const withAssertion = async (jwt: string, overrides: Record<string, string> = ACCESS_ENV) =>
    fetchWithEnv(request('/api/me', { headers: { 'Cf-Access-Jwt-Assertion': jwt } }), overrides)

  it('maps the email of a valid assertion to a new user', async () => {
    serveJwks()
    const email = `Access-${crypto.randomUUID()}@Example.com`
    const res = await withAssertion(await assertion({ email }))
    expect(res.status).toBe(200)
    const body = await res.json<Me>()
    expect(body).toMatchObject({ email: email.toLowerCase(), via: 'access' })
    expect(jwksFetches).toBe(1)
    const row = await env.DB.prepare('SELECT id FROM users WHERE email = ?').bind(email.toLowerCase()).first<{ id: string }>()
    expect(row!.id).toBe(body.id)
  })

  it('maps the email to an existing user and creates no second one', async () => {
    serveJwks()
    const user = await createUser('access')
    for (let i = 0; i < 2; i++) {
      const res = await withAssertion(await assertion({ email: user.email }))
      expect(res.status).toBe(200)
      expect(await res.json<Me>()).toMatchObject({ id: user.id, via: 'access' })
    }
    const n = await env.DB.prepare('SELECT count(*) AS n FROM users WHERE email = ?').bind(user.email).first<{ n: number }>()
    expect(n!.n).toBe(1)
  })

  it('treats an assertion for another audience as anonymous', async () => {
    serveJwks()
    const res = await withAssertion(await assertion({ aud: ['someone-else'], email: 'wrong-aud@example.com' }))
    expect(res.status).toBe(401)
    const row = await env.DB.prepare('SELECT id FROM users WHERE email = ?').bind('wrong-aud@example.com').first()
    expect(row).toBeNull()
  })

  it('treats an assertion from another issuer as anonymous', async () => {
    serveJwks()
    const res = await withAssertion(await assertion({ iss: 'https://evil.cloudflareaccess.com', email: 'x@example.com' }))
    expect(res.status).toBe(401)
  })

  it('treats an expired assertion as anonymous', async () => {
    serveJwks()
    const now = Math.floor(Date.now() / 1000)
    const res = await withAssertion(await assertion({ email: 'late@example.com', iat: now - 7200, exp: now - 3600 }))
    expect(res.status).toBe(401)
  })

  it('treats an assertion signed by another key as anonymous', async () => {
    serveJwks()
    const res = await withAssertion(await assertion({ email: 'forged@example.com' }, otherPrivateJwk))
    expect(res.status).toBe(401)
  })

  it('treats an assertion without an email as anonymous', async () => {
    serveJwks()
    const res = await withAssertion(await assertion({}))
    expect(res.status).toBe(401)
  })

  it('ignores the header when Access is not configured', async () => {
    serveJwks()
    const res = await withAssertion(await assertion({ email: 'ignored@example.com' }), {})
    expect(res.status).toBe(401)
    expect(jwksFetches).toBe(0)
  })

  it('prefers a bearer token over the Access assertion', async () => {
    serveJwks()
    const user = await createUser()
    const res = await fetchWithEnv(
      request('/api/me', { token: user.token, headers: { 'Cf-Access-Jwt-Assertion': await assertion({ email: 'other@example.com' }) } }),
      ACCESS_ENV,
    )
    expect(res.status).toBe(200)
    expect(await res.json<Me>()).toMatchObject({ id: user.id, via: 'token' })
  })
})
