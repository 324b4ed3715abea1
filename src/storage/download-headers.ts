/**
 * Headers for serving a stored object to a browser. An artifact is whatever a pipeline uploaded,
 * so it must never run as a page on the viewer's origin: only raster images display inline, the
 * rest download as attachments, the browser may not sniff another type, and the CSP forbids
 * scripts, plugins, frames and same-origin access even if one is opened. See docs/security.md.
 */

const RASTER_IMAGES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif', 'image/bmp'])

export const DOWNLOAD_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"

const mediaType = (contentType: string | undefined) => (contentType ?? '').split(';')[0]!.trim().toLowerCase()

export const displaysInline = (contentType: string | undefined) => RASTER_IMAGES.has(mediaType(contentType))

/** `attachment; filename=…` with an ASCII fallback and the UTF-8 name (RFC 6266). */
function attachment(key: string): string {
  const name = key.slice(key.lastIndexOf('/') + 1) || 'download'
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_')
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`
}

/** Inline for a raster image the viewer draws, otherwise an attachment named for the key's last segment. */
export const contentDisposition = (key: string, contentType: string | undefined) => (displaysInline(contentType) ? 'inline' : attachment(key))

export function setDownloadHeaders(headers: Headers, key: string): void {
  headers.set('Content-Disposition', contentDisposition(key, headers.get('Content-Type') ?? undefined))
  headers.set('X-Content-Type-Options', 'nosniff')
  headers.set('Content-Security-Policy', DOWNLOAD_CSP)
}
