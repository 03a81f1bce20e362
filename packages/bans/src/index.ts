// The public API of @shardgate/bans: every export is named here.
export { AddressError, canonicalIp, contains, formatCidr, parseAddress, parseCidr, type Address, type Cidr, type Family } from './address';
export { PrefixTable } from './prefix-table';
export { DurationError, MAX_DURATION_MS, parseDuration } from './duration';
export { BAN_KINDS, MIN_PREFIX, kindOf, parseBanTarget, type AuditEntry, type BanKind, type BanRecord } from './ban-record';
export { BanList, type BanEntry, type BanListener } from './ban-list';
export { BanStoreUnavailableError, BanStoreUnconfirmedError, type AuditPage, type BanFeed, type BanStore } from './store';
export { BANS_FILE, FileBanStore, decodeJournal, encodeLine, type FileBanStoreOptions } from './file-store';
export { JetStreamBanStore, type JetStreamBanStoreOptions } from './jetstream-store';
export { BanRequestError, Bans, type BanCheck, type BanRequest, type BansFailureMode, type BansOptions } from './bans';
