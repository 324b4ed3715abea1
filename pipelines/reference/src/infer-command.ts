/**
 * The subprocess adapter's example command: `infer-command.ts --input photo.png` prints
 * `progress: N` lines, then the models' output as one JSON line (see `wire.ts`). Swap in any
 * program, in any language, that keeps to those two kinds of line.
 */
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { HumanAdapter } from './adapters/human'
import { decodeImage } from './image'
import { toWire } from './wire'

// stdout carries the protocol; anything a library prints goes to stderr, which the adapter logs.
const emit = process.stdout.write.bind(process.stdout)
console.log = console.error
console.info = console.error

const { values } = parseArgs({ options: { input: { type: 'string' } } })
if (!values.input) {
  console.error('usage: infer-command.ts --input <image.png|image.jpg>')
  process.exit(2)
}

const bytes = new Uint8Array(await readFile(values.input))
const image = decodeImage(bytes)
emit('progress: 5\n')
const adapter = await HumanAdapter.create()
try {
  const output = await adapter.infer(
    { image, bytes, filename: values.input, contentType: image.format === 'png' ? 'image/png' : 'image/jpeg' },
    {
      progress: (fraction) => void emit(`progress: ${Math.round(20 + fraction * 80)}\n`),
      log: (level, message) => console.error(`${level}: ${message}`),
    },
  )
  emit(`${JSON.stringify(toWire(output))}\n`)
} finally {
  await adapter.close()
}
