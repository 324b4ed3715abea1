/** Who did something: a person, a pipeline calling back, or Loupe itself (timeouts, retention). */
export const ACTOR_TYPES = ['user', 'pipeline', 'system'] as const
export type ActorType = (typeof ACTOR_TYPES)[number]
