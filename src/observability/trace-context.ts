/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/): the `traceparent` header a caller
 * sends, and the one Loupe sends on. See docs/operations.md#traces.
 */
export interface TraceContext {
  /** 32 lowercase hex digits, never all zeros. */
  traceId: string
  /** This hop's own span: 16 lowercase hex digits. */
  spanId: string
  /** The caller's span, when the trace came in from outside. */
  parentSpanId: string | null
  /** The two-digit trace-flags field; bit 0 is "sampled". */
  flags: string
  /** Vendor state riding along with the trace, passed on unchanged. */
  tracestate: string | null
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/
const ZERO_TRACE = '0'.repeat(32)
const ZERO_SPAN = '0'.repeat(16)
// The spec caps tracestate at 32 list members; 512 characters is what it says a vendor must keep.
const MAX_TRACESTATE = 512

const randomHex = (bytes: number) => [...crypto.getRandomValues(new Uint8Array(bytes))].map((b) => b.toString(16).padStart(2, '0')).join('')

export const newSpanId = () => randomHex(8)

/**
 * The parts of a `traceparent`, or null when it is not one: wrong shape, uppercase hex, the
 * forbidden version ff, zero ids, or a version-00 header with anything after the flags. Later
 * versions may append fields, which are ignored as the spec says.
 */
export function parseTraceparent(header: string | null | undefined): { traceId: string; parentSpanId: string; flags: string } | null {
  const m = TRACEPARENT.exec(header?.trim() ?? '')
  if (!m) return null
  const [, version, traceId, parentSpanId, flags, rest] = m as unknown as [string, string, string, string, string, string | undefined]
  if (version === 'ff' || (version === '00' && rest !== undefined)) return null
  if (traceId === ZERO_TRACE || parentSpanId === ZERO_SPAN) return null
  return { traceId, parentSpanId, flags }
}

/** Continues the caller's trace with a new span of our own, or starts a trace when none (or a broken one) came in. */
export function continueOrStart(traceparent: string | null | undefined, tracestate?: string | null): TraceContext {
  const parent = parseTraceparent(traceparent)
  if (!parent) return { traceId: randomHex(16), spanId: newSpanId(), parentSpanId: null, flags: '01', tracestate: null }
  const state = tracestate?.trim() ? tracestate.trim().slice(0, MAX_TRACESTATE) : null
  return { traceId: parent.traceId, spanId: newSpanId(), parentSpanId: parent.parentSpanId, flags: parent.flags, tracestate: state }
}

/** `traceparent` naming `span` (ours, by default) as the parent of whatever receives it. */
export const formatTraceparent = (t: TraceContext, span = t.spanId) => `00-${t.traceId}-${span}-${t.flags}`
