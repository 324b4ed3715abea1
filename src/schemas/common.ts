import { z } from 'zod'

export const ErrorEnvelope = z
  .object({
    error: z.object({
      code: z.string().meta({ example: 'validation_error' }),
      message: z.string().meta({ example: 'annotations.3.data.x_max: must be greater than x_min' }),
      details: z.unknown().nullable(),
      request_id: z.string().nullable().meta({ description: 'The X-Request-Id of the request; quote it when reporting a problem' }),
    }),
  })
  .meta({ id: 'Error', description: 'Every error response has this shape.' })

export const Timestamp = z.string().meta({ example: '2025-01-15T10:30:00.000Z', format: 'date-time' })

export const Uuid = z.uuid()

export const IdParam = z.object({ id: Uuid.meta({ param: { name: 'id', in: 'path' } }) })

/** Query parameters arrive as strings; coerce and bound them in one place. */
export const Pagination = z.object({
  skip: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
})

export const JsonObject = z.record(z.string(), z.unknown())

export const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((s) => [s, { description: errorDescriptions[s] ?? 'Error', content: { 'application/json': { schema: ErrorEnvelope } } }]),
  )

const errorDescriptions: Record<number, string> = {
  400: 'Bad request: the payload does not validate',
  401: 'Not authenticated, or the HMAC signature does not verify',
  403: 'Authenticated but not allowed',
  404: 'Not found, not visible to the caller, or the feature is disabled',
  409: 'Conflict with the current state',
  413: 'Payload too large',
  415: 'Unsupported content type',
  422: 'Understood, but too large to compute here',
}
