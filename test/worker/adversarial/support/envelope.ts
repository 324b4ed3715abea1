import { expect } from 'vitest'
import { ErrorEnvelope } from '../../../../src/schemas/common'

/** Every 4xx is the one error envelope, as JSON, with a code that says what went wrong. */
export function expectErrorEnvelope(res: Response, text: string, context: string) {
  expect(res.headers.get('Content-Type'), context).toMatch(/^application\/json/)
  let body: unknown
  expect(() => (body = JSON.parse(text)), `${context}: the body is not JSON: ${text.slice(0, 200)}`).not.toThrow()
  const parsed = ErrorEnvelope.safeParse(body)
  expect(parsed.success, `${context}: not the error envelope: ${text.slice(0, 300)}`).toBe(true)
  const error = (body as { error: Record<string, unknown> }).error
  expect(Object.keys(error), context).toEqual(expect.arrayContaining(['code', 'message', 'details']))
  expect(error.code, context).toMatch(/^[a-z][a-z_]*$/)
  expect(error.message, context).not.toBe('')
}

/** The statuses whose code the envelope must name, whichever layer refused the request. */
export const CODE_OF_STATUS: Readonly<Record<number, string>> = { 413: 'payload_too_large', 415: 'unsupported_media_type' }
