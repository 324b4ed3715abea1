import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LoupeClient } from '../src'
import { ANALYSIS_ID, makeClient, SECRET, StubServer } from './stub-server'

const KEY = 'mlpip_' + 'k'.repeat(43)
const CREDENTIAL = 'mlcred_' + 'c'.repeat(43)

let server: StubServer
beforeEach(async () => {
  server = await StubServer.start()
})
afterEach(() => server.close())

describe('pipeline keys and run credentials', () => {
  it('sends the key as X-API-Key on creates and callbacks, and never a user token beside it', async () => {
    const { client } = makeClient(server, { apiKey: KEY, token: 'lp_user' })
    await client.createAnalysis('img-1', { model_name: 'm', model_version: '1' })
    await client.analysis(ANALYSIS_ID).start()
    for (const r of server.requests) {
      expect(r.header('x-api-key')).toBe(KEY)
      expect(r.header('authorization')).toBeUndefined()
    }
  })

  it('signs an analysis created by key with the run credential from the create', async () => {
    const { client } = makeClient(server, { apiKey: KEY, secret: null })
    server.queue('POST', '/analyses', {
      status: 201,
      body: { id: ANALYSIS_ID, status: 'queued', annotations: [], callback: { base_url: `${server.url}/api/analyses/${ANALYSIS_ID}`, secret: CREDENTIAL } },
    })
    await client.createAnalysis('img-1', { model_name: 'm', model_version: '1' })
    await client.analysis(ANALYSIS_ID).start()
    const [status] = server.matching('PATCH', '/status')
    expect(status!.signatureValid(CREDENTIAL)).toBe(true)
    expect(status!.signatureValid(SECRET)).toBe(false)
  })

  it('keeps signing other analyses with the client secret', async () => {
    const { client } = makeClient(server)
    client.useCredential('other', CREDENTIAL)
    await client.analysis(ANALYSIS_ID).start()
    expect(server.matching('PATCH', '/status')[0]!.signatureValid(SECRET)).toBe(true)
  })

  it('refuses an apiKey or a credential that is not one', () => {
    expect(() => new LoupeClient({ baseUrl: server.url, apiKey: 'lp_user' })).toThrow(/mlpip_/)
    const { client } = makeClient(server)
    expect(() => client.useCredential(ANALYSIS_ID, SECRET)).toThrow(/mlcred_/)
  })
})
