/**
 * The ground-truth SQL drizzle cannot express well: objects inserted from one JSON parameter
 * through `json_each` (D1 caps bound parameters at 100 and statements at 100 KB, so rows cannot be
 * bound one value each), COCO image ids resolved the same way, and pages walked by keyset.
 */

/** One object as it is bound, with short keys: thousands of them go into one parameter. */
export interface GroundTruthRow {
  i: string
  /** Project image id, or null while the file has not listed the COCO image yet. */
  g: string | null
  m: string
  o: string | null
  c: number
  x: number | null
  y: number | null
  w: number | null
  h: number | null
  a: number | null
  z: 0 | 1
  s: string | null
  k: string | null
  n: number | null
}

// D1 caps one bound value at about 2 MB; stay well under so every chunk is one statement.
export const MAX_CHUNK_JSON_BYTES = 512 * 1024

const INSERT = `
INSERT INTO ground_truth (id, import_id, image_id, coco_image_id, coco_id, category_id, bbox_x, bbox_y, bbox_w, bbox_h, area, iscrowd, segmentation, keypoints, num_keypoints)
SELECT j.value->>'$.i', ?1, j.value->>'$.g', j.value->>'$.m', j.value->>'$.o', j.value->>'$.c', j.value->>'$.x', j.value->>'$.y', j.value->>'$.w',
  j.value->>'$.h', j.value->>'$.a', j.value->>'$.z', j.value->>'$.s', j.value->>'$.k', j.value->>'$.n'
FROM json_each(?2) AS j`

/** One insert per JSON chunk (each already a JSON array text). */
export const insertGroundTruth = (d1: D1Database, importId: string, chunk: string) => d1.prepare(INSERT).bind(importId, chunk)

/** Gives rows written before their COCO image was listed their project image: `[{m, i}]` pairs. */
export const resolveImages = (d1: D1Database, importId: string, pairs: string) =>
  d1
    .prepare(
      `UPDATE ground_truth SET image_id = j.value->>'$.i' FROM json_each(?2) AS j
       WHERE ground_truth.import_id = ?1 AND ground_truth.image_id IS NULL AND ground_truth.coco_image_id = j.value->>'$.m'`,
    )
    .bind(importId, pairs)

/** What no project image matched, or no listed category names, is not kept. */
export const deleteUnplaced = (d1: D1Database, importId: string, categoryIds: number[]) =>
  d1
    .prepare('DELETE FROM ground_truth WHERE import_id = ?1 AND (image_id IS NULL OR category_id NOT IN (SELECT value FROM json_each(?2)))')
    .bind(importId, JSON.stringify(categoryIds))

/** The import's matched images, `[{i, m, w, h}]`; a second COCO image of the same file name is left out. */
export const insertImages = (d1: D1Database, importId: string, images: string) =>
  d1
    .prepare(
      `INSERT OR IGNORE INTO ground_truth_images (import_id, image_id, coco_image_id, width, height)
       SELECT ?1, j.value->>'$.i', j.value->>'$.m', j.value->>'$.w', j.value->>'$.h' FROM json_each(?2) AS j`,
    )
    .bind(importId, images)

export const countObjects = (d1: D1Database, importId: string) =>
  d1.prepare('SELECT count(*) AS n FROM ground_truth WHERE import_id = ?').bind(importId)

export const deleteImportObjects = (d1: D1Database, importId: string) => [
  d1.prepare('DELETE FROM ground_truth WHERE import_id = ?').bind(importId),
  d1.prepare('DELETE FROM ground_truth_images WHERE import_id = ?').bind(importId),
]

export const GROUND_TRUTH_COLUMNS =
  'id, import_id, image_id, coco_id, category_id, bbox_x, bbox_y, bbox_w, bbox_h, area, iscrowd, segmentation, keypoints, num_keypoints'

export interface StoredGroundTruth {
  id: string
  import_id: string
  image_id: string
  coco_id: string | null
  category_id: number
  bbox_x: number | null
  bbox_y: number | null
  bbox_w: number | null
  bbox_h: number | null
  area: number | null
  iscrowd: number
  segmentation: string | null
  keypoints: string | null
  num_keypoints: number | null
}

export const objectsOfImage = (d1: D1Database, importId: string, imageId: string) =>
  d1.prepare(`SELECT ${GROUND_TRUTH_COLUMNS} FROM ground_truth WHERE image_id = ? AND import_id = ? ORDER BY rowid`).bind(imageId, importId)
