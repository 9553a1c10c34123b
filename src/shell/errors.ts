import {Errors} from '@oclif/core'

import {EXIT} from './exit-codes.js'

/** The user can fix it: a bad flag or argument. Exit 2. */
export class UsageError extends Errors.CLIError {
  constructor(message: string) {
    super(message, {exit: EXIT.usage})
  }
}

/** An input could not be read at all (missing file, permission denied, not gzip after all). Exit 3. */
export class InputError extends Errors.CLIError {
  constructor(
    readonly source: string,
    readonly why: string,
  ) {
    super(`cannot read ${source}: ${why}`, {exit: EXIT.input})
  }
}

/** An output could not be written (a full disk, a file that cannot be created). Exit 74. */
export class OutputError extends Errors.CLIError {
  constructor(target: string, why: string) {
    super(`cannot write ${target}: ${why}`, {exit: EXIT.output})
  }
}
