/**
 * Why the shard dropped a client packet or event (the `reason` label of packetsRejected).
 * `excess`: a List or Who past what a client may ask for (AnswerBudget).
 */
export type RejectReason = 'state' | 'data' | 'player' | 'movement' | 'error' | 'envelope' | 'excess';
export const REJECT_REASONS: readonly RejectReason[] = ['state', 'data', 'player', 'movement', 'error', 'envelope', 'excess'];
