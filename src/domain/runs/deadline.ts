import { AppError } from '../../errors'
import { CANCEL_AFTER_HEADER } from '../../schemas/runs'

/** Shortest and longest deadlines a run may be given; shorter than a few seconds cannot be met by any worker. */
const MIN_SECONDS = 5
const MAX_SECONDS = 7 * 86_400

const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 }
const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/

/** A `Cancel-After` value in seconds: `90`, `30s`, `5m`, `1h30m`, `1.5h`; null when it is not one. */
export function parseDuration(value: string): number | null {
  const v = value.trim()
  if (/^\d+$/.test(v)) return Number(v)
  if (!DURATION.test(v)) return null
  return [...v.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)].reduce((sum, [, n, unit]) => sum + Number(n) * UNIT_SECONDS[unit!]!, 0)
}

/**
 * The run's deadline from its body's `deadline` or the `Cancel-After` header (not both), as an ISO
 * timestamp; null when neither is given. 400 for a deadline that has passed, is too near to meet,
 * or is more than a week away.
 */
export function deadlineOf(body: string | undefined, header: string | undefined, now = Date.now()): string | null {
  if (body && header) throw new AppError(400, 'validation_error', `Give a deadline or ${CANCEL_AFTER_HEADER}, not both`, { path: ['deadline'] })
  if (!body && !header) return null
  let at: number
  if (header) {
    const seconds = parseDuration(header)
    if (seconds === null) throw new AppError(400, 'validation_error', `${CANCEL_AFTER_HEADER} must be a duration such as 30s, 5m or 1h30m`, { header: CANCEL_AFTER_HEADER })
    at = now + seconds * 1000
  } else at = Date.parse(body!)
  const seconds = (at - now) / 1000
  if (seconds < MIN_SECONDS || seconds > MAX_SECONDS) {
    throw new AppError(400, 'validation_error', `A deadline must be between ${MIN_SECONDS} s and ${MAX_SECONDS / 86_400} days away`, { path: ['deadline'] })
  }
  return new Date(at).toISOString()
}
