import { parseArgs } from 'node:util'
import { simulatePipeline } from './simulation'

/**
 * `npm run simulate -- --image-id X [--model-name M --model-version V]`
 * Reads API_BASE_URL, ML_CALLBACK_HMAC_SECRET and LOUPE_TOKEN (a user API token) from the environment.
 */
const { values } = parseArgs({
  options: {
    'image-id': { type: 'string' },
    'model-name': { type: 'string', default: 'yolo_v8' },
    'model-version': { type: 'string', default: '1.0.0' },
    'base-url': { type: 'string' },
    token: { type: 'string' },
    secret: { type: 'string' },
  },
})

const imageId = values['image-id']
const token = values.token ?? process.env.LOUPE_TOKEN
const secret = values.secret ?? process.env.ML_CALLBACK_HMAC_SECRET?.split(',')[0]
const baseUrl = values['base-url'] ?? process.env.API_BASE_URL ?? `http://127.0.0.1:${process.env.PORT ?? 8787}`
if (!imageId || !token || !secret) {
  console.error('usage: LOUPE_TOKEN=lp_… ML_CALLBACK_HMAC_SECRET=… npm run simulate -- --image-id <id> [--model-name M] [--model-version V]')
  process.exit(2)
}
try {
  await simulatePipeline({ baseUrl, secret, token, imageId, modelName: values['model-name']!, modelVersion: values['model-version']! })
} catch (err) {
  console.error(`simulate: ${(err as Error).message}`)
  process.exit(1)
}
