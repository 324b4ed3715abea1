import { parseArgs } from 'node:util'
import { createAdapter } from './adapters/create'
import { adapterSettings, clientFor, launch } from './launch'
import { projectImages } from './loupe-api'
import { pull } from './pull'
import { serve } from './serve'

const USAGE = `Analyze images stored in Loupe with the reference pipeline.

  npm run analyze -- --image-id <id> [--image-id <id> …] [options]
  npm run analyze -- --project-id <id> [options]        every image of the project
  npm run analyze -- --pull [options]                   a pull worker: claims the analyses (and jobs)
                                                        its pipeline key is given, until SIGTERM
  npm run analyze -- --serve <port> [options]           a webhook receiver for push deliveries

Options (environment variable in brackets):
  --adapter human|http|subprocess|mock   [MODEL_ADAPTER_TYPE]  default human
  --model-url <url>                      [MODEL_API_URL]       model server, for http
  --command <shell command>              [MODEL_COMMAND]       for subprocess; default: src/infer-command.ts
  --model-name <name>                    [MODEL_NAME]          the analyses' model_name (not with --pull, --serve)
  --key <mlpip_…>                        [LOUPE_API_KEY]       a registered pipeline's key; --pull needs it
  --webhook-secret <whsec_…>             [LOUPE_WEBHOOK_SECRET] the pipeline's webhook secret; --serve needs it
  --host <address>                                             for --serve; default 127.0.0.1
  --work-delay-ms <ms>                                         for tests and demos: wait this long after the
                                                               start and each stage of a handed analysis
Also: LOUPE_URL, and either the key or LOUPE_TOKEN with ML_CALLBACK_HMAC_SECRET (to create analyses);
MODEL_API_TIMEOUT (ms, default 300000).`

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      'image-id': { type: 'string', multiple: true },
      'project-id': { type: 'string' },
      pull: { type: 'boolean' },
      serve: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      key: { type: 'string' },
      'webhook-secret': { type: 'string' },
      'work-delay-ms': { type: 'string', default: '0' },
      adapter: { type: 'string' },
      'model-url': { type: 'string' },
      command: { type: 'string' },
      'model-name': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    console.log(USAGE)
    return 0
  }
  const env = process.env
  const baseUrl = env.LOUPE_URL ?? env.API_BASE_URL
  const apiKey = values.key ?? env.LOUPE_API_KEY
  const webhookSecret = values['webhook-secret'] ?? env.LOUPE_WEBHOOK_SECRET
  const handed = values.pull || values.serve !== undefined
  const byKey = Boolean(apiKey)
  const missing = [
    !baseUrl && 'LOUPE_URL',
    values.pull && !byKey && '--key (or LOUPE_API_KEY)',
    values.serve !== undefined && !webhookSecret && '--webhook-secret (or LOUPE_WEBHOOK_SECRET)',
    !handed && !byKey && !env.LOUPE_TOKEN && 'LOUPE_TOKEN (or LOUPE_API_KEY)',
    !handed && !byKey && !env.ML_CALLBACK_HMAC_SECRET && 'ML_CALLBACK_HMAC_SECRET',
  ].filter(Boolean)
  const delayMs = Number(values['work-delay-ms'])
  const port = Number(values.serve)
  if (missing.length || (!handed && !values['image-id'] && !values['project-id']) || (values.pull && values.serve !== undefined)) {
    console.error(missing.length ? `missing ${missing.join(', ')}\n\n${USAGE}` : USAGE)
    return 2
  }
  if (!(delayMs >= 0)) throw new Error('--work-delay-ms must be a number of milliseconds')
  if (values.serve !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65536)) throw new Error('--serve takes a port number')
  const settings = adapterSettings({ adapter: values.adapter, modelUrl: values['model-url'], command: values.command })
  const client = byKey
    ? clientFor(baseUrl!, { apiKey })
    : clientFor(baseUrl!, { token: env.LOUPE_TOKEN, secret: handed ? undefined : env.ML_CALLBACK_HMAC_SECRET })
  if (handed) {
    const log = (line: string) => console.log(line)
    // The models load before the first claim or delivery, so nothing waits on them holding a lease.
    const adapter = await createAdapter(settings)
    try {
      if (values.pull) return await pull(client, adapter, { delayMs, log })
      return await serve(client, adapter, { port, host: values.host, secret: webhookSecret!, delayMs, log })
    } finally {
      await adapter.close()
    }
  }
  const imageIds = [...(values['image-id'] ?? [])]
  if (values['project-id']) imageIds.push(...(await projectImages(client, values['project-id'])).map((image) => image.id))
  return launch(client, imageIds, settings, { modelName: values['model-name'] })
}

try {
  process.exitCode = await main()
} catch (err) {
  console.error(`reference pipeline: ${(err as Error).message}`)
  process.exitCode = 1
}
