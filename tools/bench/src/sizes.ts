import type { SystemName } from './args';

/** How big each scenario runs. Full: the numbers where the machine allows; quick: a smoke check. */
export interface Sizes {
  /** The whole run is stopped after this many minutes, whatever happens. */
  deadlineMin: number;
  /** Seconds of each chat window. */
  window: number;
  /** Seconds between reaching a stage's bots and measuring. */
  settle: number;
  chatMap: number;
  /** One bot per lattice point (every 144 tiles: nobody sees anybody). */
  chatBots: number;
  /** Lines in flight per bot: enough to saturate a 50 ms tick pipeline. */
  chatWindow: number;
  chatSystems: SystemName[];
  ladder: Array<{ bots: number; seconds: number }>;
  ladderSystems: SystemName[];
  storm: { seconds: number; concurrency: number };
  idleOne: number;
  idleMany: { gateways: number; perGateway: number } | null;
  tickMap: number;
  tickStages: Array<{ bots: number; seconds: number }>;
}

/** The shards' tick in every scenario, and the base of the p99 target (TICK_MS + 10). */
export const TICK_MS = 50;

export const QUICK: Sizes = {
  // Quiet, the run takes 75-106 s here; on a machine shared with other work it took 180 s+.
  deadlineMin: 5,
  window: 2,
  settle: 0.5,
  chatMap: 960,
  chatBots: 49, // 7 x 7 lattice points on 960 tiles
  chatWindow: 64, // 3136 lines in flight
  chatSystems: ['ceiling', 'embedded', 'dist1', 'peer'],
  ladder: [{ bots: 150, seconds: 2 }],
  ladderSystems: ['dist1', 'peer'],
  storm: { seconds: 2, concurrency: 600 },
  idleOne: 2000,
  idleMany: null,
  tickMap: 960,
  tickStages: [{ bots: 300, seconds: 2 }],
};

export const FULL: Sizes = {
  deadlineMin: 45,
  window: 15,
  settle: 3,
  chatMap: 1920,
  chatBots: 169, // 13 x 13 lattice points on 1920 tiles
  chatWindow: 48, // 8112 lines in flight (fewer leaves the pipeline waiting on the 50 ms tick)
  chatSystems: ['ceiling', 'embedded', 'dist1', 'dist2', 'peer'],
  ladder: [250, 500, 750, 1000, 1500, 2000].map((bots) => ({ bots, seconds: 15 })),
  ladderSystems: ['embedded', 'dist1', 'dist2', 'peer'],
  storm: { seconds: 15, concurrency: 1500 },
  idleOne: 15000,
  idleMany: { gateways: 4, perGateway: 12500 },
  tickMap: 1920,
  tickStages: [1000, 2000, 5000].map((bots) => ({ bots, seconds: 20 })),
};
