import {spawnSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, describe, expect, onTestFinished, test} from 'vitest'

// Runs the built CLI (npm run build first, as `npm test` does) inside a real terminal: tmux.
const ROOT = join(import.meta.dirname, '../..')
const TMUX = '/usr/bin/tmux'
const haveTmux = existsSync(TMUX)
if (!haveTmux) console.warn(`skipping the tui e2e tests: ${TMUX} is not installed (apt-get install tmux)`)

const CMD = 'node bin/run.js tui fixtures/demo/sidecar.log fixtures/demo/gateway.log --headers fixtures/demo/headers.json'
const sessions: string[] = []
let started = 0
// One tmux server per session (its own socket, -L): killing one never races the start of the next.
const tmux = (name: string, ...args: string[]) => spawnSync(TMUX, ['-L', name, ...args], {cwd: ROOT, encoding: 'utf8'})

afterEach(() => {
  for (const s of sessions.splice(0)) tmux(s, 'kill-server')
})

/** Starts `command` in a detached 100x30 tmux session (in `cwd`); the shell stays after it ends, to show its exit. */
function start(command: string, cwd = ROOT): string {
  const name = `egress-audit-tui-${process.pid}-${started++}`
  sessions.push(name)
  const r = tmux(name, '-f', '/dev/null', 'new-session', '-d', '-s', name, '-x', '100', '-y', '30', '-c', cwd, `${command}; echo "EXITED $?"; sleep 60`)
  expect(r.status, r.stderr).toBe(0)
  return name
}

const capture = (name: string, escapes = false) => tmux(name, 'capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', name).stdout

/** Polls the screen until `pred` holds (bounded), and returns it; fails with the last screen. */
async function screenUntil(name: string, pred: (screen: string) => boolean, timeoutMs = 15_000, escapes = false): Promise<string> {
  const until = Date.now() + timeoutMs
  let screen = ''
  while (Date.now() < until) {
    screen = capture(name, escapes)
    if (pred(screen)) return screen
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`screen never matched; last screen:\n${screen}`)
}

const keys = (name: string, ...k: string[]) => expect(tmux(name, 'send-keys', '-t', name, ...k).status).toBe(0)

test('stdout not a terminal: a usage error (exit 2) naming what to use instead', () => {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/run.js'), 'tui', 'fixtures/demo/gateway.log'], {cwd: ROOT, encoding: 'utf8', env: {...process.env, NO_COLOR: '1'}})
  expect(r.status).toBe(2)
  expect(r.stdout).toBe('')
  expect(r.stderr).toMatch(/^egress-audit: tui draws on a terminal and stdout is not one: use analyze/)
})

