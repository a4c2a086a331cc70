// Errors that cross the contract, kept free of the schema library so the renderer bundle stays small.

/** Errors carry a code the renderer can act on and a message a person can read. */
export type ErrorCode =
  | 'invalid_params'
  | 'unauthorized'
  | 'unknown_call'
  | 'not_found'
  | 'cancelled'
  | 'timeout'
  | 'unavailable'
  | 'internal'
  /** A query that cannot be run as written (parse errors, bad parameters): Prometheus's bad_data. */
  | 'bad_data'
  /** A query that failed while running (Prometheus's execution errors). */
  | 'execution';

export class ContractError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ContractError';
  }
}

export interface SerializedError {
  code: ErrorCode;
  message: string;
}

export function serializeError(err: unknown): SerializedError {
  if (err instanceof ContractError) return { code: err.code, message: err.message };
  if (err instanceof Error) return { code: 'internal', message: err.message };
  return { code: 'internal', message: String(err) };
}

