// Real Redis high availability for tests: a three-node Redis Cluster, and a Sentinel setup (a
// primary, a replica and three sentinels), from Debian's redis-server, redis-sentinel and
// redis-cli, on free loopback ports in temporary directories. Each is started by its test and
// stopped by it (`stop()` in afterAll, which also works on a half-started setup).
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, ping } from '../../bench/lib/redis-server.js';

const run = promisify(execFile);

/** Why Redis HA tests cannot run here (a tool missing), or null. With MESHGUARD_REQUIRE_REDIS=1 a missing tool throws. */
export function redisHaUnavailable(): string | null {
  const missing = ['redis-server', 'redis-sentinel', 'redis-cli'].filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);
  if (missing.length === 0) return null;
  const reason = `${missing.join(', ')} not installed (Debian: apt-get install redis-server redis-sentinel)`;
  if (process.env.MESHGUARD_REQUIRE_REDIS === '1') throw new Error(`MESHGUARD_REQUIRE_REDIS=1 but ${reason}`);
  console.log(`skipping the Redis Sentinel and Cluster suites: ${reason}`);
  return reason;
}

/** `redis-cli -p PORT ARGS…`, its output trimmed. */
export async function redisCli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 10_000 });
  return stdout.trim();
}

/** Polls `condition` every 50 ms until it holds; throws naming `what` after `timeoutMs`. */
export async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await condition()) return;
    } catch {
      // Not yet (a process still starting, a command refused mid-failover).
    }
    if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A set of processes in one temporary directory, all killed (and the directory removed) by stop(). */
class ProcessGroup {
  readonly dir = mkdtempSync(join(tmpdir(), 'mg-redis-ha-'));
  private readonly children = new Map<number, ChildProcess>();

  async spawn(command: string, args: string[], port: number): Promise<void> {
    const log = join(this.dir, `${port}.log`);
    const child = spawn(command, [...args, '--logfile', log], { cwd: this.dir, stdio: 'ignore' });
    this.children.set(port, child);
    try {
      await until(`${command} on port ${port} answers PING`, () => ping(port), 15_000);
    } catch (err) {
      throw new Error(`${(err as Error).message}; its log ends: ${existsSync(log) ? readFileSync(log, 'utf8').slice(-600) : '(none)'}`, { cause: err });
    }
  }

  /** SIGKILL one process (a crash): its port stops answering. */
  async kill(port: number): Promise<void> {
    const child = this.children.get(port);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.children.keys()].map((port) => this.kill(port)));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A free port not handed out before in this process (two quick freePort calls may agree). */
const handedOut = new Set<number>();
async function newPort(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

const serverArgs = (port: number): string[] => ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];

export interface RedisCluster {
  /** The primaries' ports. */
  readonly ports: readonly number[];
  /** `redis+cluster://127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3` */
  readonly url: string;
  stop(): Promise<void>;
}

