import { z } from 'zod'

/** `api` tokens are handed to scripts; `session` tokens live only in the viewer's cookie. */
export const TOKEN_KINDS = ['api', 'session'] as const

/** How a user proved who they are. */
export const SIGN_IN_METHODS = ['token', 'session', 'access'] as const

export const Me = z
  .object({ id: z.string(), email: z.string(), name: z.string().nullable(), via: z.enum(SIGN_IN_METHODS) })
  .meta({ id: 'Me' })
export type Me = z.infer<typeof Me>

export const SessionCreate = z.object({ token: z.string().min(1).max(200) }).meta({ id: 'SessionCreate' })
