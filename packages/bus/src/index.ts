// The package's whole public API, named one by one (no `export *`).
export type { Bus, BusErrorListener, BusHandler, BusStatus, Subscription } from './bus';
export { collectFor } from './bus';
export {
  BusBufferFullError,
  BusClosedError,
  BusConnectionError,
  BusDisconnectedError,
  BusError,
  BusHandlerError,
  BusOptionsError,
  BusPayloadError,
  BusPayloadTooLargeError,
  BusPublishError,
  BusSubjectError,
  BusTimeoutError,
} from './errors';
export { InProcessBus } from './in-process-bus';
export type { InProcessBusOptions } from './in-process-bus';
export { NatsBus } from './nats-bus';
export type { NatsBusStats } from './nats-bus';
export { NATS_BUS_DEFAULTS } from './nats-options';
export { PeerLiveness } from './peer-liveness';
export type { Judgement } from './peer-liveness';
export type { NatsBusAttachOptions, NatsBusOptions } from './nats-options';
export { InProcessVersionedStore } from './versioned-store';
export type { Versioned, VersionedStore } from './versioned-store';
export { NatsVersionedStore } from './nats-versioned-store';
