/** COCO's person skeleton (the 19 limbs of `person_keypoints`), by keypoint name. */
export const COCO_SKELETON: readonly (readonly [string, string])[] = [
  ['left_ankle', 'left_knee'],
  ['left_knee', 'left_hip'],
  ['right_ankle', 'right_knee'],
  ['right_knee', 'right_hip'],
  ['left_hip', 'right_hip'],
  ['left_shoulder', 'left_hip'],
  ['right_shoulder', 'right_hip'],
  ['left_shoulder', 'right_shoulder'],
  ['left_shoulder', 'left_elbow'],
  ['right_shoulder', 'right_elbow'],
  ['left_elbow', 'left_wrist'],
  ['right_elbow', 'right_wrist'],
  ['left_eye', 'right_eye'],
  ['nose', 'left_eye'],
  ['nose', 'right_eye'],
  ['left_eye', 'left_ear'],
  ['right_eye', 'right_ear'],
  ['left_ear', 'left_shoulder'],
  ['right_ear', 'right_shoulder'],
]

/**
 * The limbs whose two ends were both found, as index pairs into `names`: the pose model drops
 * keypoints it is unsure of, so indices must follow what is left.
 */
export function skeletonFor(names: readonly string[]): [number, number][] {
  const index = new Map(names.map((name, i) => [name, i]))
  return COCO_SKELETON.flatMap(([a, b]) => {
    const i = index.get(a)
    const j = index.get(b)
    return i === undefined || j === undefined ? [] : [[i, j] as [number, number]]
  })
}
