import type { Hook } from '@hono/zod-openapi'
import type { AppEnv } from '../app-env'
import type { z } from 'zod'
import { AppError } from '../errors'

export function validationError(error: z.ZodError, target?: string): AppError {
  const issues = error.issues.map((i) => ({ path: i.path.map(String), message: i.message, code: i.code }))
  const first = issues[0]
  const where = first?.path.length ? `${first.path.join('.')}: ` : ''
  return new AppError(400, 'validation_error', `${where}${first?.message ?? 'invalid input'}`, {
    target: target ?? null,
    issues: issues.slice(0, 50),
  })
}

/** zod-openapi calls this on every validation failure: one envelope, the field path up front. */
export const validationHook: Hook<unknown, AppEnv, string, unknown> = (result, _c) => {
  if (!result.success) throw validationError(result.error, result.target)
}
