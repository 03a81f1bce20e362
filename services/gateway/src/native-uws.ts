import uWS from 'uWebSockets.js';

export class NativeUwsError extends Error {
  override name = 'NativeUwsError';
}

/**
 * The uWebSockets.js package silently falls back to a slow `ws`-based implementation when
 * its native binary does not load (or when UWS_USE_FALLBACK is set). shardgate refuses to
 * run on the fallback: it would pass tests and fail in production.
 */
export function assertNativeUws(): void {
  if (!String(uWS.App).includes('[native code]')) {
    throw new NativeUwsError(
      'uWebSockets.js did not load its native binary (JS fallback active' +
        (process.env.UWS_USE_FALLBACK ? ', UWS_USE_FALLBACK is set' : '') +
        `); Node ${process.version} ABI ${process.versions.modules} on ${process.platform}-${process.arch} needs a matching build`,
    );
  }
}
