import { describe, expect, it } from 'vitest'
import { retryDueSoon, supersededAttempts } from './delivery-log'
import { formatRelative } from './format'
import type { Delivery } from './types'

const NOW = Date.parse('2026-12-02T15:00:00.000Z')

function attempt(webhookId: string, n: number, outcome: Delivery['outcome'], nextAttemptAt: string | null = null): Delivery {
  return {
    id: `${webhookId}-${n}`,
    webhook_id: webhookId,
    run_kind: 'analysis',
    run_id: '00000000-0000-4000-8000-000000000001',
    event: 'analysis.created',
    pipeline_id: null,
    endpoint_url: 'http://127.0.0.1:9/hook',
    attempt: n,
    outcome,
    response_status: outcome === 'delivered' ? 204 : 500,
    latency_ms: 3,
    response_excerpt: null,
    error: null,
    next_attempt_at: nextAttemptAt,
    attempted_at: new Date(NOW - (10 - n) * 1000).toISOString(),
  }
}

const at = (offsetMs: number) => new Date(NOW + offsetMs).toISOString()

describe('the delivery log', () => {
  it('marks every attempt of a message but its newest as superseded, message by message', () => {
    const rows = [attempt('msg_b', 1, 'failed', at(5000)), attempt('msg_a', 2, 'delivered'), attempt('msg_a', 1, 'failed', at(-1000))]
    expect([...supersededAttempts(rows)]).toEqual(['msg_a-1'])
  })

  it('watches for a failed message’s retry when it is due soon, not once a later attempt was made or when it is hours away', () => {
    expect(retryDueSoon([attempt('msg_a', 1, 'failed', at(8000))], NOW, 60_000)).toBe(true)
    expect(retryDueSoon([attempt('msg_a', 1, 'failed', at(-8000))], NOW, 60_000)).toBe(true)
    expect(retryDueSoon([attempt('msg_a', 1, 'failed', at(5 * 3600_000))], NOW, 60_000)).toBe(false)
    expect(retryDueSoon([attempt('msg_a', 2, 'delivered'), attempt('msg_a', 1, 'failed', at(8000))], NOW, 60_000)).toBe(false)
    expect(retryDueSoon([attempt('msg_a', 3, 'dead')], NOW, 60_000)).toBe(false)
  })
})

describe('formatRelative', () => {
  it.each([
    [at(-2000), 'just now'],
    [at(2000), 'in a moment'],
    [at(-12_000), '12 s ago'],
    [at(8000), 'in 8 s'],
    [at(-5 * 60_000 - 20_000), '5 min ago'],
    [at(3 * 3600_000), 'in 3 h'],
    [at(-2 * 86_400_000), '2 d ago'],
  ])('%s reads as “%s”', (iso, text) => {
    expect(formatRelative(iso, NOW)).toBe(text)
  })

  it('keeps what it cannot read', () => {
    expect(formatRelative(null, NOW)).toBe('—')
    expect(formatRelative('soon', NOW)).toBe('soon')
  })
})
