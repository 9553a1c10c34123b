// A log writer in its own process, for the follow tests: it writes, rotates and truncates a file on
// command, so that the follower reads from a file another process writes, as it does in real life.
//
// Commands come on stdin, one JSON object a line; each is answered on stdout with `ok` once done (or
// `error: …`), so the test can wait for the step to have happened before it looks at the follower.
//
//   {"op": "open", "path": P}          open P for appending (creating it), as a logger does
//   {"op": "write", "text": T}         write T to the open file, in one write
//   {"op": "rename", "to": Q}          rename P to Q (logrotate's default); the open file is still written
//   {"op": "reopen"}                   close the file and open P again (creating it): the writer's reopen
//   {"op": "copytruncate", "to": Q}    copy P to Q, then truncate P (logrotate's copytruncate)
//   {"op": "lines", "from": N, "count": C, "seed": S}
//                                      write lines `line N é xx…` … in pieces of random size, split
//                                      anywhere (inside the é too), often letting the event loop turn
//                                      between pieces so that the follower reads lines half written

import {closeSync, copyFileSync, openSync, renameSync, truncateSync, writeSync} from 'node:fs'
import {createInterface} from 'node:readline'
import {setImmediate as turn} from 'node:timers/promises'

let path = null
let fd = null

/** mulberry32: a small seeded generator, so a failing run can be replayed. */
function random(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function reopen() {
  closeSync(fd)
  fd = openSync(path, 'a')
}

async function writeLines({from, count, seed}) {
  const next = random(seed)
  for (let n = from; n < from + count; n++) {
    // A multi-byte character in every line, so that a piece may end inside one.
    const line = Buffer.from(`line ${n} é ${'x'.repeat(n % 13)}\n`)
    for (let at = 0; at < line.length; ) {
      const size = 1 + Math.floor(next() * 24)
      writeSync(fd, line.subarray(at, at + size))
      at += size
      if (next() < 0.3) await turn()
    }
  }
}

async function run(command) {
  switch (command.op) {
    case 'open':
      path = command.path
      fd = openSync(path, 'a')
      return
    case 'write':
      writeSync(fd, command.text)
      return
    case 'rename':
      renameSync(path, command.to)
      return
    case 'reopen':
      reopen()
      return
    case 'copytruncate':
      copyFileSync(path, command.to)
      truncateSync(path, 0)
      return
    case 'lines':
      await writeLines(command)
      return
    default:
      throw new Error(`unknown op ${command.op}`)
  }
}

for await (const line of createInterface({input: process.stdin})) {
  try {
    await run(JSON.parse(line))
    process.stdout.write('ok\n')
  } catch (error) {
    process.stdout.write(`error: ${error.message}\n`)
  }
}
if (fd !== null) closeSync(fd)
