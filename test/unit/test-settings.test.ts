import { readFileSync } from 'node:fs'
import { expect, it } from 'vitest'
import { TEST_SETTINGS } from '../../vitest.config'

it('pins every setting .dev.vars.example sets, so a dev server’s .dev.vars cannot change the worker tests', () => {
  const example = readFileSync('.dev.vars.example', 'utf8')
  const keys = [...example.matchAll(/^\s*([A-Z0-9_]+)\s*=/gm)].map((m) => m[1]!)
  expect(keys.length).toBeGreaterThan(0)
  expect(keys.filter((key) => !(key in TEST_SETTINGS))).toEqual([])
})
