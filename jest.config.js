'use strict';
// One jest run for the whole monorepo. Tests import workspace packages from their sources
// (no build needed); end-to-end tests that start a service the way a user does run the
// built `dist/` entry, which `npm test` builds first.
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/packages', '<rootDir>/services', '<rootDir>/tools', '<rootDir>/test'],
  testMatch: ['**/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  transform: {
    '^.+\\.(t|j)s$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  moduleNameMapper: {
    '^@shardgate/protocol/browser$': '<rootDir>/packages/protocol/src/browser',
    '^@shardgate/(protocol|guard|bans|bus|config|logger|metrics|admin|runner)$': '<rootDir>/packages/$1/src',
    '^@shardgate/(gateway|shard|embedded|webclient)$': '<rootDir>/services/$1/src',
    '^@shardgate/(harness|loadgen)$': '<rootDir>/tools/$1/src',
  },
  // Real sockets, real Redis and NATS: give slow CI machines room, never hang forever.
  testTimeout: 30000,
  maxWorkers: 2,
};
