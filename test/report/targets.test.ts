import {describe, expect, test} from 'vitest'

import {pairTargets, targetFlags} from '../../src/commands/report.js'

const pair = (argv: string[]) => pairTargets(targetFlags(argv))

describe('pairing --format with -o, in the order typed', () => {
  test.each([
    {name: 'one format to stdout', argv: ['a.log', '--format', 'json'], want: [{format: 'json', output: null}]},
    {name: 'pairs in order', argv: ['--format', 'csv', '-o', 'a.csv', '--format', 'html', '-o', 'a.html'], want: [{format: 'csv', output: 'a.csv'}, {format: 'html', output: 'a.html'}]},
    {
      name: 'mixed: -o alone between pairs takes its extension',
      argv: ['--format', 'html', '-o', 'r.html', '-o', 'r.sarif', '--format=json', '--output=r.out', 'x.log'],
      want: [{format: 'html', output: 'r.html'}, {format: 'sarif', output: 'r.sarif'}, {format: 'json', output: 'r.out'}],
    },
    {name: 'the format from the extension', argv: ['-o', 'r.sarif', '-o', 'r.MD', '-o', 'r.xml'], want: [{format: 'sarif', output: 'r.sarif'}, {format: 'markdown', output: 'r.MD'}, {format: 'junit', output: 'r.xml'}]},
    {name: 'one to stdout, others to files', argv: ['--format', 'csv', '--format', 'json', '-o', 'a.json'], want: [{format: 'csv', output: null}, {format: 'json', output: 'a.json'}]},
    {name: "'-' is stdout", argv: ['--format', 'json', '-o', '-'], want: [{format: 'json', output: '-'}]},
    {name: 'after --, nothing is a flag', argv: ['--format', 'json', '--', '-o', 'x.csv'], want: [{format: 'json', output: null}]},
  ])('$name', ({argv, want}) => expect(pair(argv)).toEqual(want))

  test.each([
    {name: 'nothing asked', argv: ['a.log'], says: 'say which report'},
    {name: 'two to stdout', argv: ['--format', 'csv', '--format', 'json'], says: 'only one report can go to stdout'},
    {name: 'an extension that names no format', argv: ['-o', 'a.txt'], says: 'extension names none'},
    {name: 'the same file twice', argv: ['--format', 'csv', '-o', 'a', '--format', 'json', '-o', 'a'], says: 'named twice'},
  ])('usage error: $name', ({argv, says}) => expect(() => pair(argv)).toThrow(says))
})
