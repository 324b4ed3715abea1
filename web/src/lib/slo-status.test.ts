import { describe, expect, it } from 'vitest'
import { budgetFill, describeSlo, formatBudget, formatMinutes, sloState } from './slo-status'

describe('SLO state', () => {
  it('is met, missed, or without data when nothing was eligible', () => {
    expect([true, false, null].map((met) => sloState({ met }))).toEqual(['met', 'missed', 'no-data'])
  })
})

describe('SLO wording', () => {
  it('describes the objective with its model, version, threshold and window', () => {
    expect(describeSlo({ objective: 0.99, model_name: 'yolo_v8', threshold_minutes: 10, window_days: 28 })).toBe(
      '99% of yolo_v8 analyses complete within 10 min, over 28 d',
    )
    expect(describeSlo({ objective: 0.995, model_name: 'yolo', model_version: '3', threshold_minutes: 90, window_days: 7 })).toBe(
      '99.5% of yolo@3 analyses complete within 1.5 h, over 7 d',
    )
    expect(describeSlo({ objective: 0.9, threshold_minutes: 2880, window_days: 1 })).toBe('90% of analyses complete within 2 d, over 1 d')
  })

  it('writes thresholds in the largest unit that reads well', () => {
    expect([0.5, 10, 60, 150, 1440].map(formatMinutes)).toEqual(['0.5 min', '10 min', '1 h', '2.5 h', '1 d'])
  })
})

describe('error budget', () => {
  it('says how much is left, or by how much it is overspent', () => {
    expect(formatBudget(0.625)).toBe('62.5% left')
    expect(formatBudget(0)).toBe('0% left')
    expect(formatBudget(-0.4)).toBe('overspent by 40%')
    expect(formatBudget(null)).toBe('—')
  })

  it('draws an overspent budget as empty and never past full', () => {
    expect([-2, 0, 0.3, 1, null].map(budgetFill)).toEqual([0, 0, 0.3, 1, 0])
  })
})
