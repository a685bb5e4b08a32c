/**
 * Exit codes and the CLI's own error types. RebalError (core) is bad input -> exit 1.
 *   0 ok; 1 bad input (a holdings row, a policy key, a value: the message names file, row, column);
 *   2 usage (unknown command or option, missing argument); 3 a file cannot be read or written;
 *   4 internal error (a bug: please report it with the input).
 */
export const EXIT = { OK: 0, BAD_INPUT: 1, USAGE: 2, FILE: 3, INTERNAL: 4 } as const;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export class FileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FileError";
  }
}
