import { describe, expect, it } from 'vitest'
import { retryAfterSeconds, retryDelaySeconds } from '../../src/dispatch/retry-schedule'
import { webhookUrlProblem } from '../../src/dispatch/webhook-url'

const SCHEDULE = [5, 300, 1800, 7200, 18000, 36000, 36000]

describe('retry schedule', () => {
  it('follows the Standard Webhooks schedule within ±20 % jitter, then gives up', () => {
    expect(retryDelaySeconds(1, SCHEDULE, undefined, () => 0)).toBe(4)
    expect(retryDelaySeconds(1, SCHEDULE, undefined, () => 1)).toBe(6)
    expect(retryDelaySeconds(2, SCHEDULE, undefined, () => 0.5)).toBe(300)
    expect(retryDelaySeconds(7, SCHEDULE, undefined, () => 0.5)).toBe(36000)
    expect(retryDelaySeconds(8, SCHEDULE)).toBeNull()
  })

  it('waits longer when the endpoint asks with Retry-After, never past a queue’s 12 hours', () => {
    expect(retryDelaySeconds(1, SCHEDULE, 120, () => 0.5)).toBe(120)
    expect(retryDelaySeconds(7, SCHEDULE, 100_000, () => 0.5)).toBe(43_200)
    expect(retryAfterSeconds('30')).toBe(30)
    expect(retryAfterSeconds(new Date(Date.now() + 60_000).toUTCString())).toBeGreaterThanOrEqual(59)
    expect(retryAfterSeconds('soon')).toBeUndefined()
  })
})

describe('webhook URLs', () => {
  it('refuses loopback, link-local and private addresses unless loopback is allowed', () => {
    for (const url of ['http://127.0.0.1:9000/hook', 'http://localhost/x', 'http://10.1.2.3/', 'http://192.168.0.10/', 'http://172.20.0.1/', 'http://169.254.169.254/latest', 'http://[::1]/', 'http://[fd00::1]/']) {
      expect(webhookUrlProblem(url, false), url).not.toBeNull()
    }
    expect(webhookUrlProblem('http://127.0.0.1:9000/hook', true)).toBeNull()
    expect(webhookUrlProblem('https://hooks.example.com/loupe', false)).toBeNull()
  })

  it('refuses other schemes and URLs with credentials', () => {
    expect(webhookUrlProblem('ftp://example.com/', true)).toMatch(/http/)
    expect(webhookUrlProblem('https://user:pw@example.com/', true)).toMatch(/credentials/)
    expect(webhookUrlProblem('not a url', true)).toMatch(/absolute/)
  })
})
