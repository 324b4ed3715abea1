import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { api, fetchWithEnv, PNG_1x1, scenario, signed, signedRequest } from './helpers'
import { subscribe, type Message } from './live-client'

const S3 = {
  S3_ENDPOINT: 'https://acct.r2.cloudflarestorage.com',
  S3_BUCKET: 'ml-outputs',
  S3_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  S3_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
}

/** Presigns with S3 configured, so the URL points straight at R2 and the Worker never sees the upload. */
async function uploadDirectToR2(analysisId: string, filename: string) {
  const res = await fetchWithEnv(await signedRequest('POST', `/api/analyses/${analysisId}/artifacts/presign`, { artifact_type: 'heatmap', filename }), S3)
  const { storage_path } = await res.json<{ storage_path: string }>()
  // What the pipeline's PUT to R2 amounts to: the bytes are in the bucket, and nothing told Loupe.
  await env.BUCKET.put(storage_path, PNG_1x1)
  return storage_path
}

const ofType = (messages: Message[], type: string) => messages.filter((m) => m.type === type)

async function until(messages: Message[], predicate: (m: Message[]) => boolean, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs
  while (!predicate(messages)) {
    if (Date.now() > deadline) throw new Error(`timed out: ${JSON.stringify(messages.map((m) => m.type))}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

describe('live events', () => {
  it('announces a direct-to-R2 artifact when a bulk post first refers to it', async () => {
    const { owner, analysis } = await scenario()
    await signed('PATCH', `/api/analyses/${analysis.id}/status`, { status: 'processing' })
    const path = await uploadDirectToR2(analysis.id, 'direct.png')
    const sub = await subscribe(analysis.id, owner.token)
    await sub.next(2)
    const bulk = await signed('POST', `/api/analyses/${analysis.id}/annotations:bulk`, {
      annotations: [{ annotation_type: 'heatmap', storage_path: path, data: { width: 1, height: 1 } }],
    })
    expect(bulk.status).toBe(200)
    await until(sub.messages, (m) => ofType(m, 'annotations').length > 0)
    const artifacts = ofType(sub.messages, 'artifact')
    expect(artifacts).toHaveLength(1)
    expect(artifacts[0]!.artifact).toMatchObject({ storage_path: path, status: 'uploaded', bytes: PNG_1x1.byteLength })
    sub.close()
  })

  it('announces every direct-to-R2 artifact nobody referred to when the analysis is finalized', async () => {
    const { owner, analysis } = await scenario()
    await signed('PATCH', `/api/analyses/${analysis.id}/status`, { status: 'processing' })
    const path = await uploadDirectToR2(analysis.id, 'model-card.png')
    const sub = await subscribe(analysis.id, owner.token)
    await sub.next(2)
    expect((await signed('POST', `/api/analyses/${analysis.id}/finalize`, { status: 'completed' })).status).toBe(200)
    await until(sub.messages, (m) => ofType(m, 'finalized').length > 0)
    expect(ofType(sub.messages, 'artifact').map((m) => m.artifact.storage_path)).toEqual([path])
    // The artifact is announced before the analysis reads as final.
    expect(sub.messages.findIndex((m) => m.type === 'artifact')).toBeLessThan(sub.messages.findIndex((m) => m.type === 'finalized'))
    sub.close()
  })

  it('sends a review to everyone watching, as the annotation now is', async () => {
    const { owner, analysis } = await scenario()
    const bulk = await signed('POST', `/api/analyses/${analysis.id}/annotations:bulk`, {
      annotations: [{ annotation_type: 'classification', class_name: 'cat', confidence: 0.9, data: { score: 0.9 } }],
    })
    const [annotation] = (await bulk.json<{ annotations: { id: string }[] }>()).annotations
    const watchers = await Promise.all([subscribe(analysis.id, owner.token), subscribe(analysis.id, owner.token)])
    await Promise.all(watchers.map((w) => w.next(2)))
    const res = await api(`/api/annotations/${annotation!.id}/review`, { method: 'PATCH', token: owner.token, json: { state: 'rejected', note: 'a dog' } })
    expect(res.status).toBe(200)
    for (const w of watchers) {
      const [review] = (await w.next(3)).slice(2)
      expect(review).toMatchObject({ type: 'review', annotations: [{ id: annotation!.id, review_state: 'rejected', review_note: 'a dog', reviewed_by_id: owner.id }] })
      w.close()
    }
  })

  it('carries the closed stages on status and finalized events', async () => {
    const { owner, analysis } = await scenario()
    await signed('PATCH', `/api/analyses/${analysis.id}/status`, { status: 'processing', stage: 'inference', progress: 0.2 })
    const sub = await subscribe(analysis.id, owner.token)
    await sub.next(2)
    await signed('POST', `/api/analyses/${analysis.id}/finalize`, { status: 'completed' })
    const [status, finalized] = (await sub.next(4)).slice(2)
    for (const event of [status!, finalized!]) {
      expect(event.stages).toHaveLength(1)
      expect(event.stages[0]).toMatchObject({ name: 'inference', ended_at: expect.any(String) })
    }
    sub.close()
  })

  it('answers a resume from a seq the analysis never reached with a snapshot', async () => {
    const { owner, analysis } = await scenario()
    await signed('PATCH', `/api/analyses/${analysis.id}/status`, { status: 'processing' })
    const sub = await subscribe(analysis.id, owner.token, 10_000)
    const [connected, snapshot] = await sub.next(2)
    expect(connected!.type).toBe('connected')
    expect(snapshot).toMatchObject({ type: 'snapshot', reset: true, analysis: { status: 'processing' } })
    sub.close()
  })
})
