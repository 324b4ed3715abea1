import { startBenchServer, runtimeBaseUrl } from './dev-server'
const s = await startBenchServer(8820, { inspectorPort: 9320 })
try { const u = await runtimeBaseUrl(s); console.log(u)
  for (const base of [s.baseUrl, u, s.baseUrl, u]) { const t: number[] = []; for (let i = 0; i < 200; i++) { const a = performance.now(); await (await fetch(base + '/api/health')).text(); t.push(performance.now() - a) } t.sort((a, b) => a - b); console.log(base, t[100].toFixed(2), t[198].toFixed(2)) }
} finally { s.stop() }
