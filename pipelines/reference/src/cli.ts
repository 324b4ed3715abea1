import { parseArgs } from 'node:util'
import { adapterSettings, clientFor, launch } from './launch'
import { projectImages } from './loupe-api'

const USAGE = `Analyze images stored in Loupe with the reference pipeline.

  npm run analyze -- --image-id <id> [--image-id <id> …] [options]
  npm run analyze -- --project-id <id> [options]        every image of the project

Options (environment variable in brackets):
  --adapter human|http|subprocess|mock   [MODEL_ADAPTER_TYPE]  default human
  --model-url <url>                      [MODEL_API_URL]       model server, for http
  --command <shell command>              [MODEL_COMMAND]       for subprocess; default: src/infer-command.ts
  --model-name <name>                    [MODEL_NAME]          the analyses' model_name
Also: LOUPE_URL, and either LOUPE_API_KEY (a registered pipeline's mlpip_ key) or LOUPE_TOKEN with
ML_CALLBACK_HMAC_SECRET (required); MODEL_API_TIMEOUT (ms, default 300000).`

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      'image-id': { type: 'string', multiple: true },
      'project-id': { type: 'string' },
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
  const byKey = Boolean(env.LOUPE_API_KEY)
  const missing = [
    !baseUrl && 'LOUPE_URL',
    !byKey && !env.LOUPE_TOKEN && 'LOUPE_TOKEN (or LOUPE_API_KEY)',
    !byKey && !env.ML_CALLBACK_HMAC_SECRET && 'ML_CALLBACK_HMAC_SECRET',
  ].filter(Boolean)
  if (missing.length || (!values['image-id'] && !values['project-id'])) {
    console.error(missing.length ? `missing ${missing.join(', ')}\n\n${USAGE}` : USAGE)
    return 2
  }
  const settings = adapterSettings({ adapter: values.adapter, modelUrl: values['model-url'], command: values.command })
  const client = byKey
    ? clientFor(baseUrl!, { apiKey: env.LOUPE_API_KEY })
    : clientFor(baseUrl!, { token: env.LOUPE_TOKEN, secret: env.ML_CALLBACK_HMAC_SECRET })
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