describe.skipIf(!haveTmux)('egress-audit tui in a terminal', () => {
  test('analyze -i opens the same inspector, even with CI set in the environment', async () => {
    const s = start(`CI=true ${CMD.replace(' tui ', ' analyze -i ')}`)
    await screenUntil(s, (x) => x.includes('LIST 1/19') && x.includes('19 chains'))
    keys(s, 'q')
    await screenUntil(s, (x) => x.includes('EXITED 0'))
  })

  test('list, j, Enter opens the detail, Esc back, q quits with exit 0', async () => {
    const s = start(CMD)
    const list = await screenUntil(s, (x) => x.includes('LIST 1/19'))
    expect(list).toContain('27 lines read, 27 parsed, 0 skipped · 19 chains')
    expect(list).toMatch(/TIME\s+SOURCE\s+DESTINATION\s+REQUEST\s+VERDICT/)
    expect(list).toMatch(/httpbin\.org:443\s+GET \/headers\s+gateway-mtls-originated/)
    keys(s, 'j')
    await screenUntil(s, (x) => x.includes('LIST 2/19'))
    keys(s, 'Enter')
    const detail = await screenUntil(s, (x) => x.includes('Chain detail'))
    expect(detail).toMatch(/app ─plaintext→ sidecar ─TLS originated\?→ my-nginx\.mesh-external\.svc\.cluster\.local:443/)
    expect(detail).toContain('[1] sidecar  fixtures/demo/sidecar.log:1')
    keys(s, 'Escape')
    await screenUntil(s, (x) => x.includes('LIST 2/19') && !x.includes('Chain detail'))
    keys(s, 'q')
    const after = await screenUntil(s, (x) => x.includes('EXITED'))
    expect(after).toContain('EXITED 0')
    expect(after).not.toContain('LIST 2/19') // the alternate screen is gone, the shell's screen is back
  })

  test('logs on a pipe: the keyboard is read from the terminal', async () => {
    const s = start('cat fixtures/demo/gateway.log | node bin/run.js tui')
    await screenUntil(s, (x) => x.includes('LIST 1/9') && x.includes('egress-audit tui stdin'))
    keys(s, 'G')
    await screenUntil(s, (x) => x.includes('LIST 9/9'))
    keys(s, 'q')
    expect(await screenUntil(s, (x) => x.includes('EXITED'))).toContain('EXITED 0')
  })

  test('colour by default, none with NO_COLOR', async () => {
    const colour = start(CMD)
    // eslint-disable-next-line no-control-regex
    await screenUntil(colour, (x) => x.includes('LIST 1/19') && /\x1b\[(3[1-6]|9[1-6])m/.test(x), 15_000, true)
    const plain = start(`NO_COLOR=1 ${CMD}`)
    const screen = await screenUntil(plain, (x) => x.includes('LIST 1/19'), 15_000, true)
    // eslint-disable-next-line no-control-regex
    expect(screen).not.toMatch(/\x1b\[(3[0-7]|9[0-7]|38;)/)
  })
})

/**
 * A slow log writer for a live pipe: writes the first `first` lines of a log, waits until the file `go`
 * exists, writes the rest, then keeps the pipe open until the file `end` exists. The test steers it by
 * creating those files, so it waits on what the screen shows, never on time.
 */
const WRITER = `
const fs = require('node:fs')
const [log, first, go, end] = process.argv.slice(2)
const lines = fs.readFileSync(log, 'utf8').split('\\n').filter(Boolean)
const when = (path, then) => { const t = setInterval(() => { if (fs.existsSync(path)) { clearInterval(t); then() } }, 20) }
process.stdout.write(lines.slice(0, Number(first)).join('\\n') + '\\n')
when(go, () => { process.stdout.write(lines.slice(Number(first)).join('\\n') + '\\n'); when(end, () => process.exit(0)) })
`

/** The writer script and its two trigger files, in a fresh directory; it ends with the test, whatever happens. */
function slowWriter(): {command: string; go: () => void; end: () => void} {
  const dir = mkdtempSync(join(tmpdir(), 'egress-audit-tui-pipe-'))
  writeFileSync(join(dir, 'writer.cjs'), WRITER)
  onTestFinished(() => writeFileSync(join(dir, 'end'), ''))
  return {
    command: `node ${join(dir, 'writer.cjs')} fixtures/demo/gateway.log 4 ${join(dir, 'go')} ${join(dir, 'end')}`,
    go: () => writeFileSync(join(dir, 'go'), ''),
    end: () => writeFileSync(join(dir, 'end'), ''),
  }
}

describe.skipIf(!haveTmux)('egress-audit tui on a live stream', () => {
  test('tui -f -: chains show while the pipe is open, more as lines come; q quits while it is still open', async () => {
    const w = slowWriter()
    const s = start(`${w.command} | node bin/run.js tui -f -`)
    // The gateway's lines are years old: each batch's chains are released as soon as the pipe goes quiet.
    const first = await screenUntil(s, (x) => x.includes('LIST 1/4 · 4 of 4 chains'))
    expect(first).toContain('egress-audit tui -  following stdin')
    keys(s, 'G') // the last of the first four: the selection stays on it while the rest arrive
    await screenUntil(s, (x) => x.includes('LIST 4/4'))
    w.go()
    const all = await screenUntil(s, (x) => x.includes('LIST 4/9 · 9 of 9 chains'))
    expect(all).toContain('following stdin') // the writer still holds the pipe open
    expect(all).toMatch(/gateway-mtls-plaintext/)
    keys(s, 'q')
    // The TUI is gone while the writer still holds the pipe (the shell waits for both to exit).
    await screenUntil(s, (x) => !x.includes('LIST'))
    w.end()
    expect(await screenUntil(s, (x) => x.includes('EXITED'))).toContain('EXITED 0')
  })

  test('tui - on a pipe: the TUI shows at once, reading…, and says complete when the pipe ends', async () => {
    const w = slowWriter()
    const s = start(`${w.command} | node bin/run.js tui -`)
    // Without -f, a gateway line without its sidecar line waits for it until the input ends.
    await screenUntil(s, (x) => x.includes('egress-audit tui -  reading…') && x.includes('LIST'))
    w.go()
    w.end()
    const done = await screenUntil(s, (x) => x.includes('LIST 1/9 · 9 of 9 chains') && x.includes('complete'))
    expect(done).toContain('9 lines read, 9 parsed, 0 skipped · 9 chains')
    // The writer, a node process on this terminal, reset the terminal's modes as it exited: keys still work.
    keys(s, 'j')
    await screenUntil(s, (x) => x.includes('LIST 2/9'))
    keys(s, 'q')
    expect(await screenUntil(s, (x) => x.includes('EXITED'))).toContain('EXITED 0')
  })
})

describe.skipIf(!haveTmux)('e exports the view', () => {
  test('json and sarif: files that parse, holding the chains in view, with the scope of the inputs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'egress-audit-tui-export-'))
    const fixture = (f: string) => join(ROOT, 'fixtures/demo', f)
    const s = start(`node ${join(ROOT, 'bin/run.js')} tui ${fixture('sidecar.log')} ${fixture('gateway.log')} --headers ${fixture('headers.json')}`, dir)
    await screenUntil(s, (x) => x.includes('LIST 1/19') && x.includes('complete'))
    keys(s, 'v') // the first verdict: gateway-mtls-originated
    await screenUntil(s, (x) => x.includes('2 of 19 chains'))
    keys(s, 'e')
    await screenUntil(s, (x) => x.includes('export as: [m]arkdown [j]son [c]sv [h]tml j[u]nit [s]arif'))
    keys(s, 'j')
    await screenUntil(s, (x) => x.includes('wrote egress-audit-report-') && x.includes('.json'))
    keys(s, 'e')
    await screenUntil(s, (x) => x.includes('export as:'))
    keys(s, 's')
    await screenUntil(s, (x) => x.includes('wrote egress-audit-report-') && x.includes('.sarif'))

    const files = readdirSync(dir)
    const json = JSON.parse(readFileSync(join(dir, files.find((f) => f.endsWith('.json'))!), 'utf8'))
    expect(json.chains).toHaveLength(2)
    expect(new Set(json.chains.map((c: {verdict: string}) => c.verdict))).toEqual(new Set(['gateway-mtls-originated']))
    const sha = createHash('sha256').update(readFileSync(fixture('gateway.log'))).digest('hex')
    expect(json.scope.inputs[1]).toMatchObject({name: fixture('gateway.log'), sha256: sha, sha256Of: 'file'})
    const sarif = JSON.parse(readFileSync(join(dir, files.find((f) => f.endsWith('.sarif'))!), 'utf8'))
    expect(sarif.version).toBe('2.1.0')
    keys(s, 'q')
    expect(await screenUntil(s, (x) => x.includes('EXITED'))).toContain('EXITED 0')
  })
})
