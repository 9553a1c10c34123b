import {Text} from 'ink'

import type {Theme} from '../theme.js'
import type {Line} from '../view.js'

/** One line of toned segments, cut at the terminal's width (never wrapped: the frame's height is fixed). */
export function LineText({line, theme, selected = false}: {line: Line; theme: Theme; selected?: boolean}) {
  if (line.length === 0) return <Text> </Text>
  return (
    <Text wrap="truncate-end" inverse={selected}>
      {line.map((seg, i) => (
        <Text key={i} color={theme.color(seg.tone)} bold={theme.bold(seg.tone)}>
          {seg.text}
        </Text>
      ))}
    </Text>
  )
}
