/** `20250115T103000Z`: sortable, and legal in a filename on every system. */
export function compactTimestamp(iso: string | null, now = new Date()): string {
  const at = iso ? new Date(iso) : now
  return (Number.isNaN(at.getTime()) ? now : at).toISOString().replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '')
}

/** Only `[A-Za-z0-9._-]` survives, so the name needs no quoting rules in Content-Disposition. */
export const filenameSafe = (s: string, fallback: string) => s.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100) || fallback

/**
 * `analysis_{model_name}_{timestamp}_{id8}.{ext}`, stamped with when the analysis completed (or
 * now). The short id keeps two runs of one model that finished in the same second apart in a
 * downloads folder.
 */
export const analysisFilename = (analysis: { id: string; model_name: string; completed_at: string | null }, ext: string) =>
  `analysis_${filenameSafe(analysis.model_name, 'model')}_${compactTimestamp(analysis.completed_at)}_${filenameSafe(analysis.id.slice(0, 8), 'id')}.${ext}`

export function download(body: ReadableStream<Uint8Array>, filename: string, contentType: string): Response {
  return new Response(body, {
    headers: {
      'Content-Type': contentType,
      'Content-Disposition': `attachment; filename="${filename}"`,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    },
  })
}
