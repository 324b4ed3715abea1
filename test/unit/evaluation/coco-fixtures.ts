import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { CocoAnnotation, CocoDataset } from '../../../src/domain/evaluation'

/** The published COCO fixtures in test/fixtures/coco (their README says where each comes from). */
export const FIXTURE_DIR = join(import.meta.dirname, '../../fixtures/coco')

export interface Expected {
  source: string
  stats: number[]
  tol?: number
  decimals?: number
  per_class_ap?: Record<string, number>
  per_class_ar100?: Record<string, number>
}

type TorchImage = { boxes: number[][]; labels: number[]; scores?: number[] }

export interface Fixture {
  title: string
  /** 'bbox' unless set. */
  iou_type?: 'bbox' | 'segm'
  /** Inputs taken from another fixture. */
  inputs_fixture?: string
  gt_file?: string
  dt_file?: string
  gt?: CocoDataset
  dt?: CocoAnnotation[]
  input_format?: 'torchmetrics_v06'
  preds?: TorchImage[][]
  target?: TorchImage[][]
  expected: Expected[]
}

export const readJson = <T>(name: string): T => JSON.parse(readFileSync(join(FIXTURE_DIR, name), 'utf8')) as T

/**
 * torchmetrics 0.6's MAP._get_coco_format: float32 xyxy boxes turned into xywh by float32
 * subtraction, area = w * h in double (Python floats from `.tolist()`), image ids 0..N-1 over all
 * batches, annotation ids from 1, categories the sorted labels of predictions and targets alike.
 * Boxes and labels are zipped, so a surplus score is dropped.
 */
function torchmetricsCoco(images: TorchImage[], withScores: boolean): CocoAnnotation[] {
  const f = Math.fround
  const out: CocoAnnotation[] = []
  images.forEach((img, imageId) => {
    const n = Math.min(img.boxes.length, img.labels.length)
    for (let k = 0; k < n; k++) {
      const [x1, y1, x2, y2] = img.boxes[k]!.map(f) as [number, number, number, number]
      const w = f(x2 - x1)
      const h = f(y2 - y1)
      out.push({
        id: out.length + 1,
        image_id: imageId,
        bbox: [x1, y1, w, h],
        category_id: img.labels[k]!,
        area: w * h,
        iscrowd: 0,
        ...(withScores ? { score: f(img.scores![k]!) } : {}),
      })
    }
  })
  return out
}

/** A fixture's ground truth and results, as pycocotools saw them. */
export function fixtureInputs(fx: Fixture): { gt: CocoDataset; results: CocoAnnotation[] } {
  if (fx.inputs_fixture) return fixtureInputs(loadFixture(fx.inputs_fixture))
  if (fx.input_format === 'torchmetrics_v06') {
    const preds = fx.preds!.flat()
    const target = fx.target!.flat()
    const labels = [...new Set([...preds, ...target].flatMap((i) => i.labels))].sort((a, b) => a - b)
    return {
      gt: {
        images: target.map((_, id) => ({ id })),
        annotations: torchmetricsCoco(target, false),
        categories: labels.map((id) => ({ id, name: String(id) })),
      },
      results: torchmetricsCoco(preds, true),
    }
  }
  return {
    gt: fx.gt ?? readJson<CocoDataset>(fx.gt_file!),
    results: fx.dt ?? readJson<CocoAnnotation[]>(fx.dt_file!),
  }
}

export const FIXTURES = [
  'cocoapi_fakebbox100',
  'review_odm_bbox_area',
  'detectron2_val_subset',
  'torchmetrics_v06_test_map',
  'torchmetrics_v011_test_map',
  'torchmetrics_docstring_example',
  'detectron2_val_subset_segm',
] as const

export const loadFixture = (name: string) => readJson<Fixture>(`${name}.fixture.json`)

/**
 * Python's '{:0.Nf}'.format(x): correctly rounded from the double's exact value, an exact tie going
 * to the even digit. (Number.prototype.toFixed sends a tie up, so 0.8125 would print 0.813, not
 * 0.812 as pycocotools prints it.)
 */
export function pythonFixed(x: number, decimals: number): string {
  const fixed = x.toFixed(decimals)
  if (!Number.isFinite(x) || x === 0) return fixed
  // x = mantissa · 2^exponent exactly; a tie means x · 10^d has a fractional part of exactly 1/2.
  const view = new DataView(new ArrayBuffer(8))
  view.setFloat64(0, Math.abs(x))
  const bits = view.getBigUint64(0)
  const biased = Number(bits >> 52n)
  const mantissa = (bits & ((1n << 52n) - 1n)) | (biased ? 1n << 52n : 0n)
  const exponent = (biased || 1) - 1075
  if (exponent >= 0) return fixed
  const scaled = mantissa * 10n ** BigInt(decimals)
  const denominator = 1n << BigInt(-exponent)
  if ((scaled % denominator) * 2n !== denominator) return fixed
  const floor = scaled / denominator
  const even = floor % 2n === 0n ? floor : floor + 1n
  const digits = even.toString().padStart(decimals + 1, '0')
  const body = decimals ? `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}` : digits
  return (x < 0 ? '-' : '') + body
}
