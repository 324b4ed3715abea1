import { AppError } from '../../errors'

/**
 * Keyset cursors: the sort and the last row's key, base64url JSON. The sort is part of the cursor,
 * so a cursor from one sort cannot silently page another.
 */
export type CursorKey = string | number | null

const badCursor = () => new AppError(400, 'validation_error', 'cursor is not one this endpoint handed out for this sort', { path: ['cursor'] })

export function encodeCursor(sort: string, key: CursorKey[]): string {
  const bytes = new TextEncoder().encode(JSON.stringify([sort, ...key]))
  return btoa(String.fromCharCode(...bytes)).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')
}

export function decodeCursor(cursor: string, sort: string, arity: number): CursorKey[] {
  let parsed: unknown
  try {
    const binary = atob(cursor.replaceAll('-', '+').replaceAll('_', '/'))
    parsed = JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (ch) => ch.charCodeAt(0))))
  } catch {
    throw badCursor()
  }
  if (!Array.isArray(parsed) || parsed.length !== arity + 1 || parsed[0] !== sort) throw badCursor()
  const key = parsed.slice(1)
  if (!key.every((v) => v === null || typeof v === 'string' || typeof v === 'number')) throw badCursor()
  return key as CursorKey[]
}
