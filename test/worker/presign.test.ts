import { env, exports } from 'cloudflare:workers'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { api, BASE, createUser, fetchWithEnv, PNG_1x1, scenario, sha256Of, signed, signedRequest, uploadArtifact } from './helpers'

interface Ticket {
  upload_url: string
  storage_path: string
  expires_at: string
  method: string
  headers: Record<string, string>
}

interface Envelope {
  error: { code: string; message: string }
}

async function presign(analysisId: string, body: Record<string, unknown>) {
  return signed('POST', `/api/analyses/${analysisId}/artifacts/presign`, body)
}

async function ticketFor(analysisId: string, body: Record<string, unknown> = { artifact_type: 'heatmap', filename: 'attention_map.png' }) {
  const res = await presign(analysisId, body)
  expect(res.status, await res.clone().text()).toBe(200)
  return res.json<Ticket>()
}

const put = (url: string, body: BodyInit | null, headers: Record<string, string> = {}, method = 'PUT') =>
  exports.default.fetch(new Request(url, { method, headers, body }))

const artifactRow = (storagePath: string) =>
  env.DB.prepare('SELECT * FROM artifacts WHERE storage_path = ?').bind(storagePath).first<Record<string, unknown>>()

describe('presign response', () => {
  it('has the guide’s upload_url and storage_path, plus expires_at, method and headers', async () => {
    const { analysis } = await scenario()
    const started = Date.now()
    const ticket = await ticketFor(analysis.id)
    expect(Object.keys(ticket).sort()).toEqual(['expires_at', 'headers', 'method', 'storage_path', 'upload_url'])
    expect(ticket.storage_path).toBe(`ml_outputs/${analysis.id}/attention_map.png`)
    expect(ticket.method).toBe('PUT')
    expect(ticket.headers).toEqual({ 'Content-Type': 'image/png' })
    const url = new URL(ticket.upload_url)
    expect(url.origin).toBe(BASE)
    expect(url.pathname).toBe(`/s3/ml_outputs/${analysis.id}/attention_map.png`)
    expect(url.searchParams.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256')
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900')
    // The content type is part of the signature, so the URL cannot carry another type.
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('content-type;host')
    const ttl = Date.parse(ticket.expires_at) - started
    expect(ttl).toBeGreaterThanOrEqual(899_000)
    expect(ttl).toBeLessThanOrEqual(901_000)
  })

  it.each([
    ['heatmap', undefined, 'image/png'],
    ['mask', undefined, 'image/png'],
    ['segmentation', undefined, 'image/png'],
    ['log', undefined, 'text/plain'],
    ['metadata', undefined, 'application/json'],
    ['other', 'text/csv', 'text/csv'],
    ['model', undefined, 'application/octet-stream'],
  ])('maps artifact_type %s (content_type %s) to %s', async (artifactType, contentType, expected) => {
    const { analysis } = await scenario()
    const ticket = await ticketFor(analysis.id, { artifact_type: artifactType, filename: 'file.bin', ...(contentType ? { content_type: contentType } : {}) })
    expect(ticket.headers).toEqual({ 'Content-Type': expected })
    expect(await artifactRow(ticket.storage_path)).toMatchObject({ artifact_type: artifactType, content_type: expected, status: 'pending' })
  })

  it.each([
    ['heatmap', 'image/webp', 'image/webp'],
    ['mask', 'IMAGE/PNG', 'image/png'],
    ['other', 'application/zip', 'application/zip'],
    ['model', 'application/octet-stream', 'application/octet-stream'],
    ['log', 'text/plain', 'text/plain'],
  ])('takes artifact_type %s with the allowed content_type %s (as %s)', async (artifactType, contentType, expected) => {
    const { analysis } = await scenario()
    const ticket = await ticketFor(analysis.id, { artifact_type: artifactType, filename: 'file.bin', content_type: contentType })
    expect(ticket.headers).toEqual({ 'Content-Type': expected })
  })

  // Served from Loupe's origin, any of these would run as a page or a script there.
  const ACTIVE = ['text/html', 'application/xhtml+xml', 'image/svg+xml', 'text/xml', 'application/xml', 'text/javascript', 'application/javascript', 'application/pdf', 'text/css', 'application/rss+xml', 'multipart/x-mixed-replace']
  it.each(['other', 'model', 'heatmap', 'log', 'metadata'].flatMap((t) => ACTIVE.map((c) => [t, c])))(
    'refuses artifact_type %s with active content %s: 400 naming content_type, no row',
    async (artifactType, contentType) => {
      const { analysis } = await scenario()
      const res = await presign(analysis.id, { artifact_type: artifactType, filename: 'x.html', content_type: contentType })
      expect(res.status).toBe(400)
      const { error } = await res.json<{ error: { code: string; details: { issues: { path: string[] }[] } } }>()
      expect(error.code).toBe('validation_error')
      expect(error.details.issues[0]!.path).toEqual(['content_type'])
      const n = await env.DB.prepare('SELECT count(*) AS n FROM artifacts WHERE analysis_id = ?').bind(analysis.id).first()
      expect(n).toEqual({ n: 0 })
    },
  )

  it.each([
    ['heatmap', 'application/octet-stream'],
    ['mask', 'image/jpeg'],
    ['segmentation', 'text/plain'],
    ['log', 'application/json'],
    ['metadata', 'text/plain'],
  ])('refuses artifact_type %s with %s, a type it cannot hold', async (artifactType, contentType) => {
    const { analysis } = await scenario()
    const res = await presign(analysis.id, { artifact_type: artifactType, filename: 'f', content_type: contentType })
    expect(res.status).toBe(400)
  })

  it('rejects an unknown artifact_type', async () => {
    const { analysis } = await scenario()
    expect((await presign(analysis.id, { artifact_type: 'video', filename: 'x.mp4' })).status).toBe(400)
  })

  it('can be asked again for the same file: a fresh URL, one artifact row', async () => {
    const { analysis } = await scenario()
    const a = await ticketFor(analysis.id)
    const b = await ticketFor(analysis.id)
    expect(b.storage_path).toBe(a.storage_path)
    const n = await env.DB.prepare('SELECT count(*) AS n FROM artifacts WHERE analysis_id = ?').bind(analysis.id).first()
    expect(n).toEqual({ n: 1 })
  })

  it('uses ML_PRESIGNED_URL_EXPIRY_SECONDS', async () => {
    const { analysis } = await scenario()
    const res = await fetchWithEnv(await signedRequest('POST', `/api/analyses/${analysis.id}/artifacts/presign`, { artifact_type: 'log', filename: 'run.log' }), {
      ML_PRESIGNED_URL_EXPIRY_SECONDS: '60',
    })
    const ticket = await res.json<Ticket>()
    expect(new URL(ticket.upload_url).searchParams.get('X-Amz-Expires')).toBe('60')
    expect(Date.parse(ticket.expires_at) - Date.now()).toBeLessThanOrEqual(61_000)
  })

  it('builds URLs from PUBLIC_URL when it is set', async () => {
    const { analysis } = await scenario()
    const res = await fetchWithEnv(await signedRequest('POST', `/api/analyses/${analysis.id}/artifacts/presign`, { artifact_type: 'log', filename: 'run.log' }), {
      PUBLIC_URL: 'https://loupe.example.com/',
    })
    const ticket = await res.json<Ticket>()
    expect(ticket.upload_url.startsWith(`https://loupe.example.com/s3/ml_outputs/${analysis.id}/run.log?`)).toBe(true)
  })

  it('points straight at R2’s S3 API when S3 credentials are configured', async () => {
    const { analysis } = await scenario()
    const res = await fetchWithEnv(await signedRequest('POST', `/api/analyses/${analysis.id}/artifacts/presign`, { artifact_type: 'heatmap', filename: 'h.png' }), {
      S3_ENDPOINT: 'https://acct.r2.cloudflarestorage.com',
      S3_BUCKET: 'ml-outputs',
      S3_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      S3_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
    })
    const ticket = await res.json<Ticket>()
    const url = new URL(ticket.upload_url)
    expect(`${url.origin}${url.pathname}`).toBe(`https://acct.r2.cloudflarestorage.com/ml-outputs/ml_outputs/${analysis.id}/h.png`)
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(/^AKIDEXAMPLE\/\d{8}\/auto\/s3\/aws4_request$/)
    expect(ticket.storage_path).toBe(`ml_outputs/${analysis.id}/h.png`)
  })

  it('refuses to presign for a canceled analysis', async () => {
    const { owner, analysis } = await scenario()
    await api(`/api/analyses/${analysis.id}/cancel`, { method: 'POST', token: owner.token })
    const res = await presign(analysis.id, { artifact_type: 'heatmap', filename: 'h.png' })
    expect(res.status).toBe(409)
    expect((await res.json<Envelope>()).error.code).toBe('analysis_canceled')
  })

  it('refuses to presign once the analysis is finalized', async () => {
    const { analysis } = await scenario()
    expect((await signed('PATCH', `/api/analyses/${analysis.id}/status`, { status: 'processing' })).status).toBe(200)
    expect((await signed('POST', `/api/analyses/${analysis.id}/finalize`, { status: 'completed' })).status).toBe(200)
    const res = await presign(analysis.id, { artifact_type: 'heatmap', filename: 'late.png' })
    expect(res.status).toBe(409)
    expect((await res.json<Envelope>()).error.code).toBe('analysis_finalized')
  })

  it('answers 404 for an analysis that does not exist', async () => {
    expect((await presign(crypto.randomUUID(), { artifact_type: 'heatmap', filename: 'h.png' })).status).toBe(404)
  })
})

describe('artifact filenames', () => {
  it.each([
    ['empty', ''],
    ['a slash', 'a/b.png'],
    ['only a slash', '/'],
    ['a backslash', 'a\\b.png'],
    ['..', '..'],
    ['a parent reference', '../images/secret.png'],
    ['a tab', 'tab\there.png'],
    ['a newline', 'line\nbreak.png'],
    ['a NUL byte', 'nul\u0000.png'],
    ['DEL', 'del\u007f.png'],
    ['256 ASCII bytes', `${'x'.repeat(252)}.png`],
    ['256 bytes of two-byte characters', 'é'.repeat(128)],
  ])('rejects a filename with %s', async (_what, filename) => {
    const { analysis } = await scenario()
    const res = await presign(analysis.id, { artifact_type: 'heatmap', filename })
    expect(res.status).toBe(400)
    const n = await env.DB.prepare('SELECT count(*) AS n FROM artifacts WHERE analysis_id = ?').bind(analysis.id).first()
    expect(n).toEqual({ n: 0 })
  })

  it.each([
    ['255 bytes', `${'x'.repeat(251)}.png`],
    ['spaces and accents', 'résumé (1).png'],
    ['a single dot inside', 'map.v2.png'],
  ])('accepts a filename of %s', async (_what, filename) => {
    const { analysis } = await scenario()
    const ticket = await ticketFor(analysis.id, { artifact_type: 'heatmap', filename })
    expect(ticket.storage_path).toBe(`ml_outputs/${analysis.id}/${filename}`)
    const upload = await put(ticket.upload_url, PNG_1x1, ticket.headers)
    expect(upload.status).toBe(200)
    expect(await env.BUCKET.head(ticket.storage_path)).not.toBeNull()
  })
})

describe('uploading to the presigned URL', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('stores the bytes in R2 and marks the artifact uploaded with its size and hash', async () => {
    const { analysis } = await scenario()
    const ticket = await ticketFor(analysis.id)
    const res = await put(ticket.upload_url, PNG_1x1, ticket.headers)
    expect(res.status).toBe(200)
    expect(res.headers.get('ETag')).toMatch(/^"[0-9a-f]+"$/)
    const object = await env.BUCKET.get(ticket.storage_path)
    expect(new Uint8Array(await object!.arrayBuffer())).toEqual(PNG_1x1)
    expect(object!.httpMetadata?.contentType).toBe('image/png')
    expect(await artifactRow(ticket.storage_path)).toMatchObject({
      status: 'uploaded',
      bytes: PNG_1x1.byteLength,
      sha256: await sha256Of(PNG_1x1),
    })
  })

  type Tamper = [string, (url: URL) => void]
  const TAMPERS: Tamper[] = [
    ['a changed signature', (u) => u.searchParams.set('X-Amz-Signature', flip(u.searchParams.get('X-Amz-Signature')!))],
    ['another object key', (u) => (u.pathname = u.pathname.replace('attention_map.png', 'other.png'))],
    ['a traversal in the key', (u) => (u.pathname = u.pathname.replace('attention_map.png', '..%2F..%2Fimages%2Fx'))],
    ['a longer expiry', (u) => u.searchParams.set('X-Amz-Expires', '604800')],
    ['an earlier date', (u) => u.searchParams.set('X-Amz-Date', '20200101T000000Z')],
    ['another credential', (u) => u.searchParams.set('X-Amz-Credential', u.searchParams.get('X-Amz-Credential')!.replace('loupe-embedded', 'someone'))],
    ['fewer signed headers', (u) => u.searchParams.set('X-Amz-SignedHeaders', 'host')],
    ['no signature', (u) => u.searchParams.delete('X-Amz-Signature')],
    ['an extra query parameter', (u) => u.searchParams.set('x-id', 'PutObject')],
  ]

  it.each(TAMPERS)('answers 403 to a URL with %s', async (_what, tamper) => {
    const { analysis } = await scenario()
    const ticket = await ticketFor(analysis.id)
    const url = new URL(ticket.upload_url)
    tamper(url)
    const res = await put(url.toString(), PNG_1x1, ticket.headers)
    expect(res.status).toBe(403)
    expect((await res.json<Envelope>()).error.code).toBe('forbidden')
    expect(await env.BUCKET.head(ticket.storage_path)).toBeNull()
    expect(await artifactRow(ticket.storage_path)).toMatchObject({ status: 'pending' })
  })

  it('writes exactly the key it signed: a URL for "heat map.png" cannot be bent to overwrite "heat+map.png"', async () => {
    const { analysis } = await scenario()
    const spaced = await ticketFor(analysis.id, { artifact_type: 'heatmap', filename: 'heat map.png' })
    const plussed = await ticketFor(analysis.id, { artifact_type: 'heatmap', filename: 'heat+map.png' })
    expect((await put(plussed.upload_url, PNG_1x1, plussed.headers)).status).toBe(200)
    const url = new URL(spaced.upload_url)
    expect(url.pathname.endsWith('/heat%20map.png')).toBe(true)
    // `+` is a literal plus in a path, but aws4fetch's canonical form reads it as a space.
    url.pathname = url.pathname.replace('heat%20map.png', 'heat+map.png')
    const res = await put(url.toString(), new Uint8Array([1, 2, 3]), spaced.headers)
    expect(res.status).toBe(403)
    expect(new Uint8Array(await (await env.BUCKET.get(plussed.storage_path))!.arrayBuffer())).toEqual(PNG_1x1)
    expect(await env.BUCKET.head(spaced.storage_path)).toBeNull()
  })

  it.each([
    ['a malformed escape', (u: URL) => (u.pathname = u.pathname.replace('attention_map.png', 'attention%E0%A4%A.png'))],
    ['an encoded slash', (u: URL) => (u.pathname = u.pathname.replace('/attention_map.png', '%2Fattention_map.png'))],
    ['an encoded dot segment', (u: URL) => (u.pathname = u.pathname.replace('attention_map.png', '%2e%2e/attention_map.png'))],
  ])('answers 403, never 500, to a URL whose key has %s', async (_what, tamper) => {
    const { analysis } = await scenario()
    const ticket = await ticketFor(analysis.id)
    const url = new URL(ticket.upload_url)
    tamper(url)
    const res = await put(url.toString(), PNG_1x1, ticket.headers)
    expect(res.status).toBe(403)
    expect((await res.json<Envelope>()).error.code).toBe('forbidden')
  })

  it.each([
    ['another content type', { 'Content-Type': 'image/jpeg' }],
    ['no content type', {}],
  ])('answers 403 to a PUT with %s', async (_what, headers) => {
    const { analysis } = await scenario()
    const ticket = await ticketFor(analysis.id)
    const res = await put(ticket.upload_url, PNG_1x1, headers)
    expect(res.status).toBe(403)
    expect(await env.BUCKET.head(ticket.storage_path)).toBeNull()
  })

  it('answers 403 to a GET with an upload URL', async () => {
    const { analysis } = await scenario()
    const ticket = await ticketFor(analysis.id)
    await put(ticket.upload_url, PNG_1x1, ticket.headers)
    const res = await put(ticket.upload_url, null, ticket.headers, 'GET')
    expect(res.status).toBe(403)
  })

  it('accepts an upload just before expiry and refuses it just after', async () => {
    const { analysis } = await scenario()
    const ticket = await ticketFor(analysis.id)
    const signedAt = Date.now()
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(signedAt + 901_000)
    const late = await put(ticket.upload_url, PNG_1x1, ticket.headers)
    expect(late.status).toBe(403)
    expect((await late.json<Envelope>()).error.message).toMatch(/expired/)
    expect(await env.BUCKET.head(ticket.storage_path)).toBeNull()
    vi.setSystemTime(signedAt + 895_000)
    expect((await put(ticket.upload_url, PNG_1x1, ticket.headers)).status).toBe(200)
  })

  it('refuses a URL dated in the future', async () => {
    const { analysis } = await scenario()
    const now = Date.now()
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(now + 3_600_000)
    const ticket = await ticketFor(analysis.id)
    vi.setSystemTime(now)
    expect((await put(ticket.upload_url, PNG_1x1, ticket.headers)).status).toBe(403)
  })
})

