import { optionsFrom } from '../src/cli';

describe('loadgen - command line', () => {
  it('reads stages, spreads, lists and switches in both --flag=value and --flag value forms', () => {
    const o = optionsFrom(['--url=ws://a/ws,ws://b/ws', '--stages', '100:5,200:10', '--spread', 'lattice:144', '--mode', 'storm', '--quiet', '--scrape', 'shard1=http://x/metrics']);
    expect(o.urls).toEqual(['ws://a/ws', 'ws://b/ws']);
    expect(o.stages).toEqual([
      { bots: 100, seconds: 5 },
      { bots: 200, seconds: 10 },
    ]);
    expect(o.spread).toEqual({ kind: 'lattice', spacing: 144 });
    expect(o.mode).toBe('storm');
    expect(o.progress).toBe(false);
    expect(o.scrape).toEqual([{ name: 'shard1', url: 'http://x/metrics' }]);
  });

  it.each([[['--bost', '5']], [['--bots', 'many']], [['--mode', 'fast']], [['--spread', 'ring']], [['--stages', '5']], [['stray']]])('refuses %j', (argv) => {
    expect(() => optionsFrom(argv)).toThrow();
  });
});
