import { AppError } from '../errors'

/**
 * Which webhook URLs Loupe will call (server-side request forgery): http(s) only, and unless
 * loopback is allowed (local development) no loopback, link-local or private addresses by literal.
 * Hostnames are resolved by Cloudflare's edge, which does not route to private networks.
 */
const PRIVATE_V4 = [/^127\./, /^10\./, /^192\.168\./, /^172\.(1[6-9]|2\d|3[01])\./, /^169\.254\./, /^0\./, /^100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\./]

export function webhookUrlProblem(raw: string, allowLoopback: boolean): string | null {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return 'not an absolute URL'
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be http or https'
  if (url.username || url.password) return 'must not carry credentials'
  if (allowLoopback) return null
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase()
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local') || host.endsWith('.internal')) return 'a local hostname'
  if (PRIVATE_V4.some((re) => re.test(host))) return 'a loopback, link-local or private address'
  if (host.includes(':') && (host === '::1' || host === '::' || /^f[cd]/.test(host) || /^fe[89ab]/.test(host) || host.startsWith('::ffff:'))) {
    return 'a loopback, link-local or private address'
  }
  return null
}

/** 400 for a webhook URL Loupe will not call; checked when a pipeline is registered or changed. */
export function assertWebhookUrl(url: string | null | undefined, allowLoopback: boolean): void {
  if (!url) return
  const problem = webhookUrlProblem(url, allowLoopback)
  if (problem) throw new AppError(400, 'validation_error', `webhook_url: ${problem}`, { path: ['webhook_url'] })
}
