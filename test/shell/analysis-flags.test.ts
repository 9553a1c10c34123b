import {describe, expect, test} from 'vitest'

import {DEFAULT_MAX_HELD} from '../../src/core/join/chains.js'
import {analyzerOptionsFrom, logFormatFrom} from '../../src/shell/analysis-flags.js'
import {parseTimeFlag, parseWindow} from '../../src/shell/time-flags.js'
import {UsageError} from '../../src/shell/errors.js'

describe('analyzerOptionsFrom', () => {
  test('holds unjoined lines for a dump, none for a live stream unless asked', () => {
    expect(analyzerOptionsFrom({window: '5s'}).maxHeld).toBe(DEFAULT_MAX_HELD)
    expect(analyzerOptionsFrom({window: '5s', follow: true}).maxHeld).toBe(0)
    expect(analyzerOptionsFrom({window: '5s', follow: true, 'max-held': 500}).maxHeld).toBe(500)
    expect(analyzerOptionsFrom({window: '5s', 'max-held': 0}).maxHeld).toBe(0)
  })

  test('windows and times', () => {
    expect(analyzerOptionsFrom({window: '500ms'}).windowMs).toBe(500)
    expect(analyzerOptionsFrom({window: 'all'}).windowMs).toBe(Infinity)
    expect(analyzerOptionsFrom({window: '2m', since: '2024-06-21T19:00:00Z'}).sinceMs).toBe(Date.UTC(2024, 5, 21, 19))
    expect(() => analyzerOptionsFrom({window: 'soon'})).toThrow(UsageError)
    expect(() => analyzerOptionsFrom({window: '5s', until: 'yesterday'})).toThrow(/--until/)
  })

  test('time flags: RFC 3339 or a duration ago', () => {
    const now = new Date('2024-06-21T20:00:00Z')
    expect(parseTimeFlag('since', '2h', now)).toBe(Date.UTC(2024, 5, 21, 18))
    expect(parseTimeFlag('since', '90s', now)).toBe(now.getTime() - 90_000)
    expect(parseWindow('1.5s')).toBe(1500)
  })
})

describe('logFormatFrom', () => {
  test('a preset, a format string, nothing, or a usage error', () => {
    expect(logFormatFrom('format', undefined)).toBeUndefined()
    expect(logFormatFrom('format', 'istio')).toBeDefined()
    expect(logFormatFrom('format', '[%START_TIME%] %REQ(:AUTHORITY)%')).toBeDefined()
    expect(() => logFormatFrom('format', 'no-such-preset-or-operator')).toThrow(UsageError)
  })
})
