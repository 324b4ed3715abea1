/**
 * The pipeline registry, grants and audit, as the viewer calls them. Same-origin with the session
 * cookie, errors as `ApiError` through the shared envelope reader.
 */
import type { z } from 'zod'
import type { AuditPage as AuditPageSchema, AuditSummary as AuditSummarySchema } from '../../../../src/schemas/audit-log'
import type {
  GrantList as GrantListSchema,
  Pipeline as PipelineSchema,
  PipelineCreate as PipelineCreateSchema,
  PipelineKeyCreated as PipelineKeyCreatedSchema,
  PipelineKeyList as PipelineKeyListSchema,
  PipelineList as PipelineListSchema,
  PipelineSecretCreated as PipelineSecretCreatedSchema,
  PipelineSecretList as PipelineSecretListSchema,
  SecretPurpose,
} from '../../../../src/schemas/pipelines'
import { json, withQuery } from '../../lib/api'

export type Pipeline = z.infer<typeof PipelineSchema>
export type PipelineList = z.infer<typeof PipelineListSchema>
export type PipelineCreate = z.input<typeof PipelineCreateSchema>
export type PipelineKeyList = z.infer<typeof PipelineKeyListSchema>
export type PipelineKeyCreated = z.infer<typeof PipelineKeyCreatedSchema>
export type PipelineSecretList = z.infer<typeof PipelineSecretListSchema>
export type PipelineSecretCreated = z.infer<typeof PipelineSecretCreatedSchema>
export type GrantList = z.infer<typeof GrantListSchema>
export type AuditPage = z.infer<typeof AuditPageSchema>
export type AuditSummary = z.infer<typeof AuditSummarySchema>
export type AuditFilters = { kind?: string; actor?: string; since?: string; until?: string; cursor?: number; limit?: number }

// A 401 here signs the viewer out like any other call does.
const call = <T,>(method: string, path: string, body?: unknown, signal?: AbortSignal) => json<T>(method, path, { body, signal })

const enc = encodeURIComponent
const p = (id: string) => `/api/pipelines/${enc(id)}`

export const pipelinesApi = {
  list: (signal?: AbortSignal) => call<PipelineList>('GET', '/api/pipelines', undefined, signal),
  get: (id: string, signal?: AbortSignal) => call<Pipeline>('GET', p(id), undefined, signal),
  create: (body: PipelineCreate) => call<Pipeline>('POST', '/api/pipelines', body),
  disable: (id: string) => call<Pipeline>('POST', `${p(id)}/disable`),
  enable: (id: string) => call<Pipeline>('POST', `${p(id)}/enable`),
  remove: (id: string) => call<void>('DELETE', p(id)),

  keys: (id: string, signal?: AbortSignal) => call<PipelineKeyList>('GET', `${p(id)}/keys`, undefined, signal),
  createKey: (id: string, body: { name?: string; expires_in_days?: number }) => call<PipelineKeyCreated>('POST', `${p(id)}/keys`, body),
  revokeKey: (id: string, keyId: string) => call<void>('DELETE', `${p(id)}/keys/${enc(keyId)}`),

  secrets: (id: string, signal?: AbortSignal) => call<PipelineSecretList>('GET', `${p(id)}/secrets`, undefined, signal),
  createSecret: (id: string, purpose: SecretPurpose) => call<PipelineSecretCreated>('POST', `${p(id)}/secrets`, { purpose }),
  revokeSecret: (id: string, secretId: string) => call<void>('DELETE', `${p(id)}/secrets/${enc(secretId)}`),

  grants: (projectId: string, signal?: AbortSignal) => call<GrantList>('GET', `/api/projects/${enc(projectId)}/pipelines`, undefined, signal),
  grant: (projectId: string, pipelineId: string) => call<unknown>('POST', `/api/projects/${enc(projectId)}/pipelines`, { pipeline_id: pipelineId }),
  revokeGrant: (projectId: string, pipelineId: string) => call<void>('DELETE', `/api/projects/${enc(projectId)}/pipelines/${enc(pipelineId)}`),

  audit: (projectId: string, filters: AuditFilters, signal?: AbortSignal) =>
    call<AuditPage>('GET', withQuery(`/api/projects/${enc(projectId)}/audit`, filters), undefined, signal),
  auditSummary: (projectId: string, signal?: AbortSignal) => call<AuditSummary>('GET', `/api/projects/${enc(projectId)}/audit/summary`, undefined, signal),
}
