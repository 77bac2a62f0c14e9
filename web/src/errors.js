/* The errors fauxtp's JavaScript API raises, and the core's error codes
 * (core/include/fauxtp/error.h) by number. */

/** The core's error codes, as the wasm exports return them. */
export const FX = Object.freeze({
  OK: 0,
  ENOMEM: -1,
  EINVAL: -2,
  EBADTERM: -3,
  ETRUNCATED: -4,
  ETOODEEP: -5,
  ETOOBIG: -6,
  EBADUTF8: -7,
  EBADTAG: -8,
  EBADVERSION: -9,
  ENOSPACE: -10,
  ENOPROC: -11,
  EBADNAME: -12,
  ENAMETAKEN: -13,
  EBADPATTERN: -14,
  ETIMEDOUT: -15,
  EEXIT: -16,
  ENOTFOUND: -17,
  ESTATE: -18,
  ELIMIT: -19,
  ECALLBACK: -20
});

const names = new Map(Object.entries(FX).map(([k, v]) => [v, `FX_${k}`]));

/** "FX_ENOPROC" for -11, as fx_err_name does. */
export function errName(code) {
  return names.get(code) ?? `FX_E${-code}`;
}

/** A receive or a call whose time ran out. */
export class ReceiveTimeout extends Error {
  constructor(message = 'timed out') {
    super(message);
    this.name = 'ReceiveTimeout';
  }
}

/**
 * A call whose server was dead or died before replying; `reason` is the
 * exit reason as a term ('noproc', 'killed', a crash reason, ...).
 */
export class ExitError extends Error {
  constructor(reason, message) {
    super(message ?? `process exited: ${describe(reason)}`);
    this.name = 'ExitError';
    this.reason = reason;
  }
}

/** An operation the core refused (bad argument, out of memory, ...). */
export class FauxtpError extends Error {
  constructor(code, what, detail) {
    super(`${what}: ${errName(code)}${detail ? ` (${detail})` : ''}`);
    this.name = 'FauxtpError';
    this.code = errName(code);
  }
}

/* A reason as text for messages: a string as it is, a term as JSON (bigints
 * as 12n), or String() when that fails. */
export function describe(reason) {
  if (typeof reason === 'string') return reason;
  try {
    return JSON.stringify(reason, (_, v) => (typeof v === 'bigint' ? `${v}n` : v)) ?? String(reason);
  } catch {
    return String(reason);
  }
}
