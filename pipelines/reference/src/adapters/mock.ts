import type { ModelOutput } from '../detections'
import type { InferenceContext, InferenceInput, ModelAdapter } from './adapter'

/** Where a standing person's joints fall, as fractions of the figure's box: a fixed stick figure. */
const FIGURE: [name: string, x: number, y: number][] = [
  ['nose', 0.5, 0.1],
  ['left_eye', 0.54, 0.08],
  ['right_eye', 0.46, 0.08],
  ['left_ear', 0.58, 0.1],
  ['right_ear', 0.42, 0.1],
  ['left_shoulder', 0.7, 0.25],
  ['right_shoulder', 0.3, 0.25],
  ['left_elbow', 0.8, 0.42],
  ['right_elbow', 0.2, 0.42],
  ['left_wrist', 0.85, 0.58],
  ['right_wrist', 0.15, 0.58],
  ['left_hip', 0.62, 0.6],
  ['right_hip', 0.38, 0.6],
  ['left_knee', 0.64, 0.8],
  ['right_knee', 0.36, 0.8],
  ['left_ankle', 0.65, 0.98],
  ['right_ankle', 0.35, 0.98],
]

/**
 * The mock adapter: the same output for the same image size, with no model files, so the
 * pipeline's stages, uploads and annotations can be tested anywhere. Its numbers are invented;
 * the analysis records `adapter: mock` so nobody mistakes them for a model's.
 */
export class MockAdapter implements ModelAdapter {
  readonly kind = 'mock' as const
  readonly provenance = { models: 'none: fixed output from the mock adapter' }

  async infer(input: InferenceInput, { progress }: InferenceContext): Promise<ModelOutput> {
    const { width, height } = input.image
    const person: [number, number, number, number] = [width * 0.3, height * 0.1, width * 0.4, height * 0.85]
    const [px, py, pw, ph] = person
    for (const step of [0, 0.5, 1]) await progress(step, `mock step ${step * 2 + 1} of 3`)
    return {
      width,
      height,
      objects: [
        { label: 'person', score: 0.9, box: person },
        { label: 'chair', score: 0.4, box: [width * 0.05, height * 0.5, width * 0.2, height * 0.45] },
      ],
      faces: [{ score: 0.8, box: [px + pw * 0.35, py, pw * 0.3, ph * 0.18] }],
      bodies: [{ score: 0.85, box: person, keypoints: FIGURE.map(([name, fx, fy]) => ({ name, x: px + fx * pw, y: py + fy * ph, score: 0.9 })) }],
      segmentation: ellipse(width, height, person),
      models: { all: 'mock' },
    }
  }

  async close(): Promise<void> {}
}

/** A soft ellipse over the person: probability 1 at its centre, falling to 0 past its edge. */
function ellipse(width: number, height: number, [x, y, w, h]: [number, number, number, number]) {
  const data = new Uint8Array(width * height)
  const cx = x + w / 2
  const cy = y + h / 2
  for (let j = 0; j < height; j++) {
    for (let i = 0; i < width; i++) {
      const r = Math.hypot((i + 0.5 - cx) / (w / 2), (j + 0.5 - cy) / (h / 2))
      data[j * width + i] = Math.round(255 * Math.min(1, Math.max(0, (1.2 - r) / 0.4)))
    }
  }
  return { width, height, data }
}
