import { SignatureV4 } from '@smithy/signature-v4'
import { Sha256 } from '@smithy/core/checksum'

/**
 * A SigV4 query-signature check written against the AWS SDK's own signer instead of aws4fetch, so
 * a URL the Worker signs is shown to be valid for S3 as S3 reads it, not only for the Worker.
 * As S3 does, the path is decoded once and each segment URI-encoded by the SigV4 rules.
 */
export async function verifiesUnderSigV4(
  url: string,
  opts: { method: string; headers?: Record<string, string>; accessKeyId: string; secretAccessKey: string },
): Promise<boolean> {
  const u = new URL(url)
  const q = u.searchParams
  const [, , region, service] = (q.get('X-Amz-Credential') ?? '').split('/')
  const date = q.get('X-Amz-Date') ?? ''
  const signingDate = new Date(`${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${date.slice(9, 11)}:${date.slice(11, 13)}:${date.slice(13, 15)}Z`)
  const query: Record<string, string> = {}
  for (const [k, v] of q) if (!/^X-Amz-(Signature|Algorithm|Credential|SignedHeaders|Date|Expires)$/.test(k)) query[k] = v
  const signedHeaders = new Set((q.get('X-Amz-SignedHeaders') ?? '').split(';'))
  // S3 hashes presigned payloads as UNSIGNED-PAYLOAD; the header carries that into the signer unsigned.
  const headers: Record<string, string> = { host: u.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' }
  for (const [k, v] of Object.entries(opts.headers ?? {})) if (signedHeaders.has(k.toLowerCase())) headers[k.toLowerCase()] = v
  const path = u.pathname
    .split('/')
    .map((s) => encodeURIComponent(decodeURIComponent(s)).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/')
  const signer = new SignatureV4({
    credentials: { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey },
    region: region!,
    service: service!,
    sha256: Sha256,
    uriEscapePath: false,
    applyChecksum: false,
  })
  const presigned = await signer.presign(
    { method: opts.method, protocol: u.protocol, hostname: u.hostname, port: u.port ? Number(u.port) : undefined, path, query, headers },
    {
      signingDate,
      expiresIn: Number(q.get('X-Amz-Expires')),
      unsignableHeaders: new Set(['x-amz-content-sha256']),
      unhoistableHeaders: new Set(['x-amz-content-sha256']),
      signableHeaders: signedHeaders,
    },
  )
  return presigned.query?.['X-Amz-Signature'] === q.get('X-Amz-Signature') && presigned.query?.['X-Amz-SignedHeaders'] === q.get('X-Amz-SignedHeaders')
}
