/** User API tokens carry `lp_`; viewer sessions carry `lps_`. Only their SHA-256 is stored. */
export const API_TOKEN_PREFIX = 'lp_'
export const SESSION_TOKEN_PREFIX = 'lps_'

export function base64url(bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += String.fromCharCode(b)
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

export function generateToken(prefix: string): string {
  return prefix + base64url(crypto.getRandomValues(new Uint8Array(32)))
}

/** What the admin CLI and token listings show: enough to tell tokens apart, too little to use. */
export const tokenPrefix = (token: string) => token.slice(0, 10)
