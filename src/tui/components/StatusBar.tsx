import {Box} from 'ink'

import type {Theme} from '../theme.js'
import type {Line} from '../view.js'
import {LineText} from './LineText.js'

/** The status line (view, position, sort, grouping, filters, search) and the key hint or the search prompt. */
export function StatusBar({status, hint, width, theme}: {status: Line; hint: Line; width: number; theme: Theme}) {
  return (
    <Box flexDirection="column" width={width}>
      <LineText line={status} theme={theme} selected />
      <LineText line={hint} theme={theme} />
    </Box>
  )
}
