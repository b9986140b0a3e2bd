// The command line's expected errors: each is printed as one line and exits with status 2.
import { MeshguardError } from '../errors.js';

/** The command line is wrong (unknown flag, missing value, bad choice…). */
export class UsageError extends MeshguardError {
  constructor(message: string) {
    super('MG_ERR_CLI_USAGE', message);
    this.name = 'UsageError';
  }
}

/** A file named on the command line cannot be read or written, or a service cannot be reached. */
export class InputError extends MeshguardError {
  constructor(message: string) {
    super('MG_ERR_CLI_IO', message);
    this.name = 'InputError';
  }
}

/** `no such file`, `permission denied`… for an fs error; the message otherwise. */
export function ioReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e.code) {
    case 'ENOENT': return 'no such file or directory';
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'EISDIR': return 'is a directory';
    case 'ENOTDIR': return 'a part of the path is not a directory';
    default: return e.message;
  }
}