/** Three primaries (`--cluster-enabled yes`, no replicas), joined by `redis-cli --cluster create`, every slot covered. */
export async function startRedisCluster(): Promise<RedisCluster> {
  const group = new ProcessGroup();
  const ports: number[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const port = await newPort();
      // The cluster bus port is its own free port (port + 10000 may be taken or out of range).
      const bus = await newPort();
      ports.push(port);
      await group.spawn('redis-server', [...serverArgs(port), '--cluster-enabled', 'yes', '--cluster-port', String(bus), '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '2000'], port);
    }
    await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-yes'], { timeout: 30_000 });
    for (const port of ports) await until(`cluster state ok on ${port}`, async () => (await redisCli(port, 'CLUSTER', 'INFO')).includes('cluster_state:ok'));
  } catch (err) {
    await group.stop();
    throw err;
  }
  return { ports, url: `redis+cluster://${ports.map((p) => `127.0.0.1:${p}`).join(',')}`, stop: () => group.stop() };
}

export const SENTINEL_MASTER = 'mymaster';

export interface RedisSentinelSetup {
  readonly sentinelPorts: readonly number[];
  /** The two data nodes; which one is primary changes with a failover. */
  readonly dataPorts: readonly number[];
  /** `redis+sentinel://127.0.0.1:S1,…/mymaster` */
  readonly url: string;
  /** The primary's port as the sentinels see it now. */
  primaryPort(): Promise<number>;
  /** `SENTINEL FAILOVER` (retried while the sentinels are not ready for it), until the other node is primary. */
  failover(): Promise<{ from: number; to: number }>;
  /** SIGKILL a data node. */
  kill(port: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A primary, its replica (in sync) and `sentinels` sentinels (quorum: a majority) that know the
 * replica and each other; a primary is declared down after 1 s.
 */
export async function startRedisSentinel(sentinels = 3): Promise<RedisSentinelSetup> {
  const group = new ProcessGroup();
  const sentinelPorts: number[] = [];
  const dataPorts: number[] = [];
  const quorum = Math.floor(sentinels / 2) + 1;
  try {
    const primary = await newPort();
    dataPorts.push(primary);
    await group.spawn('redis-server', serverArgs(primary), primary);
    const replica = await newPort();
    dataPorts.push(replica);
    await group.spawn('redis-server', [...serverArgs(replica), '--replicaof', '127.0.0.1', String(primary)], replica);
    await until('the replica is in sync', async () => (await redisCli(replica, 'INFO', 'replication')).includes('master_link_status:up'));
    for (let i = 0; i < sentinels; i++) {
      const port = await newPort();
      sentinelPorts.push(port);
      // Sentinel rewrites its configuration file: one writable file each.
      const conf = join(group.dir, `sentinel-${port}.conf`);
      writeFileSync(conf, [
        `port ${port}`, 'bind 127.0.0.1', `dir ${group.dir}`,
        `sentinel monitor ${SENTINEL_MASTER} 127.0.0.1 ${primary} ${quorum}`,
        `sentinel down-after-milliseconds ${SENTINEL_MASTER} 1000`,
        `sentinel failover-timeout ${SENTINEL_MASTER} 3000`,
        `sentinel parallel-syncs ${SENTINEL_MASTER} 1`,
        '',
      ].join('\n'));
      await group.spawn('redis-sentinel', [conf], port);
    }
    // A failover needs a replica the sentinels know, and (for an election) the other sentinels.
    for (const port of sentinelPorts) {
      await until(`sentinel ${port} knows the replica and ${sentinels - 1} other sentinels`, async () => {
        const master = await redisCli(port, 'SENTINEL', 'MASTER', SENTINEL_MASTER);
        return /num-slaves\n1\n/.test(master) && new RegExp(`num-other-sentinels\\n${sentinels - 1}\\n`).test(master);
      }, 30_000);
    }
  } catch (err) {
    await group.stop();
    throw err;
  }
  const setup: RedisSentinelSetup = {
    sentinelPorts, dataPorts,
    url: `redis+sentinel://${sentinelPorts.map((p) => `127.0.0.1:${p}`).join(',')}/${SENTINEL_MASTER}`,
    async primaryPort() {
      const [, port] = (await redisCli(sentinelPorts[0]!, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', SENTINEL_MASTER)).split('\n');
      return Number(port);
    },
    async failover() {
      const from = await setup.primaryPort();
      // NOGOODSLAVE / INPROG until the sentinels know a healthy replica and no failover is running.
      await until('SENTINEL FAILOVER accepted', async () => (await redisCli(sentinelPorts[0]!, 'SENTINEL', 'FAILOVER', SENTINEL_MASTER)) === 'OK', 60_000);
      await until('the sentinels name the replica as primary', async () => (await setup.primaryPort()) !== from, 30_000);
      return { from, to: await setup.primaryPort() };
    },
    kill: (port) => group.kill(port),
    stop: () => group.stop(),
  };
  return setup;
}
