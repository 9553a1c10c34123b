// Shell completion through @oclif/plugin-autocomplete: the setup the README tells users to add is sourced
// in a real bash, and bash's own completion machinery (COMP_WORDS → COMPREPLY) is asked for commands and
// flags. The cache goes to a temporary XDG_CACHE_HOME, never the user's.
import {spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {beforeAll, describe, expect, test} from 'vitest'

const BIN = join(import.meta.dirname, '../../bin/run.js')
const cache = mkdtempSync(join(tmpdir(), 'egress-audit-ac-'))
const env = {...process.env, XDG_CACHE_HOME: cache, NO_COLOR: '1'}
const hasBash = spawnSync('bash', ['-c', 'true']).status === 0

const run = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], {encoding: 'utf8', env})
let setup = ''

/** What bash completes for `words`, the last one being typed. */
function complete(words: string[]): string[] {
  const script = `${setup}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; COMP_LINE='${words.join(' ')}'; COMP_POINT=\${#COMP_LINE}\n_egress-audit_autocomplete\nprintf '%s\\n' "\${COMPREPLY[@]}"`
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', script], {encoding: 'utf8', env})
  expect(r.stderr).toBe('')
  return r.stdout.split('\n').filter(Boolean)
}

describe.skipIf(!hasBash)('shell completion (bash)', () => {
  beforeAll(() => {
    const r = run(['autocomplete', '--refresh-cache'])
    expect(r.status).toBe(0)
    expect(existsSync(join(cache, 'egress-audit', 'autocomplete', 'functions', 'bash', 'egress-audit.bash'))).toBe(true)
    // What the README has users append to ~/.bashrc.
    setup = run(['autocomplete', 'script', 'bash']).stdout
    expect(setup).toContain(cache)
  })

  test('the instructions name the script command', () => {
    const r = run(['autocomplete', 'bash'])
    expect(r.status).toBe(0)
    expect(r.stdout).toContain('egress-audit autocomplete script bash')
  })

  test('completes command names', () => {
    expect(complete(['egress-audit', 'pa'])).toEqual(['parse'])
    expect(complete(['egress-audit', 'an'])).toEqual(['analyze'])
    expect(complete(['egress-audit', 'r'])).toEqual(['report'])
  })

  test("completes a command's flags", () => {
    expect(complete(['egress-audit', 'parse', '--fo'])).toContain('--format')
    expect(complete(['egress-audit', 'report', '--red'])).toEqual(['--redact'])
    expect(complete(['egress-audit', 'analyze', '--fail'])).toEqual(['--fail-on'])
  })
})
