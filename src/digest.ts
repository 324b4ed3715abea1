/** Hex digests, for tokens, content hashes, HMAC signatures and stored objects. */
export const toHex = (bytes: ArrayBuffer | Uint8Array) =>
  [...(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes))].map((b) => b.toString(16).padStart(2, '0')).join('')

export async function sha256Hex(input: string | ArrayBuffer | Uint8Array): Promise<string> {
  const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input
  return toHex(await crypto.subtle.digest('SHA-256', bytes))
}

/** SHA-256 of a stream without buffering it: Workers' DigestStream hashes as the bytes pass. */
export async function sha256OfStream(stream: ReadableStream<Uint8Array>): Promise<string> {
  const digest = new crypto.DigestStream('SHA-256')
  await stream.pipeTo(digest)
  return toHex(await digest.digest)
}
