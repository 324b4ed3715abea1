import type { CurrentUser, PipelinePrincipal } from '../app-env'
import { unauthorized } from '../errors'

/** Who a request acts as: a person, or a registered pipeline with the pipeline_worker role. */
export type Principal = { kind: 'user'; user: CurrentUser } | { kind: 'pipeline'; pipeline: PipelinePrincipal }

export const asUser = (user: CurrentUser): Principal => ({ kind: 'user', user })

/** Domain functions take either; a bare user is a person. */
export const toPrincipal = (who: Principal | CurrentUser): Principal => ('kind' in who ? who : asUser(who))

export function currentPrincipal(c: { get(key: 'user'): CurrentUser | null; get(key: 'pipeline'): PipelinePrincipal | null }): Principal {
  const pipeline = c.get('pipeline')
  if (pipeline) return { kind: 'pipeline', pipeline }
  const user = c.get('user')
  if (user) return { kind: 'user', user }
  throw unauthorized()
}

/** The audit actor of a principal. */
export const actorOf = (p: Principal) =>
  p.kind === 'user' ? { actorType: 'user' as const, actorId: p.user.id } : { actorType: 'pipeline' as const, actorId: p.pipeline.id, pipelineId: p.pipeline.id }
