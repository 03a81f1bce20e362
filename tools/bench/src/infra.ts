import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';

/** True when something accepts TCP connections on the port. */
export function canConnect(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** The HTTP status of a GET, 0 when nothing answers within `timeoutMs`. */
export function httpStatus(url: string, timeoutMs = 2000): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.setTimeout(timeoutMs, () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

export interface Pid {
  name: string;
  pid: number;
}

/** The machine's Redis (:6379) and NATS (:4222) server processes: their CPU counts in the distributed rows. */
export function infraPids(): Pid[] {
  const found: Pid[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmd = '';
    try {
      cmd = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
    } catch {
      continue;
    }
    if (/redis-server\S*\s+\S*:6379\b/.test(cmd) || /redis-server.*\b6379\b/.test(cmd)) found.push({ name: 'redis', pid: Number(entry) });
    else if (/nats-server/.test(cmd) && /-p 4222\b|:4222\b/.test(cmd)) found.push({ name: 'nats', pid: Number(entry) });
  }
  return found;
}

export interface Machine {
  nproc: string;
  cpu: string;
  memory: string;
  node: string;
  kernel: string;
  date: string;
  nofile: string;
}

/** What the summary says about the machine (`nproc`, `free -g`, `uname -r`, `date -u`, `ulimit -n`). */
export function machine(): Machine {
  const sh = (cmd: string, args: string[]) => {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8' }).trim();
    } catch {
      return '?';
    }
  };
  return {
    nproc: sh('nproc', []),
    cpu: os.cpus()[0]?.model ?? '?',
    memory: sh('free', ['-g']),
    node: process.version,
    kernel: sh('uname', ['-r']),
    date: sh('date', ['-u']),
    nofile: sh('sh', ['-c', 'ulimit -n']),
  };
}