describe('artifact download', () => {
  const download = (token: string | undefined, storagePath: string) =>
    api(`/api/ml/artifacts/download?storage_path=${encodeURIComponent(storagePath)}`, { token })

  it('returns a download_url that serves the uploaded bytes', async () => {
    const { owner, analysis } = await scenario()
    const path = await uploadArtifact(analysis.id, 'heatmap.png', PNG_1x1)
    const res = await download(owner.token, path)
    expect(res.status).toBe(200)
    const body = await res.json<{ download_url: string; expires_at: string }>()
    expect(Object.keys(body).sort()).toEqual(['download_url', 'expires_at'])
    expect(Date.parse(body.expires_at)).toBeGreaterThan(Date.now())
    const file = await exports.default.fetch(new Request(body.download_url))
    expect(file.status).toBe(200)
    expect(file.headers.get('Content-Type')).toBe('image/png')
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(PNG_1x1)
  })

  it('signs the download URL for GET only', async () => {
    const { owner, analysis } = await scenario()
    const path = await uploadArtifact(analysis.id)
    const { download_url } = await (await download(owner.token, path)).json<{ download_url: string }>()
    expect((await put(download_url, PNG_1x1, { 'Content-Type': 'image/png' })).status).toBe(403)
  })

  it.each([
    ['another prefix', 'images/abc/def.png'],
    ['a leading slash', '/ml_outputs/{id}/heatmap.png'],
    ['a parent reference', 'ml_outputs/{id}/../../images/secret.png'],
    ['a bare ..', 'ml_outputs/..'],
    ['an empty segment', 'ml_outputs//heatmap.png'],
    ['a backslash', 'ml_outputs\\{id}\\heatmap.png'],
    ['a control character', 'ml_outputs/{id}/heat\u0001map.png'],
  ])('answers 400 to a path with %s', async (_what, template) => {
    const { owner, analysis } = await scenario()
    await uploadArtifact(analysis.id)
    const res = await download(owner.token, template.replaceAll('{id}', analysis.id))
    expect(res.status).toBe(400)
    expect((await res.json<Envelope>()).error.code).toBe('validation_error')
  })

  it('answers 400 without storage_path', async () => {
    const { owner } = await scenario()
    expect((await api('/api/ml/artifacts/download', { token: owner.token })).status).toBe(400)
  })

  it('answers 404 for a path whose analysis id is not a uuid', async () => {
    const { owner } = await scenario()
    expect((await download(owner.token, 'ml_outputs/not-an-id/heatmap.png')).status).toBe(404)
  })

  it('answers 404 for an artifact that was never recorded', async () => {
    const { owner, analysis } = await scenario()
    expect((await download(owner.token, `ml_outputs/${analysis.id}/nothing.png`)).status).toBe(404)
  })

  it('answers 404 for an artifact of an analysis the caller cannot read', async () => {
    const { analysis } = await scenario()
    const path = await uploadArtifact(analysis.id)
    const stranger = await createUser('stranger')
    expect((await download(stranger.token, path)).status).toBe(404)
  })

  it('answers 404 for a path that names one analysis and an artifact row of another', async () => {
    const mine = await scenario()
    const theirs = await scenario()
    const theirPath = await uploadArtifact(theirs.analysis.id)
    const spliced = theirPath.replace(theirs.analysis.id, mine.analysis.id)
    expect((await download(mine.owner.token, spliced)).status).toBe(404)
  })

  it('answers 401 without credentials', async () => {
    const { analysis } = await scenario()
    const path = await uploadArtifact(analysis.id)
    expect((await download(undefined, path)).status).toBe(401)
  })
})

function flip(hex: string): string {
  return hex.slice(0, -1) + (hex.endsWith('0') ? '1' : '0')
}
