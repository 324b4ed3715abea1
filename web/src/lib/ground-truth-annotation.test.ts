import { describe, expect, it } from 'vitest'
import { groundTruthAnnotation } from './ground-truth-annotation'
import { boxFromData } from './geometry'

const object = {
  id: '00000000-0000-4000-8000-0000000000a1',
  import_id: '00000000-0000-4000-8000-0000000000b1',
  image_id: '00000000-0000-4000-8000-0000000000c1',
  coco_id: '7',
  class_name: 'person',
  bbox: [140, 30, 240, 470] as [number, number, number, number],
  area: 112800,
  iscrowd: false,
  segmentation: null,
  keypoints: null,
  num_keypoints: null,
}

describe('ground truth as an overlay annotation', () => {
  it('turns COCO’s [x, y, width, height] into the corners the scene reads, keeping id and class', () => {
    const a = groundTruthAnnotation(object, '2025-01-01T00:00:00.000Z')!
    expect(a).toMatchObject({ id: object.id, class_name: 'person', annotation_type: 'bounding_box', confidence: null, key: '7' })
    expect(boxFromData(a.data)).toEqual([140, 30, 380, 500])
  })

  it('skips an object without a box', () => {
    expect(groundTruthAnnotation({ ...object, bbox: null }, '')).toBeNull()
  })
})
