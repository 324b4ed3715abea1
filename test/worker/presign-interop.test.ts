import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'
import { env, exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { EMBEDDED_ACCESS_KEY_ID } from '../../src/storage/presign'
import { api, BASE, fetchWithEnv, PNG_1x1, request, scenario, signed, uploadArtifact } from './helpers'
import { verifiesUnderSigV4 } from './support/sigv4-verifier'

// The secret vitest.config.ts gives the embedded gateway.
const UPLOAD_SECRET = 'test-upload-signing-secret'
const credentials = { accessKeyId: EMBEDDED_ACCESS_KEY_ID, secretAccessKey: UPLOAD_SECRET }

/** The AWS SDK pointed at the Worker's `/s3/` gateway: the bucket is the `s3` path segment. */
const sdk = new S3Client({ endpoint: BASE, region: 'auto', forcePathStyle: true, credentials, requestChecksumCalculation: 'WHEN_REQUIRED' })

const FILENAMES = ['attention_map.png', 'heat map.png', 'heat+map.png', 'résumé (1).png', "it's*!.png", '100%.png']

async function presignArtifact(analysisId: string, filename: string) {
  const res = await signed('POST', `/api/analyses/${analysisId}/artifacts/presign`, { artifact_type: 'heatmap', filename })
  expect(res.status, await res.clone().text()).toBe(200)
  return res.json<{ upload_url: string; storage_path: string; headers: Record<string, string> }>()
}

describe('presigned URLs and independent SigV4 implementations', () => {
  it.each(FILENAMES)('an upload URL for %j verifies under the AWS SDK signer', async (filename) => {
    const { analysis } = await scenario()
    const ticket = await presignArtifact(analysis.id, filename)
    expect(await verifiesUnderSigV4(ticket.upload_url, { method: 'PUT', headers: ticket.headers, ...credentials })).toBe(true)
    // The check can fail: another method, another content type or another key does not verify.
    expect(await verifiesUnderSigV4(ticket.upload_url, { method: 'GET', headers: ticket.headers, ...credentials })).toBe(false)
    expect(await verifiesUnderSigV4(ticket.upload_url, { method: 'PUT', headers: { 'Content-Type': 'text/html' }, ...credentials })).toBe(false)
    const moved = new URL(ticket.upload_url)
    moved.pathname = moved.pathname.replace(/[^/]+$/, 'other.png')
    expect(await verifiesUnderSigV4(moved.toString(), { method: 'PUT', headers: ticket.headers, ...credentials })).toBe(false)
  })

  it('a download URL verifies under the AWS SDK signer', async () => {
    const { owner, analysis } = await scenario()
    const path = await uploadArtifact(analysis.id, 'heat map+1.png')
    const res = await api(`/api/ml/artifacts/download?storage_path=${encodeURIComponent(path)}`, { token: owner.token })
    const { download_url } = await res.json<{ download_url: string }>()
    expect(await verifiesUnderSigV4(download_url, { method: 'GET', ...credentials })).toBe(true)
  })

  it.each([
    ['a CSV', 'metadata.csv', 'text/csv', `attachment; filename="metadata.csv"; filename*=UTF-8''metadata.csv`],
    ['a PNG', 'heat.png', 'image/png', 'inline'],
  ])('a direct-to-R2 download URL of %s asks R2 for its Content-Disposition, and verifies under the AWS SDK signer', async (_what, filename, contentType, disposition) => {
    const { owner, analysis } = await scenario()
    const ticket = await (await signed('POST', `/api/analyses/${analysis.id}/artifacts/presign`, { artifact_type: 'other', filename, content_type: contentType })).json<{ storage_path: string }>()
    const r2 = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' }
    const res = await fetchWithEnv(request(`/api/ml/artifacts/download?storage_path=${encodeURIComponent(ticket.storage_path)}`, { token: owner.token }), {
      S3_ENDPOINT: 'https://acct.r2.cloudflarestorage.com',
      S3_BUCKET: 'ml-outputs',
      S3_ACCESS_KEY_ID: r2.accessKeyId,
      S3_SECRET_ACCESS_KEY: r2.secretAccessKey,
    })
    expect(res.status, await res.clone().text()).toBe(200)
    const { download_url } = await res.json<{ download_url: string }>()
    expect(new URL(download_url).searchParams.get('response-content-disposition')).toBe(disposition)
    expect(await verifiesUnderSigV4(download_url, { method: 'GET', ...r2 })).toBe(true)
    // The disposition is signed: a URL asking R2 to show the file inline instead does not verify.
    const bent = new URL(download_url)
    bent.searchParams.set('response-content-disposition', 'inline')
    if (disposition !== 'inline') expect(await verifiesUnderSigV4(bent.toString(), { method: 'GET', ...r2 })).toBe(false)
  })

  it.each(FILENAMES)('the /s3/ gateway takes an AWS SDK presigned PUT and GET for %j', async (filename) => {
    const { analysis } = await scenario()
    const ticket = await presignArtifact(analysis.id, filename)
    const putUrl = await getSignedUrl(sdk, new PutObjectCommand({ Bucket: 's3', Key: ticket.storage_path, ContentType: 'image/png' }), { expiresIn: 300 })
    expect(new URL(putUrl).pathname.startsWith('/s3/ml_outputs/')).toBe(true)
    const put = await exports.default.fetch(new Request(putUrl, { method: 'PUT', headers: { 'Content-Type': 'image/png' }, body: PNG_1x1 }))
    expect(put.status, await put.clone().text()).toBe(200)
    const stored = await env.BUCKET.get(ticket.storage_path)
    expect(new Uint8Array(await stored!.arrayBuffer())).toEqual(PNG_1x1)
    const row = await env.DB.prepare('SELECT status FROM artifacts WHERE storage_path = ?').bind(ticket.storage_path).first()
    expect(row).toEqual({ status: 'uploaded' })

    const getUrl = await getSignedUrl(sdk, new GetObjectCommand({ Bucket: 's3', Key: ticket.storage_path }), { expiresIn: 300 })
    const got = await exports.default.fetch(new Request(getUrl))
    expect(got.status).toBe(200)
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(PNG_1x1)
  })

  it('the /s3/ gateway refuses an AWS SDK URL signed with another secret', async () => {
    const { analysis } = await scenario()
    const ticket = await presignArtifact(analysis.id, 'h.png')
    const wrong = new S3Client({ endpoint: BASE, region: 'auto', forcePathStyle: true, credentials: { ...credentials, secretAccessKey: 'nope' } })
    const url = await getSignedUrl(wrong, new PutObjectCommand({ Bucket: 's3', Key: ticket.storage_path, ContentType: 'image/png' }))
    const put = await exports.default.fetch(new Request(url, { method: 'PUT', headers: { 'Content-Type': 'image/png' }, body: PNG_1x1 }))
    expect(put.status).toBe(403)
    expect(await env.BUCKET.head(ticket.storage_path)).toBeNull()
  })
})
