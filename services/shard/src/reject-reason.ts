/** Why the shard dropped a client packet or event (the `reason` label of packetsRejected). */
export type RejectReason = 'state' | 'data' | 'player' | 'movement' | 'error' | 'envelope';
export const REJECT_REASONS: readonly RejectReason[] = ['state', 'data', 'player', 'movement', 'error', 'envelope'];
