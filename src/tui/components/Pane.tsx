import {Box} from 'ink'

import type {Theme} from '../theme.js'
import type {Line} from '../view.js'
import {LineText} from './LineText.js'

/** A fixed-height block of lines (already windowed by the view-model); `selected` marks one of them. */
export function Pane({lines, height, width, theme, selected = -1}: {lines: readonly Line[]; height: number; width: number; theme: Theme; selected?: number}) {
  return (
    <Box flexDirection="column" height={height} width={width} overflow="hidden">
      {lines.slice(0, height).map((line, i) => (
        <LineText key={i} line={line} theme={theme} selected={i === selected} />
      ))}
    </Box>
  )
}
