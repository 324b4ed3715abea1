import { env, exports } from 'cloudflare:workers'
import { strFromU8, unzipSync } from 'fflate'
import { describe, expect, it } from 'vitest'
import { sealedKey } from '../../src/storage/sealed-artifacts'
import { api, fetchWithEnv, request, scenario, signed, signedRequest, uploadArtifact } from './helpers'

const S3 = {
  S3_ENDPOINT: 'https://acct.r2.cloudflarestorage.com',
  S3_BUCKET: 'ml-outputs',
  S3_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  S3_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
}

const BEFORE = new TextEncoder().encode('the heatmap the analysis ended with')
const AFTER = new TextEncoder().encode('bytes written later through a direct-to-R2 URL that had not expired')

async function sha256Of(bytes: Uint8Array) {
  return [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))].map((b) => b.toString(16).padStart(2, '0')).join('')
}

/** Presigns with S3 configured, so the URL points straight at R2 and the Worker never sees the upload. */
async function presignDirect(analysisId: string, filename: string) {
  const res = await fetchWithEnv(await signedRequest('POST', `/api/analyses/${analysisId}/artifacts/presign`, { artifact_type: 'heatmap', filename }), S3)
  expect(res.status).toBe(200)
  return res.json<{ upload_url: string; storage_path: string }>()
}

const downloadPath = (path: string) => `/api/ml/artifacts/download?storage_path=${encodeURIComponent(path)}`

/** What a user's download link serves, through the Worker's `/s3/` gateway. */
async function download(path: string, token: string) {
  const res = await api(downloadPath(path), { token })
  if (res.status !== 200) return { status: res.status, bytes: null }
  const { download_url } = await res.json<{ download_url: string }>()
  const object = await exports.default.fetch(download_url)
  return { status: object.status, bytes: new Uint8Array(await object.arrayBuffer()) }
}

async function bundleOf(analysisId: string, token: string) {
  const zip = unzipSync(new Uint8Array(await (await api(`/api/analyses/${analysisId}/bundle`, { token })).arrayBuffer()))
  return { zip, manifest: JSON.parse(strFromU8(zip['manifest.json']!)) as { artifacts: { filename: string; included: boolean; sha256: string | null; recorded_sha256?: string }[] } }
}

/** An analysis that ended with one direct-to-R2 heatmap, which a still-valid upload URL then overwrote. */
async function overwrittenAfterTheEnd() {
  const { owner, analysis } = await scenario()
  await signed('PATCH', `/api/analyses/${analysis.id}/status`, { status: 'processing' })
  const { storage_path } = await presignDirect(analysis.id, 'heat.png')
  // What the pipeline's PUT to R2 amounts to: the bytes are in the bucket, and nothing told Loupe.
  await env.BUCKET.put(storage_path, BEFORE, { httpMetadata: { contentType: 'image/png' } })
  expect((await signed('POST', `/api/analyses/${analysis.id}/finalize`, { status: 'completed' })).status).toBe(200)
  await env.BUCKET.put(storage_path, AFTER, { httpMetadata: { contentType: 'image/png' } })
  return { owner, analysis, storage_path }
}

describe("a finished analysis's artifacts cannot change, even through direct-to-R2 URLs", () => {
  it('a download after the end serves the bytes the analysis ended with', async () => {
    const { owner, storage_path } = await overwrittenAfterTheEnd()
    const served = await download(storage_path, owner.token)
    expect(served.status).toBe(200)
    expect(served.bytes).toEqual(BEFORE)
  })

  it('a direct-to-R2 download link names the sealed copy, which no upload URL can write', async () => {
    const { owner, storage_path } = await overwrittenAfterTheEnd()
    const res = await fetchWithEnv(request(downloadPath(storage_path), { token: owner.token }), S3)
    const url = new URL((await res.json<{ download_url: string }>()).download_url)
    expect(decodeURIComponent(url.pathname)).toBe(`/ml-outputs/${sealedKey(storage_path)}`)
    expect(new Uint8Array(await (await env.BUCKET.get(sealedKey(storage_path)))!.arrayBuffer())).toEqual(BEFORE)
  })

  it('the provenance bundle carries and attests the bytes the analysis ended with', async () => {
    const { owner, analysis } = await overwrittenAfterTheEnd()
    const { zip, manifest } = await bundleOf(analysis.id, owner.token)
    expect(zip['artifacts/heat.png']).toEqual(BEFORE)
    const entry = manifest.artifacts.find((a) => a.filename === 'heat.png')!
    expect(entry).toMatchObject({ included: true, sha256: await sha256Of(BEFORE) })
    expect(entry).not.toHaveProperty('recorded_sha256')
  })

  it('the hash of what was sealed is recorded on the artifact', async () => {
    const { storage_path } = await overwrittenAfterTheEnd()
    const row = await env.DB.prepare('SELECT sha256, bytes FROM artifacts WHERE storage_path = ?').bind(storage_path).first()
    expect(row).toEqual({ sha256: await sha256Of(BEFORE), bytes: BEFORE.byteLength })
  })

  it('a file first uploaded after the end is not part of the analysis: no download, not in the bundle', async () => {
    const { owner, analysis } = await scenario()
    await signed('PATCH', `/api/analyses/${analysis.id}/status`, { status: 'processing' })
    const { storage_path } = await presignDirect(analysis.id, 'late.png')
    expect((await signed('POST', `/api/analyses/${analysis.id}/finalize`, { status: 'completed' })).status).toBe(200)
    await env.BUCKET.put(storage_path, AFTER)
    expect((await download(storage_path, owner.token)).status).toBe(404)
    const { zip, manifest } = await bundleOf(analysis.id, owner.token)
    expect(zip['artifacts/late.png']).toBeUndefined()
    expect(manifest.artifacts.find((a) => a.filename === 'late.png')).toMatchObject({ included: false })
  })

  it('an artifact that came through the gateway is not copied: the gateway refuses writes after the end', async () => {
    const { owner, analysis } = await scenario()
    await signed('PATCH', `/api/analyses/${analysis.id}/status`, { status: 'processing' })
    const storage_path = await uploadArtifact(analysis.id, 'gateway.png', BEFORE)
    expect((await signed('POST', `/api/analyses/${analysis.id}/finalize`, { status: 'completed' })).status).toBe(200)
    expect(await env.BUCKET.head(sealedKey(storage_path))).toBeNull()
    expect((await download(storage_path, owner.token)).bytes).toEqual(BEFORE)
  })
})
