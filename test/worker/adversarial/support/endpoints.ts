import { exports } from 'cloudflare:workers'
import fc from 'fast-check'
import type { z } from 'zod'
import { createApp } from '../../../../src/app'
import { signCallback } from '../../../../src/pipeline/hmac'
import { BASE, SECRET } from '../../helpers'
import { contentTypes, mutations, type Mutation } from './hostile'
import { worldEmails, worldUuids, type World } from './world'
import { arbitraryFrom, type Vocabulary } from './zod-arbitrary'

/**
 * Every route that takes a JSON body, read from the app's own OpenAPI registry with the zod
 * schema it validates against, so a route added later is attacked without anyone listing it.
 */
export interface Endpoint {
  method: string
  /** OpenAPI form: `/api/analyses/{id}/status`. */
  path: string
  auth: 'signed' | 'user' | 'public'
  schema: z.ZodType
}

interface RouteDefinition {
  type: string
  route?: { method: string; path: string; security?: Record<string, string[]>[]; request?: { body?: { content?: Record<string, { schema: z.ZodType }> } } }
}

export function jsonEndpoints(): Endpoint[] {
  return (createApp().openAPIRegistry.definitions as RouteDefinition[]).flatMap((d) => {
    const schema = d.type === 'route' ? d.route?.request?.body?.content?.['application/json']?.schema : undefined
    if (!d.route || !schema) return []
    const schemes = (d.route.security ?? []).flatMap((s) => Object.keys(s))
    const auth = schemes.includes('mlHmac') ? 'signed' : schemes.length ? 'user' : 'public'
    return [{ method: d.route.method.toUpperCase(), path: d.route.path, auth, schema }]
  })
}

/**
 * Ids, emails and strings of the world are written into generated bodies as placeholders and
 * swapped for the real ones when the request is sent: arbitraries are built once, worlds change.
 */
const placeholderUuid = (i: number) => `5a1e0000-0000-4000-8000-${String(i).padStart(12, '0')}`
const placeholderEmail = (i: number) => `world${i}@placeholder.invalid`
const placeholderString = (i: number) => `@@world-string-${i}@@`

const worldStrings = (w: World) => [w.owner.token, `ml_outputs/${w.analysisId}/heatmap.png`, `ml_outputs/${crypto.randomUUID()}/heatmap.png`, w.analysisId]

export const PLACEHOLDERS: Vocabulary = {
  uuids: Array.from({ length: 8 }, (_, i) => placeholderUuid(i)),
  emails: Array.from({ length: 3 }, (_, i) => placeholderEmail(i)),
  strings: Array.from({ length: 4 }, (_, i) => placeholderString(i)),
}

function fillPlaceholders(json: string, w: World): string {
  const uuids = worldUuids(w)
  const emails = worldEmails(w)
  const strings = worldStrings(w)
  return json
    .replace(/5a1e0000-0000-4000-8000-0000000000(\d\d)/g, (_, i) => uuids[Number(i)]!)
    .replace(/world(\d)@placeholder\.invalid/g, (_, i) => emails[Number(i)]!)
    .replace(/@@world-string-(\d)@@/g, (_, i) => strings[Number(i)]!)
}

/** Who the request claims to come from. Most attempts are the legitimate caller. */
export type Caller = 'owner' | 'viewer' | 'stranger' | 'anonymous' | 'garbage-token' | 'signed' | 'wrong-secret' | 'stale' | 'unsigned' | 'spent-nonce'
/** Which resource the path names: the world's own, one that does not exist, or no id at all. */
export type Target = 'own' | 'missing' | 'malformed'

export interface Attempt {
  body: unknown
  mutation: Mutation
  contentType: string | null
  caller: Caller
  target: Target
}

const callers = (auth: Endpoint['auth']): fc.Arbitrary<Caller> =>
  auth === 'signed'
    ? fc.oneof({ weight: 16, arbitrary: fc.constant<Caller>('signed') }, fc.constantFrom<Caller>('wrong-secret', 'stale', 'unsigned', 'spent-nonce'))
    : auth === 'user'
      ? fc.oneof({ weight: 16, arbitrary: fc.constant<Caller>('owner') }, fc.constantFrom<Caller>('viewer', 'stranger', 'anonymous', 'garbage-token'))
      : fc.constant<Caller>('anonymous')

const targets: fc.Arbitrary<Target> = fc.oneof({ weight: 18, arbitrary: fc.constant<Target>('own') }, fc.constantFrom<Target>('missing', 'malformed'))

export interface AttemptOptions {
  /** Share of schema nodes swapped for hostile values. */
  hostility: number
  /** Whether the serialized body is also mangled (bytes, encodings) and sent with odd content types. */
  raw: boolean
}

export function attempts(endpoint: Endpoint, o: AttemptOptions): fc.Arbitrary<Attempt> {
  const asIs = fc.constant<Mutation>({ name: 'as is', apply: (j) => new TextEncoder().encode(j) })
  return fc.record({
    // Half the bodies keep every node plain, so requests also get past validation to the code behind it.
    body: fc.oneof(arbitraryFrom(endpoint.schema, { hostility: 0, vocabulary: PLACEHOLDERS }), arbitraryFrom(endpoint.schema, { hostility: o.hostility, vocabulary: PLACEHOLDERS })),
    mutation: o.raw ? mutations : asIs,
    contentType: o.raw ? contentTypes : fc.constant('application/json'),
    caller: callers(endpoint.auth),
    target: targets,
  })
}

function pathFor(endpoint: Endpoint, w: World, target: Target): string {
  return endpoint.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    if (target === 'missing') return crypto.randomUUID()
    if (target === 'malformed') return 'not-a-uuid'
    if (name === 'project_id') return w.projectId
    if (name === 'image_id') return w.imageId
    if (name === 'pipeline_id') return w.pipelineId
    if (name === 'id') return endpoint.path.startsWith('/api/annotations/') ? w.annotationId : w.analysisId
    throw new Error(`no world id for path parameter {${name}} of ${endpoint.path}`)
  })
}

const tokenOf = (w: World, caller: Caller) =>
  caller === 'owner' ? w.owner.token : caller === 'viewer' ? w.viewer.token : caller === 'stranger' ? w.stranger.token : caller === 'garbage-token' ? 'lp_not-a-real-token' : null

/** The bytes as they go on the wire, for the failure message: the first 300 characters. */
export const describeBody = (bytes: Uint8Array) => new TextDecoder().decode(bytes.slice(0, 300))

export async function send(endpoint: Endpoint, w: World, a: Attempt): Promise<{ res: Response; bytes: Uint8Array }> {
  const json = fillPlaceholders(JSON.stringify(a.body) ?? 'null', w)
  const bytes = a.mutation.apply(json)
  const headers = new Headers()
  if (a.contentType !== null) headers.set('Content-Type', a.contentType)
  const token = tokenOf(w, a.caller)
  if (token) headers.set('Authorization', `Bearer ${token}`)
  if (endpoint.auth === 'signed' && a.caller !== 'unsigned') {
    const ts = String(Math.floor(Date.now() / 1000) - (a.caller === 'stale' ? 3600 : 0))
    headers.set('X-ML-Timestamp', ts)
    headers.set('X-ML-Signature', await signCallback(a.caller === 'wrong-secret' ? 'not-the-secret' : SECRET, ts, bytes))
    headers.set('X-ML-Nonce', a.caller === 'spent-nonce' ? w.spentNonce : crypto.randomUUID())
  }
  const res = await exports.default.fetch(new Request(BASE + pathFor(endpoint, w, a.target), { method: endpoint.method, headers, body: bytes }))
  return { res, bytes }
}
