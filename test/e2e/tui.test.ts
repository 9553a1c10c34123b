import {spawnSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, describe, expect, test} from 'vitest'

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

/** Starts `command` in a detached 100x30 tmux session; the shell stays after it ends, to show its exit. */
function start(command: string): string {
  const name = `egress-audit-tui-${process.pid}-${started++}`
  sessions.push(name)
  const r = tmux(name, '-f', '/dev/null', 'new-session', '-d', '-s', name, '-x', '100', '-y', '30', '-c', ROOT, `${command}; echo "EXITED $?"; sleep 60`)
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
