import { writeFileSync } from 'node:fs'
import { signatureHeaders } from '../src/cli/sign'
import { devBundleMap, profile, summarize } from './cpu-profile'
import { setupAnalysisTarget, startBenchServer } from './dev-server'
import { workerdPid } from './workerd-memory'
const s = await startBenchServer(8820, { inspectorPort: 9320, minify: false })
try {
  console.log('workerd', workerdPid(s.pid))
  const t = await setupAnalysisTarget(s)
  const items = Array.from({ length: 5000 }, (_, i) => ({ annotation_type: 'bounding_box', class_name: 'a', confidence: 0.5, data: { x_min: i, y_min: 1, x_max: i + 2, y_max: 3 }, ordering: i }))
  const body = JSON.stringify({ annotations: items, mode: 'append' })
  const post = async () => { const id = await t.newAnalysis(); const r = await fetch(`${s.baseUrl}/api/analyses/${id}/annotations:bulk`, { method: 'POST', headers: signatureHeaders(s.secret, body), body }); await r.text() }
  await post()
  const { profile: p } = await profile(s.inspectorUrl!, async () => { for (let i = 0; i < 5; i++) await post() })
  writeFileSync('/tmp/p.cpuprofile', JSON.stringify(p))
  const sm = summarize(p, devBundleMap(), 25)
  console.log(sm.busyMs, sm.idleMs); for (const k of ['self','total','lines'] as const) { console.log(k); for (const f of sm[k]) console.log(f.share.toFixed(1).padStart(5), f.ms.toFixed(0).padStart(6), f.fn, f.where) }
} finally { s.stop() }
