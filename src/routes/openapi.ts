import type { z } from 'zod'

/** Users authenticate with a bearer token or the viewer's cookie; pipelines sign with HMAC. */
export const userSecurity: Record<string, string[]>[] = [{ bearerAuth: [] }, { cookieAuth: [] }]
export const pipelineSecurity: Record<string, string[]>[] = [{ mlHmac: [] }, { mlHmac: [], pipelineKey: [] }]
/** Endpoints people and pipeline keys (the pipeline_worker role) may both call. */
export const principalSecurity: Record<string, string[]>[] = [...userSecurity, { pipelineKey: [] }]
/** Endpoints only pipeline keys call. */
export const pipelineKeySecurity: Record<string, string[]>[] = [{ pipelineKey: [] }]

export const jsonContent = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
})

export const jsonRequest = <T extends z.ZodType>(schema: T) => ({
  content: { 'application/json': { schema } },
  required: true,
})
