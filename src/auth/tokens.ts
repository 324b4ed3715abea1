/** User API tokens carry `lp_`; viewer sessions carry `lps_`. Only their SHA-256 is stored. */
export const API_TOKEN_PREFIX = 'lp_'
export const SESSION_TOKEN_PREFIX = 'lps_'

function base64url(bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += String.fromCharCode(b)
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

export function generateToken(prefix: string): string {
  return prefix + base64url(crypto.getRandomValues(new Uint8Array(32)))
}

export async function sha256Hex(input: string | ArrayBuffer | Uint8Array): Promise<string> {
  const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input
  const digest = await crypto.subtle.digest('SHA-256', bytes)
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('')
}

/** What the admin CLI and token listings show: enough to tell tokens apart, too little to use. */
export const tokenPrefix = (token: string) => token.slice(0, 10)
