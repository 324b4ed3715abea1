import { toHex } from '../../digest'
import { getArtifactObject } from '../../storage/sealed-artifacts'
import { exportedAnnotation } from './frame'
import { documentHead } from './json'
import { annotationPages, reviewSummary, type AnalysisSource, type ExportArtifact } from './reader'
import type { Chunk, ZipEntry } from './stream'

const encoder = new TextEncoder()

/** What the manifest says about one file in the bundle, filled in as the file streams past. */
interface Measured {
  bytes: number
  sha256: string | null
}

/**
 * Passes chunks through while a DigestStream hashes them, so size and SHA-256 describe exactly the
 * bytes that went into the zip, without a second read from R2.
 */
async function* measured(source: AsyncIterable<Chunk>, into: Measured): AsyncGenerator<Uint8Array> {
  const digest = new crypto.DigestStream('SHA-256')
  const writer = digest.getWriter()
  for await (const chunk of source) {
    const bytes = typeof chunk === 'string' ? encoder.encode(chunk) : chunk
    await writer.write(bytes)
    into.bytes += bytes.byteLength
    yield bytes
  }
  await writer.close()
  into.sha256 = toHex(await digest.digest)
}

async function* annotationsJsonl(src: AnalysisSource, counted: { count: number }): AsyncGenerator<Chunk> {
  for await (const page of annotationPages(src.d1, src.analysis.id)) {
    counted.count += page.length
    yield page.map((a) => `${JSON.stringify(exportedAnnotation(a, src.image))}\n`).join('')
  }
}

// Deflating a PNG or a zip again costs CPU and saves nothing.
const compressible = (contentType: string) => /^text\/|[/+]json\b|\/xml\b|^application\/(x-ndjson|csv|yaml)/.test(contentType)

type ArtifactRecord = ExportArtifact & { path: string | null; included: boolean; recorded_sha256?: string | null } & Measured

/**
 * The provenance bundle: `annotations.jsonl`, every artifact under `artifacts/`, and last
 * `manifest.json`, which can only be written once every file's size and hash are known.
 */
export async function* bundleEntries(src: AnalysisSource): AsyncGenerator<ZipEntry> {
  const annotations: Measured & { count: number } = { bytes: 0, sha256: null, count: 0 }
  yield { name: 'annotations.jsonl', compress: true, body: measured(annotationsJsonl(src, annotations), annotations) }

  const artifacts: ArtifactRecord[] = []
  for (const artifact of src.artifacts) {
    // What the analysis had when it ended: an artifact still pending then is not part of it.
    const object = artifact.status === 'uploaded' ? await getArtifactObject(src.bucket, artifact.storage_path) : null
    const record: ArtifactRecord = { ...artifact, path: null, included: false, bytes: 0, sha256: null }
    artifacts.push(record)
    if (!object) {
      Object.assign(record, { bytes: artifact.bytes, sha256: artifact.sha256 })
      continue
    }
    record.path = `artifacts/${artifact.filename}`
    record.included = true
    yield { name: record.path, compress: compressible(artifact.content_type), body: measured(object.body, record) }
    // Keep what the upload recorded when it disagrees with what is stored: that is the finding.
    if (artifact.sha256 && artifact.sha256 !== record.sha256) record.recorded_sha256 = artifact.sha256
  }

  const { analysis, image } = src
  const manifest = {
    ...documentHead(src, 'loupe.provenance-bundle', { id: image.id, filename: image.filename, content_type: image.content_type, width: image.width, height: image.height, bytes: image.bytes, sha256: image.sha256 }),
    annotations: { path: 'annotations.jsonl', count: annotations.count, bytes: annotations.bytes, sha256: annotations.sha256, review_summary: await reviewSummary(src.d1, analysis.id) },
    artifacts,
  }
  yield { name: 'manifest.json', compress: true, body: [JSON.stringify(manifest, null, 2)] }
}
