import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { NONCE_HEADER, SIGNATURE_HEADER, signatureHeaders, TIMESTAMP_HEADER } from '../signing'
import { requireSecret, resolveConnection } from './config'
import { UsageError, type CliIO } from './io'

export const usage = `loupe sign --body '<json>' [--secret S] [--timestamp T] [--no-nonce] [--json]
  Prints the X-ML-Signature, X-ML-Timestamp and X-ML-Nonce headers for a pipeline callback.
  The body is signed exactly as given (send the same bytes). --body-file F reads it from a file
  (- for stdin). The secret defaults to ML_CALLBACK_HMAC_SECRET; the timestamp to now.`

export async function sign(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      secret: { type: 'string' },
      body: { type: 'string' },
      'body-file': { type: 'string' },
      timestamp: { type: 'string' },
      'no-nonce': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  })
  const secret = requireSecret(resolveConnection({ secret: values.secret }, io.env))
  if ((values.body === undefined) === (values['body-file'] === undefined)) throw new UsageError('give exactly one of --body or --body-file')
  const file = values['body-file']
  // Bytes from a file stay bytes: a trailing newline is part of what gets signed, as with openssl.
  const body = file === undefined ? values.body! : new Uint8Array(readFileSync(file === '-' ? 0 : file))
  if (values.timestamp !== undefined && !/^\d{1,12}$/.test(values.timestamp)) throw new UsageError('--timestamp must be unix seconds')
  const headers = await signatureHeaders(secret, body, {
    ...(values.timestamp !== undefined && { timestamp: values.timestamp }),
    nonce: !values['no-nonce'],
  })
  delete headers['Content-Type']
  if (values.json) {
    io.stdout.write(JSON.stringify(headers) + '\n')
  } else {
    for (const name of [SIGNATURE_HEADER, TIMESTAMP_HEADER, NONCE_HEADER]) {
      if (headers[name] !== undefined) io.stdout.write(`${name}: ${headers[name]}\n`)
    }
  }
  return 0
}
