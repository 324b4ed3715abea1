/**
 * A re-scorer learned from people's reviews: logistic regression from a detection's score, its
 * share of the image and its class to the chance that a reviewer accepts it. Small enough to fit
 * on a CPU in milliseconds, and what it learns is true of the reviews: a class whose boxes were
 * rejected gets a lower score, one whose boxes were accepted a higher one.
 */

/** A reviewed detection: what the model said, and whether the reviewer kept it. */
export interface Sample {
  className: string
  confidence: number
  /** The box's area over the image's, 0..1. */
  areaFraction: number
  accepted: boolean
}

/** The fitted model, as uploaded to Loupe (`rescorer.json`) and applied by a batch. */
export interface Rescorer {
  kind: 'logistic-rescorer'
  classes: string[]
  /** One weight per feature: confidence, sqrt(area fraction), then one per class. */
  weights: number[]
  bias: number
  trainedOn: { samples: number; accepted: number; rejected: number }
}

export interface FitOptions {
  epochs: number
  learningRate: number
  /** L2 penalty on the weights (not the bias), so a class seen twice does not run off to infinity. */
  l2: number
  onEpoch?: (epoch: number, loss: number) => void | Promise<void>
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z))

function features(model: Pick<Rescorer, 'classes'>, s: Pick<Sample, 'className' | 'confidence' | 'areaFraction'>): number[] {
  const oneHot = model.classes.map((c) => (c === s.className ? 1 : 0))
  return [s.confidence, Math.sqrt(Math.max(0, Math.min(1, s.areaFraction))), ...oneHot]
}

/** Full-batch gradient descent on the mean log loss; reports the loss after each epoch. */
export async function fit(samples: Sample[], options: FitOptions): Promise<{ model: Rescorer; losses: number[] }> {
  if (!samples.length) throw new Error('no reviewed detections to learn from: accept or reject some boxes first')
  const classes = [...new Set(samples.map((s) => s.className))].sort()
  const model: Rescorer = {
    kind: 'logistic-rescorer',
    classes,
    weights: new Array(2 + classes.length).fill(0),
    bias: 0,
    trainedOn: { samples: samples.length, accepted: samples.filter((s) => s.accepted).length, rejected: samples.filter((s) => !s.accepted).length },
  }
  const xs = samples.map((s) => features(model, s))
  const ys = samples.map((s) => (s.accepted ? 1 : 0))
  const losses: number[] = []
  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    const grad = new Array(model.weights.length).fill(0)
    let gradBias = 0
    for (let i = 0; i < xs.length; i++) {
      const error = predict(model, xs[i]!) - ys[i]!
      for (let j = 0; j < grad.length; j++) grad[j] += error * xs[i]![j]!
      gradBias += error
    }
    for (let j = 0; j < grad.length; j++) model.weights[j]! -= options.learningRate * (grad[j] / xs.length + options.l2 * model.weights[j]!)
    model.bias -= (options.learningRate * gradBias) / xs.length
    const loss = logLoss(model, xs, ys, options.l2)
    losses.push(loss)
    await options.onEpoch?.(epoch, loss)
  }
  return { model, losses }
}

function predict(model: Rescorer, x: number[]): number {
  let z = model.bias
  for (let j = 0; j < x.length; j++) z += model.weights[j]! * x[j]!
  return sigmoid(z)
}

function logLoss(model: Rescorer, xs: number[][], ys: number[], l2: number): number {
  const eps = 1e-12
  let sum = 0
  for (let i = 0; i < xs.length; i++) {
    const p = predict(model, xs[i]!)
    sum -= ys[i]! * Math.log(p + eps) + (1 - ys[i]!) * Math.log(1 - p + eps)
  }
  return sum / xs.length + (l2 / 2) * model.weights.reduce((a, w) => a + w * w, 0)
}

/** The re-scored confidence: the chance a reviewer keeps this detection, rounded as the pipeline rounds scores. */
export function rescore(model: Rescorer, detection: Pick<Sample, 'className' | 'confidence' | 'areaFraction'>): number {
  return Math.round(predict(model, features(model, detection)) * 1e4) / 1e4
}

/** Checks an uploaded model before a batch applies it. */
export function parseRescorer(value: unknown): Rescorer {
  const m = value as Partial<Rescorer> | null
  if (!m || m.kind !== 'logistic-rescorer' || !Array.isArray(m.classes) || !Array.isArray(m.weights) || m.weights.length !== m.classes.length + 2 || typeof m.bias !== 'number') {
    throw new Error('not a logistic-rescorer model (rescorer.json)')
  }
  return m as Rescorer
}
