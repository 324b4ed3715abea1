import { DurableObject } from 'cloudflare:workers'
import { NonceStore } from './nonces'

/**
 * The nonces one secret has spent, whichever run they were spent on: a request signed with a
 * shared secret names no run, so a nonce must be single-use for the secret itself. A secret's
 * nonces are spread over a few objects by hash (`nonceStub`); one nonce always lands in the same one.
 */
export class NonceObject extends DurableObject<Env> {
  private readonly nonces = new NonceStore(this.ctx.storage.sql)

  use(nonce: string, ttlMs: number): boolean {
    return this.nonces.use(nonce, Date.now(), ttlMs)
  }
}

const SHARDS = 8

export async function nonceStub(env: Env, secretId: string, nonce: string) {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(nonce)))
  return env.NONCES.getByName(`${secretId}:${digest[0]! % SHARDS}`)
}
