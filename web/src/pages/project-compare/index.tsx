import { useLocation } from 'preact-iso'
import { Breadcrumbs } from '../../components/breadcrumbs'
import { CompareImageList } from '../../components/compare-image-list'
import { CompareTallies } from '../../components/compare-tallies'
import { ModelRefPicker } from '../../components/model-ref-picker'
import { PairView } from '../../components/pair-view'
import { Empty, ErrorState, Loading } from '../../components/states'
import { api, withQuery } from '../../lib/api'
import { plural } from '../../lib/format'
import { reviewApi } from '../../lib/project-review-api'
import { useAsync } from '../../lib/use-async'
import { useModelChoices } from '../../lib/use-model-choices'
import layout from '../../styles/page.module.css'
import styles from './style.module.css'

const IMAGES_PER_PAGE = 50

/**
 * Two model versions over every image of the project: how many objects they agree on, which only
 * one found, which changed class, and the images where they differ most, each openable with the
 * pairs drawn. Versions, IoU, page and image are in the URL, so a comparison can be shared.
 */
export default function ProjectComparePage({ projectId }: { projectId: string }) {
  const { query, route } = useLocation()
  const project = useAsync((signal) => api.project(projectId, signal), [projectId])
  const choices = useModelChoices(projectId)
  const list = choices.data ?? []
  const a = query.a || list[0] || null
  const b = query.b || list.find((c) => c !== a) || null
  const iouValue = Number(query.iou)
  const iou = query.iou && Number.isFinite(iouValue) && iouValue >= 0 && iouValue <= 1 ? iouValue : 0.5
  const skip = Math.max(0, Math.floor(Number(query.skip) || 0))
  const ready = !!a && !!b && a !== b
  const comparison = useAsync(
    (signal) => (ready && a && b ? reviewApi.compare(projectId, { a, b, iou }, { skip, limit: IMAGES_PER_PAGE }, signal) : Promise.resolve(null)),
    [projectId, a, b, iou, skip, ready],
  )
  const data = comparison.data
  const selected = data?.images.find((i) => i.image_id === query.image) ?? null

  const set = (patch: Record<string, string | number | null>) =>
    route(withQuery(`/projects/${projectId}/compare`, { a, b, iou, skip: skip || null, image: query.image || null, ...patch }), true)

  return (
    <div class={`${layout.page} ${styles.page}`}>
      <Breadcrumbs trail={[{ label: 'Projects', href: '/' }, { label: project.data?.name ?? 'Project', href: `/projects/${projectId}` }, { label: 'Compare versions' }]} />
      <h1>Compare versions</h1>
      <div class={styles.controls}>
        <ModelRefPicker label="A (solid)" value={a} choices={list} onChange={(v) => set({ a: v, skip: null, image: null })} testid="compare-version-a" />
        <ModelRefPicker label="B (dashed)" value={b} choices={list} onChange={(v) => set({ b: v, skip: null, image: null })} testid="compare-version-b" />
        <label class={styles.iou}>
          <span>
            IoU ≥ <output>{iou.toFixed(2)}</output>
          </span>
          <input type="range" min={0.05} max={0.95} step={0.05} value={iou} onChange={(e) => set({ iou: Number(e.currentTarget.value) })} data-testid="compare-iou" />
        </label>
      </div>

      {choices.error && <ErrorState error={choices.error} retry={choices.reload} title="Could not load the model versions" />}
      {choices.data && list.length < 2 && <Empty title="Nothing to compare">Comparing needs two model versions with analyses in this project.</Empty>}
      {choices.data && list.length >= 2 && !ready && <Empty title="Choose two different versions" />}
      {comparison.error && <ErrorState error={comparison.error} retry={comparison.reload} title="Could not compare" />}
      {ready && comparison.loading && !data && <Loading label="Comparing…" />}
      {data && (
        <>
          <CompareTallies comparison={data} />
          <section class={styles.images} aria-label="Images by disagreement">
            <div class={styles.listColumn}>
              <h2>Images, most disagreement first</h2>
              <p class="muted">{plural(data.total_images, 'image')} that both versions analysed.</p>
              {data.images.length === 0 ? (
                <Empty title="No images in common" />
              ) : (
                <CompareImageList
                  images={data.images}
                  selectedId={selected?.image_id ?? null}
                  onSelect={(id) => set({ image: id })}
                  skip={data.skip}
                  total={data.total_images}
                  limit={IMAGES_PER_PAGE}
                  onPage={(s) => set({ skip: s || null, image: null })}
                />
              )}
            </div>
            <div class={styles.detail}>
              {selected && a && b ? (
                <PairView key={`${selected.image_id}:${a}:${b}`} projectId={projectId} a={a} b={b} iou={iou} image={selected} />
              ) : (
                data.images.length > 0 && <Empty title="Choose an image">Its objects are drawn with the pairing: matched, class changed, only in A, only in B.</Empty>
              )}
            </div>
          </section>
        </>
      )}
    </div>
  )
}
