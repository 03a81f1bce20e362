/** A map file that cannot be used; names the file and the field at fault. */
export class MapFileError extends Error {
  override name = 'MapFileError';
  constructor(
    readonly file: string,
    readonly field: string,
    problem: string,
    options?: { cause?: unknown },
  ) {
    super(`map file ${file}: ${field} ${problem}`, options);
  }
}

/** A Map packet that does not decode to Kaetram region data. */
export class MapPacketError extends Error {
  override name = 'MapPacketError';
}
