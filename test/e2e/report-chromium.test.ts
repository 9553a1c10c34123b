import {spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {expect, test} from 'vitest'

// The HTML report opened in a real browser (Debian's chromium; .ci/run installs it where it can): a page
// built from a log line whose user-agent tries to break out of its cell and run script, and whose host
// carries markup too. Nothing from the log may run; the report's own table and chart must be there.
const BIN = join(import.meta.dirname, '../../bin/run.js')
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p))
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

const PAYLOAD = `"><img src=x onerror="document.title='PWNED'"><script>document.title='PWNED'</script>`
const LINE = `[pod/istio-egressgateway-1/istio-proxy] [2024-06-21T19:24:00.453Z] "GET /headers HTTP/2" 200 - via_upstream - "-" 0 1450 57 57 "10.244.0.7" "${PAYLOAD}" "51ed62d9-1da8-4250-9923-df406ca9fd57" "<b>evil</b>.example.com" "3.213.1.197:80" outbound|80||httpbin.org 10.244.0.6:41144 10.244.0.6:8080 10.244.0.7:55490 - -`

test.runIf(CHROMIUM)('hostile log content does not run in the HTML report; table and chart render', () => {
  const dir = mkdtempSync(join(tmpdir(), 'egress-audit-html-'))
  writeFileSync(join(dir, 'hostile.log'), `${LINE}\n`)
  const html = join(dir, 'report.html')
  const made = spawnSync(process.execPath, [BIN, 'report', join(dir, 'hostile.log'), '--format', 'html', '-o', html], {encoding: 'utf8'})
  expect(made.status).toBe(0)

  const browser = (...args: string[]) =>
    spawnSync(CHROMIUM!, [...FLAGS, `--user-data-dir=${join(dir, 'profile')}`, ...args, `file://${html}`], {encoding: 'utf8', timeout: 60_000})
  const dom = browser('--dump-dom').stdout
  expect(dom).toContain('<title>egress-audit report')
  expect(dom).not.toContain('PWNED</title>')
  expect(dom).not.toMatch(/<img[^>]*src="x"/)
  expect(dom).not.toContain('<b>evil</b>')
  expect(dom).toContain('<table')
  expect(dom).toContain('<svg')

  const png = join(dir, 'report.png')
  browser('--window-size=1280,900', `--screenshot=${png}`)
  const shot = readFileSync(png)
  expect(shot.subarray(1, 4).toString()).toBe('PNG')
  expect(shot.length).toBeGreaterThan(10_000)
})

test.skipIf(CHROMIUM)('HTML report in a browser: skipped, no chromium here (apt-get install chromium)', () => {
  console.warn('skipped: Debian chromium is not installed; .ci/run installs it where apt-get works')
})
