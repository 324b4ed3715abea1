import type { z } from 'zod'

/** Users authenticate with a bearer token or the viewer's cookie; pipelines sign with HMAC. */
export const userSecurity: Record<string, string[]>[] = [{ bearerAuth: [] }, { cookieAuth: [] }]
export const pipelineSecurity: Record<string, string[]>[] = [{ mlHmac: [] }]

export const jsonContent = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
})

export const jsonRequest = <T extends z.ZodType>(schema: T) => ({
  content: { 'application/json': { schema } },
  required: true,
})
