import { readdirSync, readFileSync } from 'node:fs'
import { DatabaseSync } from 'node:sqlite'
import { randomUUID, createHash } from 'node:crypto'
import { signatureHeaders } from '../../src/cli/sign'
import { median, setupAnalysisTarget, startBenchServer } from '../dev-server'
import { emit, int, ms } from '../report'

/**
 * 5,000 annotations in one signed bulk request against `wrangler dev`, beside the same rows
 * inserted straight into SQLite (node:sqlite, one transaction) in the same run. The ratio is the
 * figure that means something on a noisy machine.
 */
const N = 5000
const RUNS = Number(process.env.RUNS ?? 7)

function annotations() {
  return Array.from({ length: N }, (_, i) => ({
    annotation_type: 'bounding_box',
    class_name: ['person', 'car', 'dog', 'cup'][i % 4]!,
    confidence: Math.round(Math.random() * 1000) / 1000,
    data: { x_min: i % 500, y_min: i % 300, x_max: (i % 500) + 20, y_max: (i % 300) + 30, image_width: 1024, image_height: 768 },
    ordering: i,
  }))
}

function sqliteBaseline(items: ReturnType<typeof annotations>): number {
  const db = new DatabaseSync(':memory:')
  for (const file of readdirSync('migrations').filter((f) => f.endsWith('.sql')).sort()) {
    db.exec(readFileSync(`migrations/${file}`, 'utf8').replaceAll('--> statement-breakpoint', ''))
  }
  db.exec("INSERT INTO users (id, email) VALUES ('u', 'u@x'); INSERT INTO projects (id, name, owner_id) VALUES ('p', 'p', 'u');")
  db.exec("INSERT INTO images (id, project_id, filename, content_type, storage_key) VALUES ('i', 'p', 'f', 'image/png', 'k');")
  db.exec("INSERT INTO analyses (id, image_id, project_id, model_name, model_version, status) VALUES ('a', 'i', 'p', 'm', '1', 'queued');")
  const insert = db.prepare(
    'INSERT INTO annotations (id, analysis_id, annotation_type, class_name, confidence, data, ordering, content_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
  )
  const start = performance.now()
  db.exec('BEGIN')
  for (const a of items) {
    const data = JSON.stringify(a.data)
    insert.run(randomUUID(), 'a', a.annotation_type, a.class_name, a.confidence, data, a.ordering, createHash('sha256').update(JSON.stringify(a)).digest('hex'))
  }
  db.exec('COMMIT')
  const ms = performance.now() - start
  db.close()
  return ms
}

const server = await startBenchServer(Number(process.env.PORT ?? 8821))
try {
  const target = await setupAnalysisTarget(server)
  const items = annotations()
  const body = JSON.stringify({ annotations: items, mode: 'append' })
  const loupe: number[] = []
  const sqlite: number[] = []
  for (let run = 0; run < RUNS + 1; run++) {
    const id = await target.newAnalysis()
    const start = performance.now()
    const res = await fetch(`${server.baseUrl}/api/analyses/${id}/annotations:bulk`, {
      method: 'POST',
      headers: signatureHeaders(server.secret, body),
      body,
    })
    const json = (await res.json()) as { created: number }
    const ms = performance.now() - start
    if (!res.ok || json.created !== N) throw new Error(`bulk failed: ${res.status} ${JSON.stringify(json).slice(0, 200)}`)
    const base = sqliteBaseline(items)
    // The first run warms up workerd and the JIT; it is not counted.
    if (run > 0) {
      loupe.push(ms)
      sqlite.push(base)
    }
  }
  const result = {
    annotations: N,
    runs: RUNS,
    request_bytes: body.length,
    loupe_median_ms: Math.round(median(loupe)),
    sqlite_median_ms: Math.round(median(sqlite) * 10) / 10,
    ratio: Math.round((median(loupe) / median(sqlite)) * 100) / 100,
    loupe_annotations_per_s: Math.round(N / (median(loupe) / 1000)),
  }
  console.log(JSON.stringify(result, null, 2))
  emit([
    {
      benchmark: 'ingest',
      measure: `signed bulk post of ${int(N)} boxes (${(body.length / 1024).toFixed(0)} KB), median of ${RUNS}`,
      value: `${ms(median(loupe))}, ${int(result.loupe_annotations_per_s)} rows/s`,
      baseline: `node:sqlite transaction ${ms(median(sqlite))}`,
      ratio: result.ratio,
      goal: '≤ 3×',
      met: result.ratio <= 3,
    },
  ])
} finally {
  server.stop()
}
