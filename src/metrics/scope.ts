import { createMiddleware } from 'hono/factory'
import type { AppEnv } from '../app-env'
import { identify, requireUser } from '../auth/middleware'
import { projectMembers, projects } from '../db/schema'
import { and, eq, isNull } from 'drizzle-orm'

/**
 * Who sees which numbers (docs/operations.md#metrics): a scraper holding one of the
 * LOUPE_METRICS_TOKEN values sees the whole deployment, a signed-in user the projects they can read.
 * `null` stands for every project.
 */
export type MetricsScope = string[] | null

const digest = async (s: string) => new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(s)))

async function isScraperToken(tokens: string[], presented: string): Promise<boolean> {
  const mine = await digest(presented)
  let match = false
  // Compared as digests of equal length, every token each time, so timing says nothing about which.
  for (const token of tokens) if (crypto.subtle.timingSafeEqual(mine, await digest(token))) match = true
  return match
}

/** Runs instead of the app's `identify` on the metrics routes: a scraper token is not a user token. */
export const metricsCaller = createMiddleware<AppEnv>(async (c, next) => {
  const bearer = /^Bearer\s+(\S+)$/i.exec(c.req.header('Authorization') ?? '')?.[1]
  const tokens = c.get('config').LOUPE_METRICS_TOKEN
  if (bearer && tokens.length && (await isScraperToken(tokens, bearer))) {
    c.set('metricsScope', null)
    return next()
  }
  // Otherwise the people-only rule of every other route: a pipeline key is refused with 403.
  return identify(c, async () => {
    await requireUser(c, async () => {
      const user = c.get('user')!
      const rows = await c
        .get('db')
        .select({ id: projectMembers.projectId })
        .from(projectMembers)
        .innerJoin(projects, eq(projects.id, projectMembers.projectId))
        .where(and(eq(projectMembers.userId, user.id), isNull(projects.deletedAt)))
      c.set('metricsScope', rows.map((r) => r.id))
      await next()
    })
  })
})
