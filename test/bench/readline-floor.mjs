// The floor of the benchmark: the least any Node line reader can do with FILE — read it through
// node:readline and count the lines. Prints the count.
import {createReadStream} from 'node:fs'
import {createInterface} from 'node:readline'

const file = process.argv[2]
if (!file) {
  process.stderr.write('usage: node test/bench/readline-floor.mjs FILE\n')
  process.exit(2)
}
let n = 0
for await (const _line of createInterface({input: createReadStream(file), crlfDelay: Infinity})) n++
process.stdout.write(`${n}\n`)
