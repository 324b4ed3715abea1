/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/) on the client side: the `traceparent`
 * every request sends, so the Worker's log lines, the pipeline's and the webhooks in between can be
 * found by one trace id (docs/operations.md#traces).
 */

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/
const ZERO_TRACE = '0'.repeat(32)
const ZERO_SPAN = '0'.repeat(16)
// Every request the SDK makes is logged by Loupe, so each span is recorded: always "sampled".
const SAMPLED = '01'

const randomHex = (bytes: number, crypto: Crypto = globalThis.crypto) =>
  Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, '0')).join('')

/**
 * The trace id and parent span of a `traceparent`, or null when it is not a valid one: wrong shape,
 * uppercase hex, version ff, zero ids, or a version-00 header with anything after the flags.
 */
export function parseTraceparent(header: string | null | undefined): { traceId: string; parentSpanId: string } | null {
  const m = TRACEPARENT.exec(header?.trim() ?? '')
  if (!m) return null
  const [, version, traceId, parentSpanId, , rest] = m as unknown as [string, string, string, string, string, string | undefined]
  if (version === 'ff' || (version === '00' && rest !== undefined)) return null
  if (traceId === ZERO_TRACE || parentSpanId === ZERO_SPAN) return null
  return { traceId, parentSpanId }
}

/**
 * One trace the SDK's requests belong to: a run's, or the client's. Each request gets a span of its
 * own under the same trace id, so the server sees every request, and every retry, apart.
 */
export class Trace {
  private constructor(
    /** 32 lowercase hex digits. */
    readonly traceId: string,
    /** The span of whoever handed this trace over (a webhook's sender), when it was continued. */
    readonly parentSpanId: string | null,
    private readonly crypto: Crypto | undefined,
  ) {}

  /** A new trace. */
  static start(crypto?: Crypto): Trace {
    return new Trace(randomHex(16, crypto), null, crypto)
  }

  /** Continues `traceparent` (same trace id) when it is valid; starts a new trace when it is missing or malformed. */
  static continue(traceparent: string | null | undefined, crypto?: Crypto): Trace {
    const parent = parseTraceparent(traceparent)
    return parent ? new Trace(parent.traceId, parent.parentSpanId, crypto) : Trace.start(crypto)
  }

  /** The `traceparent` for one outgoing request: this trace, a fresh span. */
  traceparent(): string {
    return `00-${this.traceId}-${randomHex(8, this.crypto)}-${SAMPLED}`
  }
}
