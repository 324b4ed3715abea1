import { describe, expect, it } from 'vitest'
import { finalStatus, formatLiveMessage } from '../src/cli/live-format'
import { formatStatus } from '../src/cli/status'
import type { Analysis, LiveMessage } from '../src'

const analysis = (over: Partial<Analysis> = {}): Analysis => ({
  id: 'a1',
  image_id: 'i1',
  project_id: 'p1',
  model_name: 'yolo_v8',
  model_version: '1.0.0',
  status: 'processing',
  error_message: null,
  parameters: null,
  provenance: null,
  requested_by_id: null,
  external_job_id: null,
  priority: 0,
  group_id: null,
  model_version_id: null,
  job_id: null,
  progress: 0.4,
  stage: 'inference',
  annotation_count: 3,
  version: 4,
  created_at: '2025-01-15T10:30:00.000Z',
  started_at: '2025-01-15T10:30:01.000Z',
  completed_at: null,
  updated_at: null,
  ...over,
})

const at = '2025-01-15T10:30:02.345Z'

describe('live event lines', () => {
  it('formats each kind of message', () => {
    const messages: LiveMessage[] = [
      { type: 'connected', analysis_id: 'a1', seq: 7 },
      {
        type: 'snapshot',
        seq: 7,
        reset: false,
        analysis: analysis(),
        stages: [
          { name: 'preprocess', started_at: at, ended_at: at, duration_ms: 120 },
          { name: 'inference', started_at: at, ended_at: null, duration_ms: null },
        ],
        logs: [{ ts: at, level: 'info', message: 'loaded', stage: 'preprocess' }],
      },
      { type: 'progress', seq: 8, at, progress: 0.525, stage: 'inference', stages: [], message: 'batch 2 of 4' },
      { type: 'log', seq: 9, at, lines: [{ ts: at, level: 'warning', message: 'slow', stage: null }] },
      { type: 'annotations', seq: 10, at, annotations: [], replace: false, annotation_count: 3 },
      { type: 'review', seq: 11, at, annotations: [] },
      { type: 'finalized', seq: 12, at, analysis: analysis({ status: 'failed', error_message: 'OOM' }), stages: [] },
    ]
    expect(messages.flatMap(formatLiveMessage)).toEqual([
      'connected to analysis a1 (seq 7)',
      'snapshot: processing 40.0% [inference], 3 annotations',
      'stages: preprocess 0.12s, inference (running)',
      '10:30:02.345 info    [preprocess] loaded',
      '10:30:02.345 progress  52.5% [inference] batch 2 of 4',
      '10:30:02.345 warning slow',
      '10:30:02.345 annotations +0 (3 in all)',
      '10:30:02.345 review    0 accepted, 0 rejected, 0 unreviewed',
      '10:30:02.345 finalized failed: OOM',
    ])
  })

  it('knows when the analysis is final', () => {
    expect(finalStatus({ type: 'finalized', seq: 1, at, analysis: analysis({ status: 'completed' }), stages: [] })).toBe('completed')
    expect(finalStatus({ type: 'snapshot', seq: 1, reset: false, analysis: analysis({ status: 'canceled' }), stages: [], logs: [] })).toBe('canceled')
    // `finalized` follows a final status event; wait for it.
    expect(finalStatus({ type: 'status', seq: 1, at, analysis: analysis({ status: 'canceled' }), stages: [] })).toBeUndefined()
    expect(finalStatus({ type: 'status', seq: 1, at, analysis: analysis(), stages: [] })).toBeUndefined()
  })
})

describe('status lines', () => {
  it('shows status, progress, stage and counts by type', () => {
    const text = formatStatus(
      { ...analysis({ status: 'completed', progress: 1, completed_at: '2025-01-15T10:30:03.500Z' }), annotations: [] },
      { bounding_box: 10, heatmap: 1 },
    )
    expect(text).toBe(
      [
        'analysis     a1',
        'model        yolo_v8 1.0.0',
        'status       completed',
        'progress     100.0%  (stage: inference)',
        'annotations  3: bounding_box 10, heatmap 1',
        'created      2025-01-15T10:30:00.000Z',
        'started      2025-01-15T10:30:01.000Z',
        'completed    2025-01-15T10:30:03.500Z  (took 2.5s)',
        '',
      ].join('\n'),
    )
  })
})
