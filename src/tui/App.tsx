import {Box, useApp, useInput, useStdout} from 'ink'
import {useEffect, useReducer} from 'react'

import type {ReportFormat} from '../report/index.js'
import {Pane} from './components/Pane.js'
import {StatusBar} from './components/StatusBar.js'
import {toScreen} from './screen.js'
import {type Action, type TuiState, initialState, isBehind, reduce} from './state.js'
import {type Theme, makeTheme} from './theme.js'
import {HEADER_LINES, type TuiData} from './view.js'

export interface AppProps {
  /** Re-rendered with new data while a live stream is read: rows are only ever added. */
  data: TuiData
  /** The terminal's size at start; resizes of ink's stdout are followed. */
  columns?: number
  rows?: number
  colour?: boolean
  theme?: Theme
  /** Writes a report of the chains in view (indexes into data.chains) in a format; resolves to the status line. */
  onExport?: (chainIndexes: number[], format: ReportFormat) => Promise<string>
}

/** The inspector: keys → reducer → toScreen → panes. No analysis here; the data is finished and scrubbed. */
export function App({data, columns = 80, rows = 24, colour = true, theme, onExport}: AppProps) {
  const {exit} = useApp()
  const {stdout} = useStdout()
  const [state, dispatch] = useReducer((s: TuiState, a: Action) => reduce(data, s, a), undefined, () => initialState(data, columns, rows))

  useEffect(() => {
    const onResize = () => dispatch({type: 'resize', columns: stdout.columns || columns, rows: stdout.rows || rows})
    stdout.on('resize', onResize)
    return () => {
      stdout.off('resize', onResize)
    }
  }, [stdout, columns, rows])

  useEffect(() => {
    if (state.quit) exit()
  }, [state.quit, exit])

  // New data (a live stream): its new rows are merged into the list before this frame is drawn (an update
  // during render is re-run at once by React), so no frame shows new counts over the old list.
  if (isBehind(state, data)) dispatch({type: 'grow'})

  // Once per request, with what was in view when it was made: new data or a new onExport (a live stream
  // re-renders with both) is no request.
  useEffect(() => {
    if (state.exportRequest === 0) return
    if (!onExport) {
      dispatch({type: 'message', text: 'export is not available here'})
      return
    }
    const inView = state.entries.flatMap((e) => (e.kind === 'chain' ? [data.rows[e.row]!.index] : []))
    onExport(inView, state.exportFormat).then(
      (text) => dispatch({type: 'message', text}),
      (error: Error) => dispatch({type: 'message', text: `export failed: ${error.message}`}),
    )
  }, [state.exportRequest]) // eslint-disable-line react-hooks/exhaustive-deps -- export what is in view when asked

  useInput((input, key) => dispatch({type: 'key', input, key}))

  const t = theme ?? makeTheme(colour)
  const screen = toScreen(data, state)
  return (
    <Box flexDirection="column" width={screen.width}>
      <Pane lines={screen.header} height={HEADER_LINES} width={screen.width} theme={t} />
      <Pane lines={[screen.title]} height={1} width={screen.width} theme={t} />
      <Pane lines={screen.body} height={screen.bodyHeight} width={screen.width} theme={t} selected={screen.selected} />
      <StatusBar status={screen.status} hint={screen.hint} width={screen.width} theme={t} />
    </Box>
  )
}
