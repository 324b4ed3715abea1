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

// Only resolved against, never fetched: `.invalid` cannot name a real host.
const PROBE_ORIGIN = 'https://same-origin.invalid'

/**
 * Where the sign-in link sends the browser: a path on this site, normalised and percent-encoded.
 * Browsers drop tabs and newlines from URLs and read `\` as `/`, so `/\tevil` or `/\evil` would
 * become `//evil`, another host; control characters and backslashes are refused outright, and
 * the result is checked again after URL normalisation (`/.//evil` normalises to `//evil`).
 */
export const SameOriginPath = z
  .string()
  .max(2048)
  .transform((next, ctx) => {
    const refuse = () => {
      ctx.addIssue({ code: 'custom', message: 'must be a path on this site, such as /projects/{id}' })
      return z.NEVER
    }
    if (!next.startsWith('/') || /[\u0000-\u001f\u007f\\]/.test(next)) return refuse()
    const url = new URL(next, PROBE_ORIGIN)
    const path = url.pathname + url.search + url.hash
    return url.origin !== PROBE_ORIGIN || path.startsWith('//') ? refuse() : path
  })

export const SignInLinkQuery = z.object({
  token: z.string().min(1).max(200),
  next: SameOriginPath.optional().meta({ description: 'A path on this site to open after signing in; anything else is 400' }),
})
