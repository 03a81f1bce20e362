import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BANS_FILE, FileBanStore, encodeLine, type BanFeed, type BanRecord } from '@shardgate/bans';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'bans-file-'));

function recorder(): BanFeed & { list: Map<string, BanRecord>; resets: number } {
  const list = new Map<string, BanRecord>();
  const feed = {
    list,
    resets: 0,
    reset(records: BanRecord[]) {
      feed.resets += 1;
      list.clear();
      for (const r of records) list.set(r.target, r);
    },
    put(record: BanRecord) {
      list.set(record.target, record);
    },
    remove(target: string) {
      list.delete(target);
    },
    status() {},
  };
  return feed;
}

const ban = (target: string, extra: Partial<BanRecord> = {}): BanRecord => ({ target, reason: 'r', by: 'alice', at: 1, expiresAt: null, ...extra });

describe('FileBanStore', () => {
  it('creates DATA_DIR on first use and reloads bans, unbans and the audit trail', async () => {
    const dir = path.join(tmp(), 'nested', 'data');
    const store = new FileBanStore({ dir });
    await store.open(recorder());
    await store.ban(ban('203.0.113.7'));
    await store.ban(ban('198.51.100.0/24', { by: 'bob', expiresAt: 99 }));
    expect(await store.unban('203.0.113.7', { by: 'carol', at: 2, reason: 'appeal' })).toBe(true);
    expect(await store.unban('203.0.113.7', { by: 'carol', at: 3, reason: '' })).toBe(false);
    await store.close();

    const again = new FileBanStore({ dir });
    const feed = recorder();
    await again.open(feed);
    expect([...feed.list.keys()]).toEqual(['198.51.100.0/24']);
    const { entries } = await again.audit({ limit: 10 });
    expect(entries.map((e) => [e.seq, e.action, e.target, e.by])).toEqual([
      [3, 'unban', '203.0.113.7', 'carol'],
      [2, 'ban', '198.51.100.0/24', 'bob'],
      [1, 'ban', '203.0.113.7', 'alice'],
    ]);
    const page = await again.audit({ limit: 2 });
    expect(page.next).toBe(2);
    expect((await again.audit({ limit: 2, before: page.next })).entries.map((e) => e.seq)).toEqual([1]);
    await again.close();
  });

  it('a torn last line (a crash mid-write) is cut off; every earlier ban loads, and new ones append cleanly', async () => {
    const dir = tmp();
    const file = path.join(dir, BANS_FILE);
    const whole = encodeLine({ action: 'ban', target: '203.0.113.1', by: 'a', at: 1, reason: '', expiresAt: null });
    const torn = encodeLine({ action: 'ban', target: '203.0.113.2', by: 'a', at: 1, reason: '', expiresAt: null }).slice(0, 30);
    fs.writeFileSync(file, whole + torn);
    const damage: unknown[] = [];
    const store = new FileBanStore({ dir, onDamage: (d) => damage.push(d) });
    const feed = recorder();
    await store.open(feed);
    expect([...feed.list.keys()]).toEqual(['203.0.113.1']);
    expect(damage).toEqual([{ line: 2, problem: 'torn last line', truncatedAt: Buffer.byteLength(whole) }]);
    await store.ban(ban('203.0.113.3'));
    await store.close();
    const feed2 = recorder();
    await new FileBanStore({ dir }).open(feed2);
    expect([...feed2.list.keys()].sort()).toEqual(['203.0.113.1', '203.0.113.3']);
  });

  it('a line whose checksum fails in the middle is skipped, the rest loads', async () => {
    const dir = tmp();
    const lines = ['203.0.113.1', '203.0.113.2', '203.0.113.3'].map((t) => encodeLine({ action: 'ban', target: t, by: 'a', at: 1, reason: '', expiresAt: null }));
    lines[1] = lines[1]!.replace('203.0.113.2', '203.0.113.9'); // bit rot
    fs.writeFileSync(path.join(dir, BANS_FILE), lines.join(''));
    const damage: Array<{ problem: string }> = [];
    const feed = recorder();
    await new FileBanStore({ dir, onDamage: (d) => damage.push(d) }).open(feed);
    expect([...feed.list.keys()].sort()).toEqual(['203.0.113.1', '203.0.113.3']);
    expect(damage.map((d) => d.problem)).toEqual(['checksum mismatch']);
  });

  it('concurrent bans share writes (group commit) and all land, in order', async () => {
    const dir = tmp();
    const store = new FileBanStore({ dir });
    await store.open(recorder());
    await Promise.all(Array.from({ length: 500 }, (_, i) => store.ban(ban(`10.0.${i >> 8}.${i & 255}`))));
    await store.close();
    const text = fs.readFileSync(path.join(dir, BANS_FILE), 'utf8');
    expect(text.split('\n').filter(Boolean)).toHaveLength(500);
    const feed = recorder();
    await new FileBanStore({ dir }).open(feed);
    expect(feed.list.size).toBe(500);
  });
});
