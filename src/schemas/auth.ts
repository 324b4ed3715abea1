import { z } from 'zod'

export const Me = z
  .object({ id: z.string(), email: z.string(), name: z.string().nullable(), via: z.enum(['token', 'session', 'access']) })
  .meta({ id: 'Me' })
export type Me = z.infer<typeof Me>

export const SessionCreate = z.object({ token: z.string().min(1).max(200) }).meta({ id: 'SessionCreate' })
