/** Raised for bytes that are not a readable profile; the message says what was wrong. */
export class ProfileFormatError extends Error {
  override name = 'ProfileFormatError';
}
